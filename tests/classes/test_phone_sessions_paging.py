"""The phone registration screen lists the next 30 sessions, with links to later ones."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from classes.views_phone import PHONE_SESSIONS_PAGE
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory

pytestmark = pytest.mark.django_db

SESSION_INPUT = re.compile(r'name="session" value="(\d+)"')
LINK = re.compile(r'<a href="(\?[^"]*sessions_page=\d+[^"]*)">([^<]+)</a>')


@pytest.fixture
def sessions(venue):
    """PHONE_SESSIONS_PAGE + 5 upcoming sessions, one a day from tomorrow, in date order."""
    first = (timezone.localtime() + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    return [
        SessionFactory(
            venue=venue,
            starts_at=first + timedelta(days=i),
            ends_at=first + timedelta(days=i, minutes=90),
        )
        for i in range(PHONE_SESSIONS_PAGE + 5)
    ]


def _links(body: str) -> dict[str, str]:
    return {text.strip(): href.replace("&amp;", "&") for href, text in LINK.findall(body)}


def test_the_next_sessions_come_first_and_later_ones_are_a_link_away(staff_client, venue, sessions):
    caller = ResidentFactory()
    url = reverse("classes:phone")
    first = staff_client.get(url, {"q": "x", "resident": caller.pk}).content.decode()

    shown = [int(i) for i in SESSION_INPUT.findall(first)]
    assert shown == [s.pk for s in sessions[:PHONE_SESSIONS_PAGE]]
    links = _links(first)
    assert "Earlier sessions" not in links
    assert f"resident={caller.pk}" in links["Later sessions"]  # the caller stays selected

    second = staff_client.get(url + links["Later sessions"]).content.decode()
    assert [int(i) for i in SESSION_INPUT.findall(second)] == [
        s.pk for s in sessions[PHONE_SESSIONS_PAGE:]
    ]
    links = _links(second)
    assert "Later sessions" not in links
    back = staff_client.get(url + links["Earlier sessions"]).content.decode()
    assert [int(i) for i in SESSION_INPUT.findall(back)] == shown


def test_sessions_the_caller_is_in_are_not_offered_and_do_not_shorten_the_page(
    staff_client, venue, sessions
):
    caller = ResidentFactory()
    RegistrationFactory(session=sessions[0], resident=caller)
    body = staff_client.get(reverse("classes:phone"), {"resident": caller.pk}).content.decode()

    shown = [int(i) for i in SESSION_INPUT.findall(body)]
    assert shown == [s.pk for s in sessions[1 : PHONE_SESSIONS_PAGE + 1]]


@pytest.mark.parametrize("page", ["abc", "0", "-3", "99999"])
def test_a_bad_page_number_still_shows_a_page(staff_client, venue, sessions, page):
    caller = ResidentFactory()
    response = staff_client.get(
        reverse("classes:phone"), {"resident": caller.pk, "sessions_page": page}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert SESSION_INPUT.search(body) or "Earlier sessions" in body
