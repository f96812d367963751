"""Control characters (NUL...) in the address, the query string or a form are refused with a
plain 400 page; they never reach a view or the database (PostgreSQL refuses NUL: a 500)."""

import pytest
from django.urls import reverse

from tests.factories import LoanPolicyFactory, ResidentFactory, SupporterFactory
from volunteers.feeds import supporter_feed_token_ensure

pytestmark = pytest.mark.django_db


def test_a_search_with_a_nul_character_answers_a_plain_400_page(admin_client_):
    LoanPolicyFactory()
    ResidentFactory(name="山田 花子", name_kana="やまだ はなこ")
    response = admin_client_.get(reverse("loans:applications"), {"q": "山田\x00"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "cannot be read" in page and "山田 花子" not in page


def test_a_plain_search_still_answers_with_results(admin_client_):
    LoanPolicyFactory()
    ResidentFactory(name="山田 花子", name_kana="やまだ はなこ")
    response = admin_client_.get(reverse("loans:applications"), {"q": "山田"})
    assert response.status_code == 200
    assert "山田 花子" in response.content.decode()


@pytest.mark.parametrize("byte", ["%00", "%01", "%1F", "%7F", "%0A"])
def test_an_anonymous_feed_address_with_a_control_byte_is_refused(client, byte):
    token = supporter_feed_token_ensure(supporter=SupporterFactory())
    for name in ("volunteers:supporter_feed", "supporter_feed_earlier_address"):
        path = reverse(name, args=[token])
        response = client.get(path.replace(".ics", f"{byte}.ics"))
        assert response.status_code == 400
        assert "BEGIN:VCALENDAR" not in response.content.decode()
        # The same address without the byte is the supporter's calendar.
        assert client.get(path).status_code == 200


def test_a_control_character_in_a_parameter_name_is_refused(admin_client_):
    response = admin_client_.get(reverse("residents:list") + "?na%01me=1")
    assert response.status_code == 400


def test_a_form_value_with_a_control_character_is_refused_and_nothing_saved(admin_client_):
    resident = ResidentFactory(name="山田 花子")
    response = admin_client_.post(
        reverse("residents:edit", args=[resident.pk]),
        {"name": "山田\x1b花子", "own_device": "none", "notes": "x"},
    )
    assert response.status_code == 400
    resident.refresh_from_db()
    assert resident.name == "山田 花子"


def test_tab_and_line_breaks_in_a_textarea_are_kept(admin_client_):
    resident = ResidentFactory(name="山田 花子")
    response = admin_client_.post(
        reverse("residents:edit", args=[resident.pk]),
        {"name": "山田 花子", "own_device": "none", "notes": "一行目\r\n二行目\tタブ"},
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.notes == "一行目\r\n二行目\tタブ"


def test_the_refusal_page_follows_the_browser_language(client):
    response = client.get("/a%00b", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 400
    page = response.content.decode()
    assert '<html lang="ja">' in page and "読み取れない文字" in page
