"""SQL building blocks of the figures: age bands, month and day of a date, supporter minutes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Case, Value, When
from django.db.models.functions import ExtractDay, ExtractMonth
from django.utils.translation import gettext as _

from reports.figures.tables import _dec

# Age bands, oldest first as the city's forms list them; "unknown" when no birth date is recorded.
AGE_BANDS = (
    ("85+", 85, None),
    ("80-84", 80, 84),
    ("75-79", 75, 79),
    ("70-74", 70, 74),
    ("65-69", 65, 69),
    ("under 65", None, 64),
)
UNKNOWN = "unknown"


# --- SQL building blocks --------------------------------------------------------------------


def _month_day(field_name: str, tz: ZoneInfo | None = None):
    """month * 100 + day of a date (or of a datetime in ``tz``): 29 February is 229."""
    return ExtractMonth(field_name, tzinfo=tz) * 100 + ExtractDay(field_name, tzinfo=tz)


def _band_case(age_field: str, birth_field: str) -> Case:
    whens = [When(**{f"{birth_field}__isnull": True}, then=Value(UNKNOWN))]
    for label, low, high in AGE_BANDS:
        if low is None:
            whens.append(When(**{f"{age_field}__lte": high}, then=Value(label)))
        else:
            whens.append(When(**{f"{age_field}__gte": low}, then=Value(label)))
    return Case(*whens, default=Value(UNKNOWN))


def _band_labels() -> list[tuple[str, str]]:
    labels = [(key, _("under 65") if key == "under 65" else key) for key, _lo, _hi in AGE_BANDS]
    return labels + [(UNKNOWN, _("Birth date not recorded"))]


def _minutes(approved, span) -> Decimal:
    """Approved minutes plus a summed check-in span (a timedelta, or microseconds on SQLite)."""
    total = Decimal(approved or 0)
    if span:
        seconds = span.total_seconds() if isinstance(span, timedelta) else span / 1_000_000
        total += Decimal(str(seconds)) / 60
    return total


def _hours(minutes: Decimal) -> Decimal:
    return _dec(minutes / 60)
