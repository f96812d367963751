"""Reports that could not be queued or whose run died: said at once, tried again, made once.

The broker-down tests point Celery at a closed port (``redis_down``, tests/workers.py); the rest
runs in-process, as the default local setup does (no broker, eager Celery).
"""

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from project.celery import app
from reports.models import GeneratedReport
from reports.tasks import generate_report
from tests.reports.program_fixture import jst

LIST = reverse("reports:report_list")
NOT_QUEUED = "could not be queued"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_STALE_SECONDS = 15 * 60


def ask(client):
    return client.post(
        LIST,
        {
            "kind": "monthly",
            "year": "2026",
            "month": "10",
            "scope": "program",
            "format": "csv",
            "published": "on",
        },
        follow=True,
    )


def waiting_report(user, *, status, progress, silent_for: timedelta) -> GeneratedReport:
    """A report as a run that stopped ``silent_for`` ago left it."""
    report = GeneratedReport.objects.create(
        kind="monthly",
        period_start=jst(2026, 10, 1, 0).date(),
        period_end=jst(2026, 10, 31, 0).date(),
        format="csv",
        requested_by=user,
        status=status,
        progress=progress,
    )
    GeneratedReport.objects.filter(pk=report.pk).update(
        progress_at=timezone.now() - silent_for, started_at=timezone.now() - silent_for
    )
    return report


@pytest.mark.django_db(transaction=True)  # on_commit runs when the request commits, as live
def test_a_report_asked_for_while_the_broker_is_down_says_so_and_retry_makes_it(
    redis_down, admin_client_
):
    started = time.monotonic()
    page = ask(admin_client_)
    assert time.monotonic() - started < 5  # fails fast, does not hang

    report = GeneratedReport.objects.get()
    assert report.status == GeneratedReport.Status.FAILED
    assert NOT_QUEUED in report.error and "Error" not in report.error  # plain words
    body = page.content.decode()
    assert NOT_QUEUED in body and "being made" not in body
    assert 'http-equiv="refresh"' not in body  # nothing will come: no endless "being made"
    retry = reverse("reports:report_retry", args=[report.pk])
    assert f'action="{retry}"' in body and ">Retry<" in body

    # Still down: retrying says so again, the report stays where it was.
    body = admin_client_.post(retry, follow=True).content.decode()
    assert NOT_QUEUED in body
    assert GeneratedReport.objects.get().status == GeneratedReport.Status.FAILED

    app.conf.task_always_eager = True  # the queue is back (in-process here)
    body = admin_client_.post(retry, follow=True).content.decode()
    report = GeneratedReport.objects.get()  # the same request, not a new one
    assert report.status == GeneratedReport.Status.DONE and report.error == ""
    assert report.file.name.endswith(".csv")
    assert "being made" in body and "Download" in body and NOT_QUEUED not in body


def test_only_a_failed_report_can_be_retried(admin_client_, admin_user, staff_user):
    running = waiting_report(
        admin_user, status=GeneratedReport.Status.RUNNING, progress=50, silent_for=timedelta()
    )
    body = admin_client_.post(
        reverse("reports:report_retry", args=[running.pk]), follow=True
    ).content.decode()
    assert "Only a report that failed can be tried again." in body
    running.refresh_from_db()
    assert running.status == GeneratedReport.Status.RUNNING
    # A whole-program report is not staff's to see, nor to retry.
    GeneratedReport.objects.filter(pk=running.pk).update(status=GeneratedReport.Status.FAILED)
    staff_client = Client()
    staff_client.force_login(staff_user)
    assert staff_client.post(reverse("reports:report_retry", args=[running.pk])).status_code == 404


@pytest.mark.django_db
def test_in_process_a_report_stuck_at_five_percent_is_made_when_its_page_is_opened(
    admin_client_, admin_user
):
    # The web process making it died at 5 %, 20 minutes ago; nothing else will ever resume it.
    stuck = waiting_report(
        admin_user,
        status=GeneratedReport.Status.RUNNING,
        progress=5,
        silent_for=timedelta(minutes=20),
    )
    # A lost one still queued, and one still being made (progress 5 minutes ago).
    lost = waiting_report(
        admin_user,
        status=GeneratedReport.Status.QUEUED,
        progress=0,
        silent_for=timedelta(minutes=20),
    )
    busy = waiting_report(
        admin_user,
        status=GeneratedReport.Status.RUNNING,
        progress=50,
        silent_for=timedelta(minutes=5),
    )

    body = admin_client_.get(LIST).content.decode()

    for report in (stuck, lost):
        report.refresh_from_db()
        assert report.status == GeneratedReport.Status.DONE and report.progress == 100
        assert reverse("reports:report_download", args=[report.pk]) in body
    busy.refresh_from_db()
    assert busy.status == GeneratedReport.Status.RUNNING and busy.progress == 50
    assert 'value="50"' in body  # still shown as being made, the page keeps refreshing
    assert admin_client_.get(reverse("reports:report_download", args=[stuck.pk])).status_code == 200


@pytest.mark.django_db
def test_a_redelivered_message_makes_a_report_whose_worker_died_but_not_a_live_one(admin_user):
    dead = waiting_report(
        admin_user,
        status=GeneratedReport.Status.RUNNING,
        progress=90,
        silent_for=timedelta(hours=1),
    )
    live = waiting_report(
        admin_user,
        status=GeneratedReport.Status.RUNNING,
        progress=50,
        silent_for=timedelta(minutes=1),
    )
    # What Redis does with the unacknowledged message of a killed worker (acks_late).
    assert generate_report.delay(dead.pk).get() is True
    assert generate_report.delay(live.pk).get() is False
    dead.refresh_from_db()
    live.refresh_from_db()
    assert dead.status == GeneratedReport.Status.DONE and dead.file.name.endswith(".csv")
    assert live.status == GeneratedReport.Status.RUNNING and not live.file


@pytest.mark.django_db
def test_a_run_taken_over_as_stale_stops_without_overwriting(admin_user, monkeypatch):
    """A run that was only slow finds its claim gone at its next step and leaves the report
    to the run that took it over (one file, one finish)."""
    from reports import services

    report = waiting_report(
        admin_user, status=GeneratedReport.Status.QUEUED, progress=0, silent_for=timedelta()
    )
    real = services.report_figures_for

    def slow_then_taken_over(r, **kwargs):
        # While this run computes, the scan finds it silent and queues it again.
        GeneratedReport.objects.filter(pk=r.pk).update(
            progress_at=timezone.now() - timedelta(hours=1)
        )
        monkeypatch.setattr(services, "report_figures_for", real)
        assert services.reports_requeue_stale() == [r.pk]  # made in-process by the new run
        return real(r, **kwargs)

    monkeypatch.setattr(services, "report_figures_for", slow_then_taken_over)
    assert services.report_generate(report_id=report.pk) is False
    report.refresh_from_db()
    assert report.status == GeneratedReport.Status.DONE and report.progress == 100
    files = list((services.settings.MEDIA_ROOT / "reports").rglob("*.csv"))
    assert [f.name for f in files] == [report.file.name.rsplit("/", 1)[-1]]
