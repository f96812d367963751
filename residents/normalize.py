"""Normalising what staff type or import: kana, names, digits, phone numbers, birth dates.

All functions are pure and accept any mix of full-width / half-width characters and
hiragana / katakana, so the search and the import treat input the same way.
"""

import calendar
import re
import unicodedata
from datetime import date
from typing import NamedTuple

import jaconv
import phonenumbers
from django.utils.translation import gettext

from kernel.date_ranges import BIRTH_DATES

_SPACES = re.compile(r"\s+")


def to_half_digits(text: str) -> str:
    """Full-width digits and ASCII symbols to half-width (``０２４６－９９`` -> ``0246-99``)."""
    return jaconv.z2h(text, kana=False, digit=True, ascii=True)


def normalize_kana(text: str) -> str:
    """Return kana as stored: full-width katakana, words separated by one ASCII space.

    ``'ｽｽﾞｷ ｻﾁｺ'``, ``'すずき　さちこ'`` and ``'スズキ サチコ'`` all give ``'スズキ サチコ'``.
    """
    text = unicodedata.normalize("NFKC", text or "")  # half-width kana -> full-width, joins ﾞ
    text = jaconv.hira2kata(text)
    return _SPACES.sub(" ", text).strip()


def kana_search_key(text: str) -> str:
    """Return the key kana is searched by: normalised katakana with all spaces removed."""
    return normalize_kana(text).replace(" ", "")


def is_kana(text: str) -> bool:
    """True when ``text`` (after normalising) is only katakana, the long-vowel mark and spaces."""
    key = kana_search_key(text)
    return bool(key) and all("\u30a0" <= ch <= "\u30ff" for ch in key)


def phone_digits(text: str) -> str:
    """Return the digits of a phone number in national form (``+81 90-...`` -> ``090...``).

    Any width and any separators; returns ``''`` when there are no digits.
    """
    digits = re.sub(r"\D", "", to_half_digits(text or ""))
    if (text or "").strip().startswith("+81") and digits.startswith("81"):
        digits = "0" + digits[2:]
    return digits


def format_phone(text: str) -> str:
    """Return a Japanese phone number in national format with hyphens (``0246-99-0001``).

    Raises ValueError with a readable reason when the number is not a valid Japanese number.
    """
    raw = to_half_digits(text or "").strip()
    try:
        number = phonenumbers.parse(raw, "JP")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {text!r}") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"not a valid Japanese phone number: {text!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def search_name_key(text: str) -> str:
    """Return the key a kanji name is searched by: NFKC-normalised, all spaces removed.

    ``'山田　太郎'``, ``'山田 太郎'`` and ``'山田太郎'`` all give ``'山田太郎'``.
    """
    return _SPACES.sub("", unicodedata.normalize("NFKC", text or ""))


def clean_name(text: str) -> str:
    """Return a name as stored: any run of spaces (full-width too) becomes one ASCII space.

    Only spaces change: kanji variants are kept exactly as typed, they are part of a person's name.
    """
    return _SPACES.sub(" ", (text or "").replace("\u3000", " ")).strip()


def given_part(normalised: str) -> str:
    """Return what follows the first space of an already normalised name, without spaces.

    ``'ヤマダ タロウ'`` -> ``'タロウ'``; ``''`` when the name has no space (given name unknown).
    """
    _, sep, rest = normalised.partition(" ")
    return rest.replace(" ", "") if sep else ""


# --- Birth dates -------------------------------------------------------------------------------


class Era(NamedTuple):
    name: str
    letter: str
    start: date
    end: date | None  # last day, None for the current era


# Start and end days as proclaimed (Meiji: from the first lunar new year it covered; days before
# Meiji 6 are not converted from the lunar calendar, no living resident was born then).
ERAS: tuple[Era, ...] = (
    Era("明治", "M", date(1868, 1, 25), date(1912, 7, 29)),
    Era("大正", "T", date(1912, 7, 30), date(1926, 12, 24)),
    Era("昭和", "S", date(1926, 12, 25), date(1989, 1, 7)),
    Era("平成", "H", date(1989, 1, 8), date(2019, 4, 30)),
    Era("令和", "R", date(2019, 5, 1), None),
)
_ERA_BY_KEY = {}
for _era in ERAS:
    _ERA_BY_KEY[_era.name] = _era
    _ERA_BY_KEY[_era.name[0]] = _era
    _ERA_BY_KEY[_era.letter] = _era

_ERA_DATE = re.compile(
    r"^(?P<era>明治|大正|昭和|平成|令和|[明大昭平令]|[MTSHR])\.?"
    r"(?P<year>元|\d{1,2})[年./\-]"
    r"(?P<month>\d{1,2})[月./\-]"
    r"(?P<day>\d{1,2})日?(?:生まれ|生)?$",
    re.IGNORECASE,
)
_WESTERN_DATE = re.compile(
    r"^(?P<year>(?:18|19|20)\d\d)[年./\-](?P<month>\d{1,2})[月./\-](?P<day>\d{1,2})日?(?:生まれ|生)?$"
)


def looks_like_date(text: str) -> bool:
    """True when ``text`` has the shape of a date parse_birth_date reads (valid or not)."""
    key = _SPACES.sub("", unicodedata.normalize("NFKC", text or ""))
    return bool(_ERA_DATE.match(key) or _WESTERN_DATE.match(key))


def parse_japanese_date(text: str) -> date:
    """Parse a date as staff write it, in any width: Japanese-era (``令和8年4月1日``,
    ``R8.4.1``, ``平成元年1月8日``; eras 明治/大正/昭和/平成/令和 or M/T/S/H/R) or Western
    (``2026/4/1``, ``2026-04-01``, ``2026年4月1日``, ``2026.4.1``).

    Raises ValueError with a reason a person can act on: empty, unknown format, month 13,
    2月30日, a day outside its era (昭和64年1月8日), a date before 1868. Callers check the
    range they accept (``kernel.date_ranges``).
    """
    original = (text or "").strip()
    key = _SPACES.sub("", unicodedata.normalize("NFKC", original))
    if not key:
        raise ValueError(gettext("The date is empty."))
    era: Era | None = None
    if m := _ERA_DATE.match(key):
        era = _ERA_BY_KEY[m["era"].upper() if m["era"].isascii() else m["era"]]
        era_year = 1 if m["year"] == "元" else int(m["year"])
        if era_year < 1:
            raise ValueError(
                gettext("%(text)s: there is no year 0 in an era; the first year is 1 (元年).")
                % {"text": original}
            )
        year = era.start.year + era_year - 1
    elif m := _WESTERN_DATE.match(key):
        year = int(m["year"])
    else:
        raise ValueError(
            gettext(
                "%(text)s is not a date this program can read. Write it like 昭和20年5月3日, "
                "S20.5.3 or 1945/5/3."
            )
            % {"text": original}
        )
    month, day = int(m["month"]), int(m["day"])
    if not 1 <= month <= 12:
        raise ValueError(
            gettext("%(text)s: month %(month)s does not exist (months are 1 to 12).")
            % {"text": original, "month": month}
        )
    last_day = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last_day:
        raise ValueError(
            gettext(
                "%(text)s: there is no day %(day)s in %(year)s/%(month)s (it has %(last)s days)."
            )
            % {"text": original, "day": day, "year": year, "month": month, "last": last_day}
        )
    result = date(year, month, day)
    if era is not None and (result < era.start or (era.end and result > era.end)):
        raise ValueError(
            gettext(
                "%(text)s is outside the %(era)s era, which ran from %(start)s to %(end)s. "
                "Check the era and the year."
            )
            % {
                "text": original,
                "era": era.name,
                "start": era.start.strftime("%Y/%m/%d"),
                "end": era.end.strftime("%Y/%m/%d") if era.end else gettext("today"),
            }
        )
    if result < ERAS[0].start:
        raise ValueError(gettext("%(text)s is before 1868; check the year.") % {"text": original})
    return result


def parse_birth_date(text: str, *, today: date | None = None) -> date:
    """Parse a birth date as staff write it and return a ``date``.

    Accepts Japanese-era dates (``昭和20年5月3日``, ``S20.5.3``, ``S.19.9.19``, ``H2.4.1``,
    ``平成元年1月8日``; eras 明治/大正/昭和/平成/令和 or M/T/S/H/R) and Western dates
    (``1942/11/23``, ``1939-07-01``, ``1944年4月1日``, ``1947.10.10``), in any width.
    ``today`` (a local date, default: today in the current time zone) bounds the future.

    Raises ValueError with a reason a person can act on: unknown format, month 13,
    2月30日, a day outside its era (昭和64年1月8日), a date in the future or before 1900-01-01
    (``kernel.date_ranges.BIRTH_DATES``).
    """
    original = (text or "").strip()
    if not _SPACES.sub("", unicodedata.normalize("NFKC", original)):
        raise ValueError(gettext("The birth date is empty."))
    result = parse_japanese_date(original)
    if today is None:
        from django.utils import timezone

        today = timezone.localdate()
    if result > today:
        raise ValueError(
            gettext("%(text)s is in the future; check the era and the year.") % {"text": original}
        )
    # 1900-01-01 to today, the one range of kernel.date_ranges (earlier is a typing slip).
    if message := BIRTH_DATES.error(result, today):
        raise ValueError(message)
    return result


# An era year alone, as callers say it: 昭和18, 昭和18年, S18, s.18, 昭18, 平成元年 (any width).
_ERA_YEAR = re.compile(
    r"^(?P<era>明治|大正|昭和|平成|令和|[明大昭平令]|[MTSHR])\.?(?P<year>元|\d{1,2})年?(?:生まれ|生)?$",
    re.IGNORECASE,
)


def looks_like_era_year(text: str) -> bool:
    """True when ``text`` (one word) has the shape of an era year (``昭和18``, ``S18``)."""
    return bool(_ERA_YEAR.match(unicodedata.normalize("NFKC", text or "").strip()))


def parse_era_year(text: str) -> tuple[date, date]:
    """The first and last day (both included) of the era year ``text`` names.

    ``昭和18`` gives 1943-01-01 to 1943-12-31; a year cut by the change of era keeps to its era
    (``昭和64`` is 1989-01-01 to 1989-01-07, ``平成元`` 1989-01-08 to 1989-12-31).
    Raises ValueError with a reason a person can act on when the era has no such year
    (``昭和70``, ``令和0``) or the text is not an era year.
    """
    original = (text or "").strip()
    m = _ERA_YEAR.match(unicodedata.normalize("NFKC", original))
    if not m:
        raise ValueError(
            gettext("%(text)s is not an era year. Write it like 昭和18 or S18.")
            % {"text": original}
        )
    era = _ERA_BY_KEY[m["era"].upper() if m["era"].isascii() else m["era"]]
    era_year = 1 if m["year"] == "元" else int(m["year"])
    year = era.start.year + era_year - 1
    first = max(date(year, 1, 1), era.start)
    last = min(date(year, 12, 31), era.end or date(year, 12, 31))
    if era_year < 1 or first > last:
        raise ValueError(
            gettext("%(era)s has no year %(year)s; check the era and the year.")
            % {"era": era.name, "year": m["year"]}
        )
    return first, last
