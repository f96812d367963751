"""A report made by a real Celery worker through Redis (the other tests run the task eagerly).

Needs PostgreSQL and Redis, like tests/project/test_celery_worker.py whose worker fixture it uses.
"""

import time
from datetime import date
from pathlib import Path

import pytest
from celery import Celery

from reports.models import GeneratedReport
from tests.project.test_celery_worker import (  # noqa: F401 - the fixture
    BROKER_URL,
    WAIT_SECONDS,
    celery_worker_process,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_media(monkeypatch, tmp_path, settings):
    """The worker and this test agree on where report files go (set before the worker starts)."""
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path))
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_fiscal_year_report_is_made_by_a_worker(worker_media, celery_worker_process):  # noqa: F811
    proc, queue, log_path = celery_worker_process
    report = GeneratedReport.objects.create(
        kind=GeneratedReport.Kind.FISCAL_YEAR,
        period_start=date(2027, 4, 1),
        period_end=date(2028, 3, 31),
        format=GeneratedReport.Format.PDF,
    )
    sender = Celery("digisupport-test-sender", broker=BROKER_URL)
    sender.conf.task_always_eager = False
    sender.signature("reports.tasks.generate_report", args=[report.pk]).apply_async(queue=queue)

    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status in (GeneratedReport.Status.DONE, GeneratedReport.Status.FAILED):
            break
        if proc.poll() is not None:
            break
        time.sleep(0.5)

    worker_log = log_path.read_text(errors="replace")
    assert report.status == GeneratedReport.Status.DONE, f"{report.error}\n{worker_log}"
    assert report.progress == 100
    path = Path(worker_media) / report.file.name
    assert path.read_bytes().startswith(b"%PDF")
