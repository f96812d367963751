"""Real ``celery worker`` processes for the worker tests (the rest of the suite runs tasks eagerly).

A worker is another process: it needs the PostgreSQL test database (it cannot see an SQLite one)
and Redis at CELERY_TEST_BROKER_URL (default redis://127.0.0.1:6379/15). Each test uses a queue
of its own, so no other worker on the same Redis takes its tasks and no stale task left by an
earlier run reaches its worker.
"""

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import Celery
from django.core.cache import cache
from django.db import connection

from project.celery import app

ROOT = Path(__file__).resolve().parents[1]
BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
WAIT_SECONDS = 45  # worker start-up (Django setup) plus the task itself


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping())
    except redis.exceptions.RedisError:
        return False


def skip_unless_workers_can_run() -> None:
    """Skip the calling test unless the database is PostgreSQL and Redis answers at BROKER_URL."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: a worker is a separate process and cannot see the SQLite test "
            "database; set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test"
        )
    if not _redis_answers(BROKER_URL):
        pytest.skip(f"needs Redis at {BROKER_URL} (set CELERY_TEST_BROKER_URL)")


def worker_database_url() -> str:
    """A ``postgres://`` DATABASE_URL for the test database pytest-django created (test_<name>)."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{quote(db['NAME'], safe='')}"


def new_queue(prefix: str = "digisupport-test") -> str:
    """A queue name no other run uses."""
    return f"{prefix}-{uuid.uuid4().hex}"


def start_worker(
    *,
    queue: str,
    log_path: Path,
    hostname: str,
    settings_module: str = "project.settings",
    env: dict[str, str] | None = None,
) -> subprocess.Popen:
    """Start ``celery -A project worker`` (one process, solo pool) consuming ``queue`` only, with
    stdout and stderr in ``log_path``; ``env`` is added to this process's environment.

    The worker uses the test database and closes its connections after each task (so the test
    database can be dropped at the end). Stop it with ``stop_worker``.
    """
    worker_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DEBUG": "true",
        "CELERY_BROKER_URL": BROKER_URL,
        "DATABASE_URL": worker_database_url(),
        "DB_CONN_MAX_AGE": "0",
        **(env or {}),
    }
    with open(log_path, "wb") as out:  # the worker keeps its own copy of the file descriptor
        return subprocess.Popen(
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
                f"--hostname={hostname}@%h",
                "-Q",
                queue,
            ],
            cwd=ROOT,
            env=worker_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop_worker(proc: subprocess.Popen) -> None:
    """Warm shutdown (SIGTERM), killed after 15 s; nothing when it has already exited."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def delete_queue(queue: str) -> None:
    """Remove ``queue`` and any message left in it from Redis."""
    # set_as_current=False: a new Celery app would otherwise become celery.current_app, which
    # kernel.tasks_util sends through, for every later test.
    Celery(
        broker=BROKER_URL, set_as_current=False
    ).connection_for_write().default_channel.queue_delete(queue)


def send_task(task_name: str, *args, queue: str) -> None:
    """Publish ``task_name(*args)`` to ``queue`` through Redis, as a producer in production does."""
    sender = Celery("digisupport-test-sender", broker=BROKER_URL, set_as_current=False)
    sender.conf.task_always_eager = False
    sender.signature(task_name, args=args).apply_async(queue=queue)


def wait_for(
    predicate: Callable[[], bool],
    what: str,
    *,
    seconds: float = WAIT_SECONDS,
    logs: Iterable[Path] = (),
    proc: subprocess.Popen | None = None,
) -> None:
    """Poll ``predicate`` until it is true; fail the test with the worker ``logs`` after
    ``seconds``, or at once when the worker ``proc`` (if given) has exited."""
    deadline = time.monotonic() + seconds
    while True:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            problem = f"the worker exited (code {proc.returncode}) before {what}"
            break
        if time.monotonic() >= deadline:
            problem = f"timed out waiting for {what}"
            break
        time.sleep(0.3)
    text = "\n".join(f"--- {p}\n{Path(p).read_text(errors='replace')}" for p in logs)
    pytest.fail(f"{problem}\n{text}")


@pytest.fixture
def celery_worker_process():
    """One worker with production settings on a queue of its own; yield (process, queue, log
    path); stop it and delete the queue afterwards. Skipped without PostgreSQL or Redis."""
    skip_unless_workers_can_run()
    queue = new_queue()
    with tempfile.TemporaryDirectory(prefix="celery-worker-") as tmp:
        log_path = Path(tmp) / "worker.log"
        proc = start_worker(queue=queue, log_path=log_path, hostname=queue)
        try:
            yield proc, queue, log_path
        finally:
            stop_worker(proc)
            delete_queue(queue)


CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings):
    """Celery configured for a real broker (not eager) that refuses connections."""
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    saved_pools = app._pool, app.amqp._producer_pool
    # Fresh connection pools, built for the closed port on first use.
    app._pool = app.amqp._producer_pool = None
    settings.CELERY_BROKER_URL = CLOSED_PORT_BROKER
    app.conf.broker_url = CLOSED_PORT_BROKER
    app.conf.task_always_eager = False
    cache.clear()
    yield
    app.conf.update(saved)
    # Not closed: kombu keeps one pool per broker URL for the process, later tests reuse it.
    app._pool, app.amqp._producer_pool = saved_pools
    cache.clear()
