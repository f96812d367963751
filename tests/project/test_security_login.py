"""Logging in safely: lock-out after repeated wrong passwords, password rules, idle timeout."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_clear_cache")]

JST = ZoneInfo("Asia/Tokyo")
PASSWORD = "pass-1234-word"  # tests.factories.UserFactory's password
LOCKED = "Too many failed login attempts for this user name"


@pytest.fixture
def _clear_cache():
    # Failed-login counters live in the cache: keep them from leaking into other tests.
    cache.clear()
    yield
    cache.clear()


def _log_in(client, username: str, password: str):
    return client.post(reverse("account_login"), {"login": username, "password": password})


def _fail(client, username: str, times: int) -> None:
    for _ in range(times):
        response = _log_in(client, username, "wrong-password")
        assert response.status_code == 200
        assert "not correct" in response.content.decode()


# --- lock-out -----------------------------------------------------------------------------------


def test_sixth_attempt_is_refused_even_with_the_right_password(client, staff_user):
    _fail(client, "staff1", 5)

    response = _log_in(client, "staff1", PASSWORD)

    html = response.content.decode()
    assert response.status_code == 200
    assert LOCKED in html
    assert "15 minutes" in html
    assert not response.wsgi_request.user.is_authenticated
    assert client.get(reverse("dashboard")).status_code == 302


def test_four_failures_still_let_the_right_password_in(client, staff_user):
    _fail(client, "staff1", 4)

    response = _log_in(client, "staff1", PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_the_lock_clears_after_the_window(client, staff_user):
    start = datetime(2026, 6, 1, 9, 0, tzinfo=JST)
    with time_machine.travel(start, tick=False) as traveller:
        _fail(client, "staff1", 5)
        traveller.shift(timedelta(minutes=14))
        assert LOCKED in _log_in(client, "staff1", PASSWORD).content.decode()

        traveller.shift(timedelta(minutes=2))  # 16 minutes after the failures
        response = _log_in(client, "staff1", PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_locking_one_user_name_does_not_lock_another(client, staff_user, coordinator_user):
    _fail(client, "staff1", 5)

    response = _log_in(client, "coord1", PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_unknown_user_names_are_counted_too(client, staff_user):
    # Guessing at a name that does not exist ends in the same message: nothing tells names apart.
    _fail(client, "nobody", 5)

    response = _log_in(client, "nobody", PASSWORD)

    assert LOCKED in response.content.decode()


# --- password rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("Short-pw1", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
        ("739104826153", "This password is entirely numeric."),
        ("hanako.tanaka", "The password is too similar to the email address."),
    ],
    ids=["too-short", "common", "numeric", "like-the-email"],
)
def test_password_rules_refuse_weak_passwords(client, staff_user, new_password, message):
    staff_user.email = "hanako.tanaka@example.jp"
    staff_user.save(update_fields=["email"])
    client.force_login(staff_user)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new_password, "password2": new_password},
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    staff_user.refresh_from_db()
    assert staff_user.check_password(PASSWORD)


def test_a_long_uncommon_password_is_accepted(client, staff_user):
    client.force_login(staff_user)

    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "Kouminkan-desk-2026",
            "password2": "Kouminkan-desk-2026",
        },
    )

    assert response.status_code == 302
    staff_user.refresh_from_db()
    assert staff_user.check_password("Kouminkan-desk-2026")


# --- session timeout ----------------------------------------------------------------------------


@override_settings(SESSION_COOKIE_AGE=30 * 60, SESSION_IDLE_REFRESH_SECONDS=60)
def test_session_ends_after_30_idle_minutes_but_not_while_in_use(client, staff_user):
    start = datetime(2026, 6, 1, 9, 0, tzinfo=JST)
    with time_machine.travel(start, tick=False) as traveller:
        assert _log_in(client, "staff1", PASSWORD).status_code == 302

        # Busy: a page every 20 minutes keeps the login alive well past 30 minutes.
        for _ in range(3):
            traveller.shift(timedelta(minutes=20))
            assert client.get(reverse("dashboard")).status_code == 200

        traveller.shift(timedelta(minutes=31))
        response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_session_cookie_ends_with_the_browser_and_is_http_only(client, staff_user):
    response = _log_in(client, "staff1", PASSWORD)

    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == ""  # no date: the browser forgets it when it closes
    assert cookie["max-age"] == ""
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
