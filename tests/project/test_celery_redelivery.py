"""A worker killed in the middle of a task: the message comes back and the work is done once.

Real worker processes on Redis (CELERY_TEST_BROKER_URL, default redis://127.0.0.1:6379/15) and the
PostgreSQL test database. The workers run tests/project/worker_settings.py: production settings
with the visibility timeout at 4 s and the reminder claim timeout at 2 s (an hour and ten minutes in
production), and an email backend that records each delivered message in a file.
"""

import json
import signal
import subprocess
import tempfile
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from classes.models import CallListEntry
from loans.models import Loan
from tests.factories import LoanFactory, RegistrationFactory, ResidentFactory, SessionFactory
from tests.workers import (
    delete_queue,
    new_queue,
    send_task,
    skip_unless_workers_can_run,
    start_worker,
    stop_worker,
    wait_for,
    worker_database_url,
)

WAIT_SECONDS = 60  # worker start-up (Django setup), redelivery after the visibility timeout, tasks

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Workers:
    """Start and kill `celery worker` processes that all consume one queue of their own."""

    def __init__(self, tmp: Path):
        self.queue = new_queue("digisupport-redelivery")
        self.tmp = tmp
        self.mail_file = tmp / "mail.jsonl"
        self.procs: list[tuple[subprocess.Popen, Path]] = []

    def start(self, *, mail_sleep: float = 0) -> tuple[subprocess.Popen, Path]:
        n = len(self.procs) + 1
        log = self.tmp / f"worker{n}.log"
        proc = start_worker(
            queue=self.queue,
            log_path=log,
            hostname=f"w{n}-{self.queue}",
            settings_module="tests.project.worker_settings",
            env={
                "TEST_WORKER_QUEUE": self.queue,
                "RECORDING_MAIL_FILE": str(self.mail_file),
                "RECORDING_MAIL_SLEEP": str(mail_sleep),
            },
        )
        self.procs.append((proc, log))
        return proc, log

    def send(self, task_name: str, *args):
        send_task(task_name, *args, queue=self.queue)

    def wait_for(self, predicate, what: str):
        wait_for(predicate, what, seconds=WAIT_SECONDS, logs=self.logs)

    def delivered(self) -> list[dict]:
        if not self.mail_file.exists():
            return []
        return [json.loads(line) for line in self.mail_file.read_text().splitlines() if line]

    def started(self) -> list[dict]:
        path = Path(f"{self.mail_file}.started")
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line]

    @property
    def logs(self) -> list[Path]:
        return [log for _, log in self.procs]

    def stop_all(self):
        for proc, _ in self.procs:
            stop_worker(proc)
        delete_queue(self.queue)


@pytest.fixture
def workers():
    skip_unless_workers_can_run()
    with tempfile.TemporaryDirectory(prefix="redelivery-") as tmp:
        w = Workers(Path(tmp))
        try:
            yield w
        finally:
            w.stop_all()


def test_a_worker_killed_while_sending_a_reminder_leaves_each_reminder_sent_exactly_once(workers):
    tomorrow = timezone.localdate() + timedelta(days=1)
    starts = timezone.make_aware(datetime.combine(tomorrow, clock(10, 0)))
    session = SessionFactory(starts_at=starts, ends_at=starts + timedelta(minutes=90))
    emails = [f"resident{i}@example.jp" for i in range(3)]
    for address in emails:
        RegistrationFactory(session=session, resident=ResidentFactory(email=address))
    phone_only = RegistrationFactory(session=session, resident=ResidentFactory(email=""))

    first, _ = workers.start(mail_sleep=120)  # a mail server that hangs
    workers.send("classes.tasks.send_due_reminders")
    workers.wait_for(lambda: workers.started(), "the first worker to start sending")
    assert workers.delivered() == []
    first.send_signal(signal.SIGKILL)  # no warm shutdown, no acknowledgement
    first.wait(timeout=10)

    second, second_log = workers.start()
    workers.wait_for(lambda: len(workers.delivered()) >= 3, "three reminders")
    # Celery beat's next scan finds nothing left to send; a late duplicate delivery of a
    # reminder message sends nothing either.
    workers.send("classes.tasks.send_due_reminders")
    entries = list(CallListEntry.objects.values_list("pk", flat=True))
    for pk in entries:
        workers.send("classes.tasks.send_reminder", pk)
    # Every task the second worker runs: the 3 sends (one redelivered), the scan, the duplicates.
    expected = 3 + 1 + len(entries)
    workers.wait_for(
        lambda: second_log.read_text(errors="replace").count(" succeeded in ") >= expected,
        f"{expected} tasks on the second worker",
    )
    time.sleep(5)  # longer than the visibility and claim timeouts: a late duplicate would show

    assert second.poll() is None, workers.logs[-1].read_text(errors="replace")
    recipients = sorted(m["to"][0] for m in workers.delivered())
    assert recipients == sorted(emails)  # each once, nobody twice
    statuses = dict(CallListEntry.objects.values_list("registration__resident__email", "status"))
    assert statuses == {**{a: "reminded" for a in emails}, "": "to_call"}
    assert CallListEntry.objects.get(registration=phone_only).sent_at is None


def _lock_loans(dsn: str) -> psycopg.Connection:
    conn = psycopg.connect(dsn)
    conn.execute("LOCK TABLE loans_loan IN EXCLUSIVE MODE")  # held until rollback
    return conn


def test_a_worker_killed_inside_the_overdue_check_notes_each_loan_once(workers, client, admin_user):
    today = timezone.localdate()
    overdue = [
        LoanFactory(start_date=today - timedelta(days=40), due_date=today - timedelta(days=d))
        for d in (1, 9)
    ]
    not_due = LoanFactory(start_date=today - timedelta(days=10), due_date=today + timedelta(days=3))

    # Another session holds a lock on the loans table, so the worker stops inside the task, in
    # the middle of its transaction; then the worker is killed.
    dsn = worker_database_url().replace("postgres://", "postgresql://", 1)
    blocker = _lock_loans(dsn)
    try:
        first, _ = workers.start()
        workers.send("loans.tasks.mark_overdue_loans")

        def worker_waits_on_lock():
            # From this (autocommit) connection: inside a transaction pg_stat_activity is a
            # snapshot that never changes.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query ILIKE '%%loans_loan%%' AND datname = current_database()"
                )
                return cursor.fetchone()[0] > 0

        workers.wait_for(worker_waits_on_lock, "the worker to block inside the task")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        blocker.rollback()
        blocker.close()
    assert not Loan.objects.filter(overdue_noted_on__isnull=False).exists()

    second, second_log = workers.start()

    def noted():
        return Loan.objects.filter(overdue_noted_on=today).count() == 2

    workers.wait_for(noted, "the redelivered overdue check")
    workers.send("loans.tasks.mark_overdue_loans")  # the next hourly run
    workers.wait_for(
        lambda: second_log.read_text(errors="replace").count("succeeded") >= 2,
        "the second run",
    )
    log = second_log.read_text(errors="replace")
    assert log.count("'newly_overdue': 2") == 1, log
    assert "'newly_overdue': 0, 'overdue': 2" in log, log
    assert Loan.objects.get(pk=not_due.pk).overdue_noted_on is None

    client.force_login(admin_user)
    page = client.get(reverse("loans:follow_up")).content.decode()
    for loan in overdue:
        # Listed once on the follow-up call list.
        assert page.count(reverse("loans:loan_detail", args=[loan.pk])) == 1, page
