"""The phone screen: a caller found by era year (昭和18, S18) alone or with a name, 和暦 beside
西暦 in the results, the searched kana carried into the new-resident form, and a read-back that
never makes a waitlist place sound like a seat."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from classes.selectors import what_to_bring_for
from classes.services import registration_create
from residents.models import OwnDevice
from residents.selectors import resident_search
from tests.factories import ResidentFactory, SessionFactory, TopicFactory

pytestmark = pytest.mark.django_db
JA = {"accept-language": "ja"}


@pytest.fixture
def callers():
    return {
        "sato_1943": ResidentFactory(
            name="佐藤 花子", name_kana="サトウ ハナコ", birth_date=date(1943, 5, 1)
        ),
        "sato_1950": ResidentFactory(
            name="佐藤 一郎", name_kana="サトウ イチロウ", birth_date=date(1950, 2, 3)
        ),
        "suzuki_1943": ResidentFactory(
            name="鈴木 正", name_kana="スズキ タダシ", birth_date=date(1943, 12, 31)
        ),
        "ito_1944": ResidentFactory(
            name="伊藤 清", name_kana="イトウ キヨシ", birth_date=date(1944, 1, 1)
        ),
    }


def names(query):
    return sorted(r.name for r in resident_search(query=query))


@pytest.mark.parametrize("query", ["昭和18", "S18", "s18", "Ｓ１８", "昭18", "昭和18年"])
def test_an_era_year_alone_finds_everyone_born_that_year(callers, query):
    assert names(query) == ["佐藤 花子", "鈴木 正"]


@pytest.mark.parametrize("query", ["さとう 昭和18", "サトウ S18", "佐藤 昭和18", "昭和18 さとう"])
def test_a_name_and_an_era_year_find_only_that_person(callers, query):
    assert names(query) == ["佐藤 花子"]


def test_an_impossible_era_year_finds_nobody_and_says_why(staff_client, callers):
    assert names("昭和70") == []
    page = staff_client.get(reverse("residents:list"), {"q": "昭和70"}).content.decode()
    assert "昭和 has no year 70" in page


def test_phone_results_show_the_era_beside_the_western_year(staff_client, callers):
    page = staff_client.get(reverse("classes:phone"), {"q": "S18"}, headers=JA).content.decode()
    assert "佐藤 花子" in page and "鈴木 正" in page and "佐藤 一郎" not in page
    assert "昭和18年（1943年）5月1日" in page
    assert "昭和18年（1943年）12月31日" in page


def test_the_searched_kana_is_carried_into_the_new_resident_form(staff_client, callers):
    page = staff_client.get(reverse("classes:phone"), {"q": "たなか 昭和18"}).content.decode()
    assert "0 residents found" in page
    query = urlencode({"next": reverse("classes:phone"), "name_kana": "たなか"})
    assert f'href="{reverse("residents:create")}?{query.replace("&", "&amp;")}"' in page
    form = staff_client.get(f"{reverse('residents:create')}?{query}", headers=JA).content.decode()
    assert 'value="たなか"' in form
    assert "この方を登録する" in form
    assert ">申込<" not in form


def _waitlisted(venue):
    session = SessionFactory(venue=venue, seats=1)
    registration_create(session=session, resident=ResidentFactory())
    registration_create(session=session, resident=ResidentFactory())
    return registration_create(session=session, resident=ResidentFactory())


def test_waitlist_read_back_says_plainly_no_seat_is_held(staff_client, venue):
    reg = _waitlisted(venue)
    page = staff_client.get(reverse("classes:readback", args=[reg.pk]), headers=JA).content
    page = page.decode()
    assert "キャンセル待ち 2番目です。まだお席は確保されていません" in page
    assert 'class="status-box waiting"' in page
    assert "status-box seat" not in page
    assert "席を確保しました" not in page


def test_seat_read_back_is_the_green_confirmation(staff_client, venue):
    reg = registration_create(session=SessionFactory(venue=venue), resident=ResidentFactory())
    page = staff_client.get(reverse("classes:readback", args=[reg.pk]), headers=JA).content
    assert 'class="status-box seat"' in page.decode()
    assert "status-box waiting" not in page.decode()


def test_read_back_gives_the_venues_address_access_and_phone(staff_client, venue):
    venue.address, venue.access, venue.phone = (
        "いわき市平字堂根町1-1",
        "駅から徒歩10分",
        "0246-22-0000",
    )
    venue.save()
    reg = registration_create(session=SessionFactory(venue=venue), resident=ResidentFactory())
    page = staff_client.get(reverse("classes:readback", args=[reg.pk])).content.decode()
    for text in ("いわき市平字堂根町1-1", "駅から徒歩10分", "0246-22-0000", "Venue phone"):
        assert text in page


@pytest.mark.parametrize("device", [OwnDevice.NONE, OwnDevice.IPHONE])
def test_what_to_bring_never_contradicts_the_device_line(device):
    session = SessionFactory(
        topic=TopicFactory(code="B01", what_to_bring=""),
        what_to_bring="スマートフォン（お持ちでない方は貸出機があります）、筆記用具、老眼鏡",
    )
    items = what_to_bring_for(session=session, resident=ResidentFactory(own_device=device))
    assert items[1:] == ["筆記用具", "老眼鏡"]
    assert not any(item.startswith("スマートフォン") for item in items)


def test_my_number_topic_lists_its_papers_once_and_no_second_phone_line():
    topic = TopicFactory(
        code="A02",
        what_to_bring="マイナンバーカード、利用者証明用電子証明書の暗証番号（数字4桁）、"
        "スマートフォン（お持ちの方）",
    )
    session = SessionFactory(topic=topic, what_to_bring="")
    with translation.override("ja"):
        items = what_to_bring_for(
            session=session, resident=ResidentFactory(own_device=OwnDevice.FEATURE_PHONE)
        )
    assert items == [
        "貸出端末をご用意します",
        "マイナンバーカード",
        "利用者証明用電子証明書の暗証番号（数字4桁）",
    ]
