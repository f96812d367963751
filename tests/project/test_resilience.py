"""The application keeps answering when Redis is down, and recovers when PostgreSQL drops it."""

import logging
import time
from datetime import datetime, timedelta
from datetime import time as clock

import psycopg
import pytest
from django.core import mail
from django.core.cache import cache
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone

from classes import tasks as class_tasks
from classes.models import CallListEntry
from kernel.tasks_util import enqueue
from loans.tasks import mark_overdue_loans
from project.celery import app
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory

WARNING = "Background tasks are not running"


@pytest.fixture
def tomorrows_reminder(db):
    tomorrow = timezone.localdate() + timedelta(days=1)
    starts = timezone.make_aware(datetime.combine(tomorrow, clock(10, 0)))
    session = SessionFactory(starts_at=starts, ends_at=starts + timedelta(minutes=90))
    return RegistrationFactory(session=session, resident=ResidentFactory(email="hanako@example.jp"))


@pytest.mark.django_db
def test_pages_answer_and_warn_staff_while_redis_is_down(redis_down, staff_client):
    for name in ("dashboard", "classes:session_list", "loans:device_list", "residents:list"):
        response = staff_client.get(reverse(name))
        assert response.status_code == 200, name
        assert WARNING in response.content.decode(), name


@pytest.mark.django_db
def test_no_warning_while_the_queue_works(staff_client):
    cache.clear()
    assert WARNING not in staff_client.get(reverse("dashboard")).content.decode()


@pytest.mark.django_db
def test_the_broker_check_is_cached_so_pages_stay_fast(redis_down, staff_client, monkeypatch):
    from kernel import tasks_util

    calls = []
    real = tasks_util._broker_answers
    monkeypatch.setattr(tasks_util, "_broker_answers", lambda: calls.append(1) or real())
    for _ in range(5):
        assert WARNING in staff_client.get(reverse("dashboard")).content.decode()
    assert len(calls) == 1


@pytest.mark.django_db
def test_enqueue_fails_fast_logs_and_does_not_raise(redis_down, caplog):
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="kernel.tasks_util"):
        assert enqueue(mark_overdue_loans) is False
    assert time.monotonic() - started < 3
    assert "Could not queue loans.tasks.mark_overdue_loans" in caplog.text


@pytest.mark.django_db
def test_reminders_not_queued_while_redis_is_down_go_out_on_the_next_scan(
    redis_down, tomorrows_reminder, django_capture_on_commit_callbacks
):
    # The beat scan runs but cannot queue the sends: no error, nothing sent, nothing claimed.
    with django_capture_on_commit_callbacks(execute=True):
        assert class_tasks.send_due_reminders() == 1
    entry = CallListEntry.objects.get(registration=tomorrows_reminder)
    assert entry.sent_at is None and entry.status == "to_call"
    assert mail.outbox == []

    # Redis is back: the next scan sends it.
    app.conf.task_always_eager = True
    with django_capture_on_commit_callbacks(execute=True):
        class_tasks.send_due_reminders()
    entry.refresh_from_db()
    assert entry.status == "reminded"
    assert [m.to for m in mail.outbox] == [["hanako@example.jp"]]


def _kill_current_backend():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        autocommit=True,
    ) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]


def _get(client, path):
    """GET like a WSGI server in production: Django's test client leaves out the
    close_old_connections() that request_started/request_finished run around every request
    (that is where a dead or expired connection is noticed)."""
    close_old_connections()
    try:
        return client.get(path)
    finally:
        close_old_connections()


@pytest.fixture
def persistent_connection():
    """Connections kept between requests, as in production (CONN_MAX_AGE=60)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    saved = {k: connection.settings_dict[k] for k in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")}
    connection.settings_dict["CONN_MAX_AGE"] = 60
    yield connection.settings_dict
    connection.close()
    connection.settings_dict.update(saved)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_next_request_after_postgresql_drops_the_connection_succeeds(
    persistent_connection, admin_client_
):
    from django.conf import settings

    # Production settings turn the health check on; the test settings inherit it.
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert persistent_connection["CONN_HEALTH_CHECKS"] is True
    assert _get(admin_client_, reverse("dashboard")).status_code == 200
    assert connection.connection is not None  # kept open for the next request
    _kill_current_backend()  # what a PostgreSQL restart does to every connection
    response = _get(admin_client_, reverse("classes:session_list"))
    assert response.status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_the_health_check_the_dead_connection_fails_a_request(
    persistent_connection, admin_client_
):
    """The control: shows the test above exercises a real dead connection."""
    from django.db import InterfaceError, OperationalError

    persistent_connection["CONN_HEALTH_CHECKS"] = False
    connection.close()  # the setting is read when connecting
    assert _get(admin_client_, reverse("dashboard")).status_code == 200
    _kill_current_backend()
    with pytest.raises((OperationalError, InterfaceError)):
        _get(admin_client_, reverse("classes:session_list"))


@pytest.mark.django_db
def test_asking_for_a_report_while_redis_is_down_saves_the_request_without_an_error(
    redis_down, admin_client_, django_capture_on_commit_callbacks
):
    from reports.models import GeneratedReport

    form = {"kind": "monthly", "year": "2026", "month": "10", "scope": "program", "format": "csv"}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(reverse("reports:report_list"), form)
    assert response.status_code == 302
    assert GeneratedReport.objects.count() == 1
    page = admin_client_.get(reverse("reports:report_list")).content.decode()
    assert WARNING in page
