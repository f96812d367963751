"""One task through a real broker and a real worker process (the rest of the suite runs tasks eagerly).

Needs PostgreSQL (the worker is another process and must see the test database) and Redis at
CELERY_TEST_BROKER_URL (default redis://127.0.0.1:6379/15); the worker comes from the
``celery_worker_process`` fixture (tests/workers.py).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from loans.models import Loan
from tests.factories import LoanFactory
from tests.workers import send_task, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_overdue_check_sent_through_redis_is_run_by_a_real_worker(celery_worker_process):
    proc, queue, log_path = celery_worker_process
    today = timezone.localdate()
    overdue = LoanFactory(start_date=today - timedelta(days=30), due_date=today - timedelta(days=1))
    not_due = LoanFactory(start_date=today - timedelta(days=30), due_date=today + timedelta(days=5))

    send_task("loans.tasks.mark_overdue_loans", queue=queue)

    def noted() -> bool:
        return Loan.objects.get(pk=overdue.pk).overdue_noted_on is not None

    wait_for(noted, "the worker to mark the overdue loan", logs=[log_path], proc=proc)

    worker_log = log_path.read_text(errors="replace")
    assert proc.poll() is None, f"the worker exited early:\n{worker_log}"
    assert Loan.objects.get(pk=overdue.pk).overdue_noted_on == today, worker_log
    assert Loan.objects.get(pk=not_due.pk).overdue_noted_on is None
    assert "loans.tasks.mark_overdue_loans" in worker_log
