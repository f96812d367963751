"""The publish notification through a real broker and worker (the rest runs tasks eagerly).

Needs PostgreSQL and Redis (CELERY_TEST_BROKER_URL); the worker comes from the
``celery_worker_process`` fixture (tests/workers.py).
"""

import re

import pytest

from tests.factories import AssignmentFactory, SupporterFactory
from tests.workers import send_task, wait_for
from volunteers.models import Assignment

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Celery's log line for a finished task: "... match_publish_notify[<id>] succeeded in 0.1s: 1";
# the value after the colon is the task's result, here the number of emails sent.
SUCCEEDED = re.compile(r"match_publish_notify\[[^\]]+\] succeeded in [0-9.]+s: (\d+)")


def test_publish_notification_is_claimed_once_by_a_real_worker(celery_worker_process):
    proc, queue, log_path = celery_worker_process
    ann = SupporterFactory(email="ann@example.jp")
    asked = AssignmentFactory(supporter=ann, status=Assignment.Status.PROPOSED)

    for _ in range(2):  # delivered twice: the second run must find nothing to send
        send_task("volunteers.tasks.match_publish_notify", [asked.pk], queue=queue)

    def both_ran() -> bool:
        return len(SUCCEEDED.findall(log_path.read_text(errors="replace"))) >= 2

    wait_for(both_ran, "both deliveries to run", logs=[log_path], proc=proc)
    log = log_path.read_text(errors="replace")
    asked.refresh_from_db()
    assert asked.notified_at is not None, f"the worker did not claim the assignment:\n{log}"
    # One email from the first delivery, none from the second.
    assert sorted(SUCCEEDED.findall(log)) == ["0", "1"], log
    # The console email backend prints the message: exactly one, for Ann.
    assert log.count("To: ann@example.jp") == 1, log


SOLVED = re.compile(r"match_run_solve\[[^\]]+\] succeeded in [0-9.]+s: (True|False)")


def test_a_proposal_is_computed_once_by_a_real_worker(celery_worker_process):
    from datetime import date, time, timedelta

    from tests.factories import AvailabilityFactory, SessionFactory
    from tests.volunteers.helpers import jst
    from volunteers.models import MatchProposal, MatchRun

    proc, queue, log_path = celery_worker_process
    start = jst(2027, 1, 11, 10)
    SessionFactory(starts_at=start, ends_at=start + timedelta(hours=2), supporters_needed=1)
    ann = SupporterFactory(
        training_completed_on=date(2026, 4, 1), insurance_valid_until=date(2027, 12, 31)
    )
    AvailabilityFactory(supporter=ann, weekday=0, start_time=time(8), end_time=time(21))
    # A queued run as match_run_create leaves it (made directly: here the service's own send
    # would run the task in this process, Celery being eager in tests).
    run = MatchRun.objects.create(date_from=date(2027, 1, 11), date_to=date(2027, 1, 11))
    for _ in range(2):
        send_task("volunteers.tasks.match_run_solve", run.pk, queue=queue)

    def both_ran() -> bool:
        return len(SOLVED.findall(log_path.read_text(errors="replace"))) >= 2

    wait_for(both_ran, "both deliveries to run", logs=[log_path], proc=proc)
    log = log_path.read_text(errors="replace")
    assert sorted(SOLVED.findall(log)) == ["False", "True"], log
    run.refresh_from_db()
    assert (run.state, run.filled_slots) == (MatchRun.State.DONE, 1), log
    assert MatchProposal.objects.filter(run=run, supporter=ann).count() == 1
