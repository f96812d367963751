"""How the reports print dates and fiscal years: Japanese style in a Japanese report
(``2026年12月16日``, ``令和8年度（2026年度）``), English style in an English one
(``16 Dec 2026``, ``FY2026``). The language is the active one (``translation.override``)."""

from __future__ import annotations

import unicodedata
from datetime import date

from django.utils.dates import MONTHS, MONTHS_3
from django.utils.translation import get_language, gettext

from residents.normalize import ERAS, Era, parse_era_year


def _japanese() -> bool:
    return (get_language() or "ja").startswith("ja")


def fiscal_year_era(year: int) -> tuple[Era, int]:
    """The era (元号) and era year a fiscal year is named by: ``2026`` -> (令和, 8).

    A fiscal year takes the era that began in its first calendar year or earlier, so FY2019 (the
    era changed on 1 May 2019) is 令和元年度 and FY1988 is 昭和63年度, as city documents write them.
    """
    era = next(e for e in reversed(ERAS) if e.start.year <= year)
    return era, year - era.start.year + 1


def fiscal_year_ja(year: int) -> str:
    """``2026`` -> ``"令和8年度（2026年度）"``; the first year of an era is 元年: ``令和元年度``."""
    era, era_year = fiscal_year_era(year)
    number = "元" if era_year == 1 else str(era_year)
    return f"{era.name}{number}年度（{year}年度）"


def fiscal_year_label(year: int) -> str:
    """The fiscal year in the active language: ``令和8年度（2026年度）`` or ``FY2026``."""
    return fiscal_year_ja(year) if _japanese() else f"FY{year}"


def long_date(day: date) -> str:
    """A date in the active language: ``2026年12月16日`` or ``16 Dec 2026``."""
    if _japanese():
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {MONTHS_3[day.month].title()} {day.year}"


def month_label(year: int, month: int) -> str:
    """A calendar month in the active language: ``2026年12月`` or ``December 2026``."""
    if _japanese():
        return f"{year}年{month}月"
    return f"{MONTHS[month]} {year}"


def parse_fiscal_year(text: str) -> int:
    """A fiscal year as staff type it, in any width: ``2026``, ``2026年度``, ``令和8年度``,
    ``令和8``, ``R8``, ``令和元年度`` -> the Western year it starts in (2026; 令和元年度 is 2019).
    Raises ValueError with a reason a person can act on."""
    original = (text or "").strip()
    key = unicodedata.normalize("NFKC", original).replace(" ", "")
    key = key.removeprefix("FY").removeprefix("fy")
    key = key.removesuffix("年度").removesuffix("度")
    if key.isdigit():
        return int(key)
    try:
        first, _last = parse_era_year(key)
    except ValueError:
        raise ValueError(
            gettext("%(text)s is not a fiscal year. Write it like 2026 or R8.") % {"text": original}
        ) from None
    return first.year
