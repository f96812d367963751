"""The dates the program accepts: one plausible range per kind of date, checked in one place.

Python's ``date`` runs from 0001-01-01 to 9999-12-31; a date at either end typed into a form
(or a URL) was accepted and then overflowed (OverflowError, a 500) as soon as a page added a day
to it. Every date field and date query parameter of the apps goes through this module instead:

- ``PROGRAM_DATES``: sessions, series, loans, reservations, check-ins, matching runs, supporters'
  availability and hours, call lists. Today ± ``settings.PROGRAM_DATE_YEARS`` years (default 5).
- ``RECORD_DATES``: dates that look back at the program's records: report periods (fiscal
  years), the audit filter, the loan register export, consent, training and insurance dates.
  From 2000-01-01 (before any digital-divide program) to today + ``PROGRAM_DATE_YEARS`` years.
- ``BIRTH_DATES``: residents' birth dates, 1900-01-01 to today.

All bounds are local (Asia/Tokyo) calendar dates, both ends included, computed from today on each
call. Use ``DateField(date_range=...)`` in forms and ``date_from_query`` / ``month_from_query``
for GET parameters that views read themselves.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

#: The first day ``RECORD_DATES`` accepts.
RECORDS_BEGIN = date(2000, 1, 1)
#: The first birth date ``BIRTH_DATES`` accepts.
BIRTH_DATES_BEGIN = date(1900, 1, 1)


def _years_from(day: date, years: int) -> date:
    """``day`` moved by ``years`` whole years (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _program_years() -> int:
    return int(getattr(settings, "PROGRAM_DATE_YEARS", 5))


@dataclass(frozen=True)
class DateRange:
    """A kind of date and how far back and ahead it may go. ``kind`` is one of "program",
    "record", "birth"."""

    kind: str

    def bounds(self, today: date | None = None) -> tuple[date, date]:
        """(earliest, latest) local dates accepted, both included; ``today`` defaults to today
        in the current time zone."""
        today = today or timezone.localdate()
        years = _program_years()
        if self.kind == "birth":
            return BIRTH_DATES_BEGIN, today
        if self.kind == "record":
            return RECORDS_BEGIN, _years_from(today, years)
        return _years_from(today, -years), _years_from(today, years)

    def error(self, day: date, today: date | None = None) -> str | None:
        """None when ``day`` is in the range, else a translated message saying the range."""
        earliest, latest = self.bounds(today)
        if earliest <= day <= latest:
            return None
        params = {"earliest": earliest.isoformat(), "latest": latest.isoformat()}
        if self.kind == "birth":
            return gettext("Enter a birth date from %(earliest)s to today.") % params
        return gettext("Enter a date from %(earliest)s to %(latest)s.") % params

    def check(self, day: date | None) -> None:
        """Raise ``ValidationError`` (code "date_range") when ``day`` is outside the range."""
        if day is None:
            return
        message = self.error(day)
        if message:
            raise ValidationError(message, code="date_range")


PROGRAM_DATES = DateRange("program")
RECORD_DATES = DateRange("record")
BIRTH_DATES = DateRange("birth")


class DateField(forms.DateField):
    """``forms.DateField`` that also refuses a date outside ``date_range`` (default
    ``PROGRAM_DATES``) with a message giving the range. Parses what Django's DateField parses
    (ISO ``2026-04-01`` and the active language's ``DATE_INPUT_FORMATS``)."""

    date_range: DateRange = PROGRAM_DATES

    def __init__(self, *, date_range: DateRange | None = None, **kwargs):
        if date_range is not None:
            self.date_range = date_range
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        self.date_range.check(value)


class RecordDateField(DateField):
    """``DateField`` over ``RECORD_DATES``, for model forms:
    ``field_classes = {"training_completed_on": RecordDateField}``."""

    date_range = RECORD_DATES


_INVALID_MONTH = gettext_lazy("Enter the month as YYYY-MM.")


def date_from_query(
    query: QueryDict, name: str, *, default: date, date_range: DateRange = PROGRAM_DATES
) -> tuple[date, str | None]:
    """Read the date GET parameter ``name`` (``YYYY-MM-DD``, or what ``DateField`` parses).

    Returns (the date, None); ``(default, message)`` when the value is malformed or outside
    ``date_range`` (the view shows the message and the default's page); ``(default, None)``
    when the parameter is absent or empty. Never raises.
    """
    raw = (query.get(name) or "").strip()
    if not raw:
        return default, None
    try:
        day = DateField(date_range=date_range).clean(raw)
    except ValidationError as exc:
        return default, " ".join(exc.messages)
    return day, None


def month_from_query(
    query: QueryDict, name: str, *, default: date, date_range: DateRange = PROGRAM_DATES
) -> tuple[date, str | None]:
    """Read the month GET parameter ``name`` (``YYYY-MM``) as the month's first day.

    Returns (first day, None); ``(default, message)`` when malformed or when the month is
    wholly outside ``date_range``; ``(default, None)`` when absent or empty. Never raises.
    """
    raw = (query.get(name) or "").strip()
    if not raw:
        return default, None
    try:
        year_text, month_text = raw.split("-")
        first = date(int(year_text), int(month_text), 1)
    except ValueError:
        return default, str(_INVALID_MONTH)
    last = date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
    earliest, latest = date_range.bounds()
    if last < earliest or first > latest:
        return default, date_range.error(first)
    return first, None


def years_of(date_range: DateRange) -> tuple[int, int]:
    """(first, last) calendar years that overlap ``date_range``, for year fields and year
    parameters (a report's fiscal year, a month's year)."""
    earliest, latest = date_range.bounds()
    return earliest.year, latest.year


def check_year(year: int | None, date_range: DateRange = RECORD_DATES) -> None:
    """Raise ``ValidationError`` (code "date_range") when ``year`` lies outside
    ``years_of(date_range)``; None passes (an optional field left empty)."""
    if year is None:
        return
    first, last = years_of(date_range)
    if not first <= year <= last:
        raise ValidationError(
            gettext("Enter a year from %(first)d to %(last)d.") % {"first": first, "last": last},
            code="date_range",
        )
