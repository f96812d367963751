"""Small helpers shared by the volunteers tests."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.factories import SessionFactory

JST = ZoneInfo("Asia/Tokyo")


def jst(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An aware datetime in Japan time."""
    return datetime(year, month, day, hour, minute, tzinfo=JST)


def session_at(start: datetime, minutes: int = 90, **kwargs):
    """A session starting at ``start`` (aware) and lasting ``minutes``; other fields as given."""
    return SessionFactory(starts_at=start, ends_at=start + timedelta(minutes=minutes), **kwargs)


def texts(response) -> list[str]:
    """The flash messages a followed response shows, as strings."""
    return [str(m) for m in response.context["messages"]]


def solved(service, /, **kwargs):
    """Call a service that queues a matching run (``match_run_create`` or ``match_run_rerun``)
    and run what it sent after commit, as the worker would (Celery is eager in tests): through
    ``match_run_queue``, the task and ``match_run_solve``. Returns the run as stored."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        run = service(**kwargs)
    run.refresh_from_db()
    return run
