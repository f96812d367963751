"""Admin lists that hold a prefecture's millions of rows: registrations newest first by key
without sortable columns or a second count; residents found by the phone search (indexes) and
filtered by district without reading the whole table on every page."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from residents.admin import DISTRICTS_CACHE_KEY, ResidentAdmin
from tests.factories import RegistrationFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.jp", "pw-Secret-123")
    client.force_login(user)
    return client


def test_registrations_list_newest_first_without_a_full_count(superuser_client):
    older, newer = RegistrationFactory(), RegistrationFactory()
    response = superuser_client.get(reverse("admin:classes_registration_changelist"))
    assert response.status_code == 200
    changelist = response.context["cl"]
    assert [r.pk for r in changelist.result_list] == [newer.pk, older.pk]
    assert changelist.show_full_result_count is False
    assert changelist.sortable_by == ()
    filtered = superuser_client.get(
        reverse("admin:classes_registration_changelist"), {"status__exact": "registered"}
    )
    assert filtered.context["cl"].result_count == 2
    assert filtered.context["cl"].full_result_count is None  # no second COUNT of the table


def test_resident_admin_search_is_the_phone_search(superuser_client):
    suzuki = ResidentFactory(name="鈴木 花子", name_kana="スズキ ハナコ", phone="0246-22-1234")
    sato = ResidentFactory(name="佐藤 一郎", name_kana="サトウ イチロウ", phone="0246-33-9876")
    url = reverse("admin:residents_resident_changelist")

    def found(q):
        response = superuser_client.get(url, {"q": q})
        assert response.status_code == 200
        return {r.pk for r in response.context["cl"].result_list}

    assert found("すずき") == {suzuki.pk}  # hiragana finds the katakana kana
    assert found("ｽｽﾞｷ") == {suzuki.pk}  # half-width too
    assert found("9876") == {sato.pk}  # the last digits of the phone number
    assert found("佐藤") == {sato.pk}
    assert found("") == {suzuki.pk, sato.pk}
    body = superuser_client.get(url).content.decode()
    assert "as in the phone search" in body


def test_resident_admin_search_keeps_the_list_filters(superuser_client):
    ResidentFactory(name_kana="スズキ ハナコ", district="平")
    other = ResidentFactory(name_kana="スズキ タロウ", district="小名浜")
    response = superuser_client.get(
        reverse("admin:residents_resident_changelist"), {"q": "スズキ", "district": "小名浜"}
    )
    assert [r.pk for r in response.context["cl"].result_list] == [other.pk]


def test_district_choices_are_read_once_an_hour(superuser_client):
    cache.delete(DISTRICTS_CACHE_KEY)
    ResidentFactory(district="平")
    url = reverse("admin:residents_resident_changelist")
    first = superuser_client.get(url).content.decode()
    assert "?district=%E5%B9%B3" in first
    ResidentFactory(district="四倉")
    # The second page does not look for districts again (the new one shows within the hour).
    assert "%E5%9B%9B%E5%80%89" not in superuser_client.get(url).content.decode()
    cache.delete(DISTRICTS_CACHE_KEY)
    assert "?district=%E5%9B%9B%E5%80%89" in superuser_client.get(url).content.decode()
    assert ResidentAdmin.show_full_result_count is False
