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


def timezone_now_plus(*, seconds: int) -> datetime:
    return datetime.now(tz=JST) + timedelta(seconds=seconds)


PASSWORD = "pass-1234-word"  # tests.factories.UserFactory's password
LOCKED = "Too many failed login attempts for this user name"


@pytest.fixture
def _clear_cache():
    # Failed-login counters live in the cache: keep them from leaking into other tests.
    cache.clear()
    yield
    cache.clear()


def _log_in(client, username: str, password: str, **extra):
    return client.post(reverse("account_login"), {"login": username, "password": password}, **extra)


def _fail(client, username: str, times: int, **extra) -> None:
    for _ in range(times):
        response = _log_in(client, username, "wrong-password", **extra)
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


def test_a_stranger_elsewhere_cannot_lock_the_real_user_out(client, staff_user):
    start = datetime(2026, 6, 1, 9, 0, tzinfo=JST)
    with time_machine.travel(start, tick=False) as traveller:
        _fail(client, "staff1", 5, REMOTE_ADDR="198.51.100.7")  # the stranger
        assert (
            LOCKED
            in _log_in(client, "staff1", PASSWORD, REMOTE_ADDR="198.51.100.7").content.decode()
        )
        # The real user at the desk waits out the short delay at most, and is let in.
        traveller.shift(timedelta(seconds=3))
        response = _log_in(client, "staff1", PASSWORD, REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_guessing_from_many_addresses_meets_a_growing_delay(client, staff_user):
    start = datetime(2026, 6, 1, 9, 0, tzinfo=JST)
    with time_machine.travel(start, tick=False) as traveller:
        for n in range(5):
            _fail(client, "staff1", 1, REMOTE_ADDR=f"198.51.100.{n + 1}")
        # Five failures for the name: the next try waits 2 seconds, then 4, then 8.
        waits = []
        for n in range(3):
            html = _log_in(client, "staff1", PASSWORD, REMOTE_ADDR="203.0.113.9").content.decode()
            assert "Wait" in html and "seconds, then try again" in html
            waits.append(int(html.split("Wait ")[1].split(" ")[0]))
            traveller.shift(timedelta(seconds=waits[-1]))
            _fail(client, "staff1", 1, REMOTE_ADDR=f"198.51.100.{n + 10}")
        assert waits == [2, 4, 8]
        traveller.shift(timedelta(seconds=16))
        response = _log_in(client, "staff1", PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=0)
def test_a_made_up_forwarded_address_does_not_escape_the_lock(client, staff_user):
    # Clients reach Django directly: X-Forwarded-For is their own word and is ignored.
    for n in range(5):
        _fail(client, "staff1", 1, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    response = _log_in(client, "staff1", PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert LOCKED in response.content.decode()


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_behind_one_trusted_proxy_the_address_it_saw_counts(client, staff_user):
    # The proxy appends the address it saw: the last entry. Anything before it is the client's.
    _fail(client, "staff1", 5, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert (
        LOCKED
        in _log_in(
            client, "staff1", PASSWORD, HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.7"
        ).content.decode()
    )
    with time_machine.travel(timezone_now_plus(seconds=3), tick=False):
        response = _log_in(client, "staff1", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.10")
    assert response.status_code == 302


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_a_request_that_skipped_the_proxy_still_logs_in_by_its_own_address(client, staff_user):
    # No X-Forwarded-For at all (someone reached gunicorn directly): REMOTE_ADDR, not an error.
    response = _log_in(client, "staff1", PASSWORD)
    assert response.status_code == 302


def test_failures_are_kept_in_the_database_that_every_web_process_shares(client, staff_user):
    from django.conf import settings
    from django.db import connection

    assert settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
    _fail(client, "staff1", 2)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM kernel_cache")
        assert cursor.fetchone()[0] >= 2  # the per-address counter and the per-name one


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
