"""The publish notification through a real broker and worker (the rest runs tasks eagerly).

Needs PostgreSQL and Redis (CELERY_TEST_BROKER_URL), like tests/project/test_celery_worker.py,
whose worker fixture it reuses.
"""

import time

import pytest
from celery import Celery

from tests.factories import AssignmentFactory, SupporterFactory
from tests.project.test_celery_worker import (  # noqa: F401  (fixture)
    BROKER_URL,
    WAIT_SECONDS,
    celery_worker_process,
)
from volunteers.models import Assignment

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_publish_notification_is_claimed_once_by_a_real_worker(celery_worker_process):  # noqa: F811
    proc, queue, log_path = celery_worker_process
    ann = SupporterFactory(email="ann@example.jp")
    asked = AssignmentFactory(supporter=ann, status=Assignment.Status.PROPOSED)

    sender = Celery("digisupport-test-sender", broker=BROKER_URL)
    sender.conf.task_always_eager = False
    for _ in range(2):  # delivered twice: the second run must find nothing to send
        sender.signature("volunteers.tasks.match_publish_notify", args=[[asked.pk]]).apply_async(
            queue=queue
        )

    deadline = time.monotonic() + WAIT_SECONDS
    log = ""
    while time.monotonic() < deadline:
        log = log_path.read_text(errors="replace")
        done = [
            line
            for line in log.splitlines()
            if "match_publish_notify[" in line and "succeeded" in line
        ]
        if len(done) >= 2 or proc.poll() is not None:
            break  # both deliveries have run (the task list in the banner also names the task)
        time.sleep(0.5)
    assert proc.poll() is None, f"the worker exited early:\n{log}"
    asked.refresh_from_db()
    assert asked.notified_at is not None, f"the worker did not claim the assignment:\n{log}"
    # The console email backend prints the message: exactly one, for Ann.
    assert log.count("To: ann@example.jp") == 1, log
    assert "succeeded" in log and ": 0" in log
