"""Report periods (a month, a fiscal year, any two dates; Asia/Tokyo) and scopes (the whole
program, a venue, an organiser)."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from reports.japanese_dates import fiscal_year_label, long_date, month_label

TOKYO = ZoneInfo("Asia/Tokyo")


# --- periods and scope ----------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Two local (Asia/Tokyo) dates, both inclusive."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("A period cannot end before it starts.")

    @property
    def start_at(self) -> datetime:
        """Aware datetime of the first moment of the period (00:00 JST on ``start``)."""
        return datetime.combine(self.start, time.min, tzinfo=TOKYO)

    @property
    def end_before(self) -> datetime:
        """Aware datetime just after the period (00:00 JST on the day after ``end``)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=TOKYO)

    @property
    def fiscal_year(self) -> int:
        """The fiscal year (年度) the period starts in."""
        return fiscal_year_of(self.start)

    def label(self) -> str:
        """How the period is printed in the active language. A fiscal year:
        "令和9年度（2027年度）2027年4月1日～2028年3月31日" or "FY2027 (1 Apr 2027 – 31 Mar 2028)";
        a calendar month: "2028年2月" or "February 2028"; else the two dates."""
        japanese = (translation.get_language() or "ja").startswith("ja")
        start, end = long_date(self.start), long_date(self.end)
        dates = f"{start}～{end}" if japanese else f"{start} – {end}"
        if self == fiscal_year_period(self.fiscal_year):
            year = fiscal_year_label(self.fiscal_year)
            return f"{year} {dates}" if japanese else f"{year} ({dates})"
        if self.start.day == 1 and self == month_period(self.start.year, self.start.month):
            return month_label(self.start.year, self.start.month)
        return dates


def fiscal_year_of(day: date) -> int:
    """The Japanese fiscal year (年度) containing ``day``: FY N runs 1 April N to 31 March N+1."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_period(year: int) -> Period:
    """FY ``year``: 1 April ``year`` to 31 March ``year + 1``."""
    return Period(date(year, 4, 1), date(year + 1, 3, 31))


def month_period(year: int, month: int) -> Period:
    """The calendar month; raises ValueError for a month outside 1..12."""
    return Period(date(year, month, 1), date(year, month, monthrange(year, month)[1]))


def months_of(period: Period) -> list[tuple[int, int]]:
    """(year, month) of every month the period touches, in order."""
    months = []
    y, m = period.start.year, period.start.month
    while (y, m) <= (period.end.year, period.end.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


@dataclass(frozen=True)
class Scope:
    """What the report covers: the whole program, one venue or one organiser."""

    PROGRAM = "program"
    VENUE = "venue"
    ORGANISER = "organiser"

    kind: str = PROGRAM
    pk: int | None = None
    name: str = ""

    def session_q(self, prefix: str = "") -> Q:
        """Condition on sessions (reached through ``prefix``, e.g. ``"session__"``)."""
        if self.kind == self.VENUE:
            return Q(**{f"{prefix}venue_id": self.pk})
        if self.kind == self.ORGANISER:
            return Q(**{f"{prefix}organiser_id": self.pk})
        return Q()

    def label(self) -> str:
        """How the scope is printed, translated: "Whole program", "Venue: <name>"..."""
        if self.kind == self.PROGRAM:
            return _("Whole program")
        if self.kind == self.VENUE:
            return _("Venue: %(name)s") % {"name": self.name}
        return _("Organiser: %(name)s") % {"name": self.name}
