"""Fixtures shared by the reminder tests (tests/classes/test_reminder_*.py)."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.factories import SessionFactory

JST = timezone.get_fixed_timezone(9 * 60)
# Wednesday 15:00 JST, the afternoon before the reminder session: its reminders are due.
REMINDER_NOW = datetime(2030, 12, 4, 15, 0, tzinfo=JST)


@pytest.fixture
def reminder_clock():
    """The clock stopped at REMINDER_NOW for the whole test."""
    with time_machine.travel(REMINDER_NOW, tick=False):
        yield REMINDER_NOW


@pytest.fixture
def reminder_session(venue, reminder_clock):
    """A 90-minute class "LINE入門" at ``venue`` on Thursday 2030-12-05 10:00 JST, the day after
    REMINDER_NOW (the clock is stopped there)."""
    start = datetime(2030, 12, 5, 10, 0, tzinfo=JST)
    return SessionFactory(
        venue=venue, starts_at=start, ends_at=start + timedelta(minutes=90), title="LINE入門"
    )
