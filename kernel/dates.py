"""Dates as people read them, one format per language (the template filters of
``kernel.templatetags.kernel_dates`` call these).

| function | Japanese | English |
|---|---|---|
| ``date_short`` | 12月16日(水) | Wed 16 Dec |
| ``date_full`` | 2026年12月16日(水) | Wed 16 Dec 2026 |
| ``datetime_short`` / ``datetime_full`` | the above and " 10:00" | |
| ``date_birth`` (no weekday) | 1943年5月3日 | 3 May 1943 |
| ``month_full`` | 2026年12月 | December 2026 |
| ``fiscal_year_label`` | 2026年度 | FY2026 |

``date_short`` is for dates within the current year: a date of another year (local time,
Asia/Tokyo) is printed in full, so a short date never hides the year. Aware datetimes are
converted to the current time zone first. The language is the active one
(``django.utils.translation.get_language``); ``None`` or ``""`` gives ``""``.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.dateformat import format as _format
from django.utils.translation import get_language, gettext

FORMATS = {
    "ja": {
        "short": "n月j日(D)",
        "full": "Y年n月j日(D)",
        "birth": "Y年n月j日",
        "month": "Y年n月",
    },
    "en": {"short": "D j M", "full": "D j M Y", "birth": "j M Y", "month": "F Y"},
}


def _formats() -> dict[str, str]:
    language = (get_language() or "ja").split("-")[0]
    return FORMATS.get(language, FORMATS["en"])


def _local(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _day(value: date | datetime, kind: str) -> str:
    return _format(_local(value), _formats()[kind])


def date_full(value: date | datetime | None) -> str:
    """2026年12月16日(水) / Wed 16 Dec 2026."""
    return _day(value, "full") if value else ""


def date_short(value: date | datetime | None) -> str:
    """12月16日(水) / Wed 16 Dec; in full when the year is not the current one."""
    if not value:
        return ""
    if _local(value).year != timezone.localdate().year:
        return _day(value, "full")
    return _day(value, "short")


def _time(value: date | datetime) -> str:
    return _format(_local(value), "H:i") if isinstance(value, datetime) else ""


def datetime_full(value: datetime | None) -> str:
    """2026年12月16日(水) 10:00 / Wed 16 Dec 2026 10:00."""
    return f"{date_full(value)} {_time(value)}".strip() if value else ""


def datetime_short(value: datetime | None) -> str:
    """12月16日(水) 10:00 / Wed 16 Dec 10:00 (the year added when not the current one)."""
    return f"{date_short(value)} {_time(value)}".strip() if value else ""


def date_birth(value: date | None) -> str:
    """1943年5月3日 / 3 May 1943: a birth date has no useful weekday."""
    return _day(value, "birth") if value else ""


def month_full(value: date | datetime | None) -> str:
    """2026年12月 / December 2026."""
    return _day(value, "month") if value else ""


def fiscal_year_label(year: int | str | None) -> str:
    """2026年度 / FY2026 for the fiscal year starting 1 April ``year``; "" for None or ""."""
    if year is None or year == "":
        return ""
    return gettext("FY%(year)d") % {"year": int(year)}
