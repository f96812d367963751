"""Race helpers for the PostgreSQL concurrency tests: calls started at the same moment on real,
separate database connections, and a row lock held by another connection.

Use them in ``@pytest.mark.django_db(transaction=True)`` tests (each thread opens its own
connection and must see committed rows), after ``skip_unless_postgresql``: SQLite has no row locks
and serialises every writer, so a race there proves nothing.
"""

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

BARRIER_SECONDS = 10  # every thread reaches the start line within this, or the run is broken


def skip_unless_postgresql(reason: str) -> None:
    """Skip the calling test unless the default database is PostgreSQL (``reason`` says why).

    With CI=true a skip fails the run (tests/conftest.py), so CI must set DATABASE_URL.
    """
    if connection.vendor != "postgresql":
        pytest.skip(f"needs PostgreSQL (set DATABASE_URL): {reason}")


@dataclass
class Outcome:
    """What the calls of one ``run_at_once`` did.

    ``results``: the return values of the calls that succeeded, in the order they finished.
    ``refused``: the ValidationError of each refused call, in the order they finished.
    ``unexpected``: any other exception, and one RuntimeError per thread still running at the
    timeout; a test asserts this is empty.
    """

    results: list[Any] = field(default_factory=list)
    refused: list[ValidationError] = field(default_factory=list)
    unexpected: list[BaseException] = field(default_factory=list)

    @property
    def refused_messages(self) -> list[str]:
        """One string per refused call: its ValidationError messages joined by spaces."""
        return [" ".join(exc.messages) for exc in self.refused]


def run_at_once(
    func: Callable[..., Any], args_list: Iterable[tuple], timeout: float = 30
) -> Outcome:
    """Call ``func(*args)`` for each tuple in ``args_list``, each in its own thread (so on its own
    database connection), all released together by a barrier; wait up to ``timeout`` seconds in
    all for them to finish. Each thread closes its connections when done.

    Returns an Outcome; never raises for what the calls raise (a ValidationError is a refusal,
    anything else is unexpected).
    """
    args_list = list(args_list)
    barrier = threading.Barrier(len(args_list))
    outcome = Outcome()
    lock = threading.Lock()

    def call(args: tuple) -> None:
        try:
            barrier.wait(timeout=BARRIER_SECONDS)
            result = func(*args)
        except ValidationError as exc:
            with lock:
                outcome.refused.append(exc)
        except BaseException as exc:  # noqa: BLE001 - any other escape is a failure to report
            with lock:
                outcome.unexpected.append(exc)
        else:
            with lock:
                outcome.results.append(result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call, args=(args,), daemon=True) for args in args_list]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(0, deadline - time.monotonic()))
    with lock:
        outcome.unexpected.extend(
            RuntimeError(f"{thread.name} still running after {timeout} s")
            for thread in threads
            if thread.is_alive()
        )
    return outcome


@contextmanager
def row_locked(model, pk: int, hold_seconds: float = 20) -> Iterator[None]:
    """Hold ``SELECT ... FOR UPDATE`` on row ``pk`` of ``model`` from another connection while the
    ``with`` block runs (at most ``hold_seconds``), as a slow request at another desk would.

    Fails the test when the lock cannot be taken within BARRIER_SECONDS.
    """
    locked, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                model.objects.select_for_update().get(pk=pk)
                locked.set()
                release.wait(timeout=hold_seconds)
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    try:
        if not locked.wait(timeout=BARRIER_SECONDS):
            pytest.fail(f"could not lock {model.__name__} {pk} from another connection: {errors}")
        yield
    finally:
        release.set()
        holder.join(timeout=hold_seconds)


def wait_for_lock_waiter(timeout: float = BARRIER_SECONDS) -> None:
    """Return once another connection of this database is waiting for a lock (PostgreSQL
    ``pg_stat_activity``), e.g. a request blocked on a row this test holds ``FOR UPDATE``.

    Fails the test when nobody waits within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction the activity view is a snapshot taken at first use: drop it.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock' "
                "AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    pytest.fail(f"no connection waited for a lock within {timeout} s")


def post_in_thread(client, url: str, data: dict) -> tuple[threading.Thread, list]:
    """Start ``client.post(url, data, follow=True)`` in a thread of its own (so on a connection of
    its own) and return the thread and the list its response is appended to once it is done."""
    responses: list = []

    def post() -> None:
        try:
            responses.append(client.post(url, data, follow=True))
        finally:
            connections.close_all()

    thread = threading.Thread(target=post, daemon=True)
    thread.start()
    return thread, responses
