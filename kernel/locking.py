"""Bounded waits for row locks on scarce things (seats, devices, supporters).

Services lock the scarce row with ``select_for_update()`` inside ``transaction.atomic()``. If another
desk holds that lock for longer than ``LOCK_TIMEOUT``, the staff member gets "try again" instead of
a hung page or a 500 (pretix does the same with a 3 s lock timeout).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import OperationalError, connection

LOCK_TIMEOUT = "3s"
# PostgreSQL SQLSTATE "lock_not_available", raised when lock_timeout expires.
_LOCK_NOT_AVAILABLE = "55P03"


def is_lock_timeout(exc: OperationalError) -> bool:
    """True when ``exc`` means a lock could not be had in time (PostgreSQL or SQLite)."""
    text = str(exc)
    return (
        getattr(exc.__cause__, "sqlstate", None) == _LOCK_NOT_AVAILABLE
        or "lock timeout" in text
        or "database is locked" in text
    )


@contextmanager
def bounded_lock_wait(busy_message: str) -> Iterator[None]:
    """Use inside ``transaction.atomic()``: row locks are waited for at most ``LOCK_TIMEOUT``.

    A timeout becomes ``ValidationError(busy_message, code="busy")``; other database errors pass.
    SQLite has no row locks (it serialises writers), so nothing is set there.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    try:
        yield
    except OperationalError as exc:
        if is_lock_timeout(exc):
            raise ValidationError(busy_message, code="busy") from exc
        raise
