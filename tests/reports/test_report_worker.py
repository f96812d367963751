"""A report made by a real Celery worker through Redis (the other tests run the task eagerly).

Needs PostgreSQL and Redis; the worker comes from the ``celery_worker_process`` fixture
(tests/workers.py).
"""

from datetime import date
from pathlib import Path

import pytest

from reports.models import GeneratedReport
from tests.workers import send_task, wait_for

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
