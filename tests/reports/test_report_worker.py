"""Reports made by real Celery workers through Redis (the other tests run the task eagerly):
made, made again after the worker making it was killed, and picked up by the beat scan.

Needs PostgreSQL and Redis; the workers come from tests/workers.py.
"""

import signal
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from reports.models import GeneratedReport
from tests.workers import (
    delete_queue,
    new_queue,
    send_task,
    skip_unless_workers_can_run,
    start_worker,
    stop_worker,
    wait_for,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_media(monkeypatch, tmp_path, settings):
    """The worker and this test agree on where report files go (set before the worker starts)."""
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path))
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_fiscal_year_report_is_made_by_a_worker(worker_media, celery_worker_process):
    proc, queue, log_path = celery_worker_process
    report = GeneratedReport.objects.create(
        kind=GeneratedReport.Kind.FISCAL_YEAR,
        period_start=date(2027, 4, 1),
        period_end=date(2028, 3, 31),
        format=GeneratedReport.Format.PDF,
    )
    send_task("reports.tasks.generate_report", report.pk, queue=queue)

    def finished() -> bool:
        report.refresh_from_db()
        return report.status in (GeneratedReport.Status.DONE, GeneratedReport.Status.FAILED)

    wait_for(finished, "the report to be made", logs=[log_path], proc=proc)

    worker_log = log_path.read_text(errors="replace")
    assert report.status == GeneratedReport.Status.DONE, f"{report.error}\n{worker_log}"
    assert report.progress == 100
    path = Path(worker_media) / report.file.name
    assert path.read_bytes().startswith(b"%PDF")


def _worker(queue: str, log_path: Path, name: str, **env: str):
    return start_worker(
        queue=queue,
        log_path=log_path,
        hostname=f"{name}-{queue}",
        settings_module="tests.project.worker_settings",  # stale after 2 s, redelivery after 4 s
        env={"TEST_WORKER_QUEUE": queue, **env},
    )


@pytest.fixture
def report_queue_name():
    skip_unless_workers_can_run()
    queue = new_queue("digisupport-report")
    yield queue
    delete_queue(queue)


def test_a_report_whose_worker_was_killed_is_made_by_the_next_worker(
    worker_media, report_queue_name, tmp_path
):
    queue = report_queue_name
    report = GeneratedReport.objects.create(
        kind=GeneratedReport.Kind.MONTHLY,
        period_start=date(2027, 10, 1),
        period_end=date(2027, 10, 31),
        format=GeneratedReport.Format.CSV,
    )
    first_log, second_log = tmp_path / "worker1.log", tmp_path / "worker2.log"
    first = _worker(queue, first_log, "w1", SLOW_STORAGE_SECONDS="120")
    second = None
    try:
        send_task("reports.tasks.generate_report", report.pk, queue=queue)

        def at_ninety() -> bool:
            report.refresh_from_db()
            return report.progress == 90

        wait_for(at_ninety, "the first worker to reach 90 %", logs=[first_log], proc=first)
        first.send_signal(signal.SIGKILL)  # no warm shutdown, no acknowledgement
        first.wait(timeout=10)
        report.refresh_from_db()
        assert (report.status, report.progress) == (GeneratedReport.Status.RUNNING, 90)

        second = _worker(queue, second_log, "w2")

        def done() -> bool:
            report.refresh_from_db()
            return report.status == GeneratedReport.Status.DONE

        wait_for(done, "the redelivered report", seconds=60, logs=[first_log, second_log])
    finally:
        for proc in (first, second):
            if proc is not None:
                stop_worker(proc)
    assert report.progress == 100
    assert (Path(worker_media) / report.file.name).read_bytes().startswith(b"\xef\xbb\xbf")


def test_the_beat_scan_on_a_worker_makes_a_report_left_running(
    worker_media, report_queue_name, tmp_path
):
    queue = report_queue_name
    report = GeneratedReport.objects.create(
        kind=GeneratedReport.Kind.MONTHLY,
        period_start=date(2027, 11, 1),
        period_end=date(2027, 11, 30),
        format=GeneratedReport.Format.CSV,
        status=GeneratedReport.Status.RUNNING,
        progress=50,
    )
    # A worker died at 50 % an hour ago and its message is gone.
    GeneratedReport.objects.filter(pk=report.pk).update(
        progress_at=timezone.now() - timedelta(hours=1)
    )
    log = tmp_path / "worker.log"
    proc = _worker(queue, log, "w")
    try:
        send_task("reports.tasks.requeue_pending_reports", queue=queue)

        def done() -> bool:
            report.refresh_from_db()
            return report.status == GeneratedReport.Status.DONE

        wait_for(done, "the report queued again by the scan", logs=[log], proc=proc)
    finally:
        stop_worker(proc)
    assert report.progress == 100 and report.file.name.endswith(".csv")
