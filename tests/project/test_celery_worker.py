"""One task through a real broker and a real worker process (the rest of the suite runs tasks eagerly).

Needs PostgreSQL (the worker is another process and must see the test database) and Redis at
CELERY_TEST_BROKER_URL (default redis://127.0.0.1:6379/15).
"""

import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

from loans.models import Loan
from tests.factories import LoanFactory

ROOT = Path(__file__).resolve().parents[2]
BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
WAIT_SECONDS = 45  # worker start-up (Django setup) plus the task itself

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping())
    except redis.exceptions.RedisError:
        return False


def _database_url() -> str:
    """A DATABASE_URL for the test database pytest-django created (test_<name>)."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def celery_worker_process():
    """Start ``celery -A project worker`` on a queue of its own; yield (queue, log path); stop it."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: the worker is a separate process and cannot see the SQLite test "
            "database; set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test"
        )
    if not _redis_answers(BROKER_URL):
        pytest.skip(f"needs Redis at {BROKER_URL} (set CELERY_TEST_BROKER_URL)")

    # A queue of its own: no other worker on the same Redis takes the task, and no stale task
    # left in Redis by an earlier run reaches this worker.
    queue = f"digisupport-test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "DEBUG": "true",
        "CELERY_BROKER_URL": BROKER_URL,
        "DATABASE_URL": _database_url(),
        # Close connections after each task so the test database can be dropped at the end.
        "DB_CONN_MAX_AGE": "0",
    }
    log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "project",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname={queue}@%h",
            "-Q",
            queue,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield proc, queue, Path(log.name)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()
        Path(log.name).unlink(missing_ok=True)
        Celery(broker=BROKER_URL).connection_for_write().default_channel.queue_delete(queue)


def test_overdue_check_sent_through_redis_is_run_by_a_real_worker(celery_worker_process):
    proc, queue, log_path = celery_worker_process
    today = timezone.localdate()
    overdue = LoanFactory(start_date=today - timedelta(days=30), due_date=today - timedelta(days=1))
    not_due = LoanFactory(start_date=today - timedelta(days=30), due_date=today + timedelta(days=5))

    sender = Celery("digisupport-test-sender", broker=BROKER_URL)
    sender.conf.task_always_eager = False
    sender.signature("loans.tasks.mark_overdue_loans").apply_async(queue=queue)

    deadline = time.monotonic() + WAIT_SECONDS
    noted_on = None
    while time.monotonic() < deadline:
        noted_on = Loan.objects.filter(pk=overdue.pk).values_list("overdue_noted_on", flat=True)[0]
        if noted_on is not None or proc.poll() is not None:
            break
        time.sleep(0.5)

    worker_log = log_path.read_text(errors="replace")
    assert proc.poll() is None, f"the worker exited early:\n{worker_log}"
    assert noted_on == today, f"the worker did not mark the overdue loan:\n{worker_log}"
    assert Loan.objects.get(pk=not_due.pk).overdue_noted_on is None
    assert "loans.tasks.mark_overdue_loans" in worker_log
