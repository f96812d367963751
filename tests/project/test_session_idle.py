"""The idle timeout re-saves the session at most once a minute (kernel.session_idle)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("_idle_settings"),
]

JST = ZoneInfo("Asia/Tokyo")
PASSWORD = "pass-1234-word"  # tests.factories.UserFactory's password


@pytest.fixture
def _idle_settings():
    with override_settings(
        SESSION_COOKIE_AGE=30 * 60,
        SESSION_IDLE_REFRESH_SECONDS=60,
        SESSION_SAVE_EVERY_REQUEST=False,
    ):
        yield


def _log_in(client):
    response = client.post(reverse("account_login"), {"login": "staff1", "password": PASSWORD})
    assert response.status_code == 302
    return response


def _session_writes(client, url: str) -> tuple[int, int]:
    """(HTTP status, UPDATEs/INSERTs of the session row) of one GET."""
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(url).status_code
    writes = [
        q["sql"]
        for q in ctx.captured_queries
        if "django_session" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]
    return status, len(writes)


def test_pages_within_a_minute_do_not_write_the_session(client, staff_user):
    start = datetime(2026, 6, 1, 9, 0, tzinfo=JST)
    with time_machine.travel(start, tick=False) as traveller:
        _log_in(client)
        traveller.shift(timedelta(seconds=20))
        assert _session_writes(client, reverse("dashboard")) == (200, 0)
        traveller.shift(timedelta(seconds=30))
        assert _session_writes(client, reverse("dashboard")) == (200, 0)
        # More than a minute after the login's save: this page pushes the end back.
        traveller.shift(timedelta(seconds=15))
        assert _session_writes(client, reverse("dashboard")) == (200, 1)


def test_frequent_pages_keep_the_login_alive_then_30_idle_minutes_end_it(client, staff_user):
    start = datetime(2026, 6, 1, 9, 0, tzinfo=JST)
    with time_machine.travel(start, tick=False) as traveller:
        _log_in(client)
        # A page every 40 s for 45 minutes: most of them write nothing, the login stays.
        for _ in range(45 * 60 // 40):
            traveller.shift(timedelta(seconds=40))
            assert client.get(reverse("dashboard")).status_code == 200

        traveller.shift(timedelta(minutes=29))
        # Not yet 30 idle minutes since the last save: still logged in (this page refreshes).
        assert client.get(reverse("dashboard")).status_code == 200

        traveller.shift(timedelta(minutes=30, seconds=1))
        response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_anonymous_requests_get_no_session(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert not [q for q in ctx.captured_queries if "django_session" in q["sql"]]
