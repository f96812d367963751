"""One row's values as offices type them, read into a resident's fields.

``parse_row(values, number=, today=)`` returns a ``RowResult``: skipped (an empty row, a footer
such as ``合計 10 名``), rejected (an impossible value: nothing is saved, the reason says why), or
parsed, with the reasons a person should review it (``flags``) and notes (``warnings``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from kernel.date_ranges import BIRTH_DATES
from residents.models import ImportOutcome, OwnDevice
from residents.normalize import (
    clean_name,
    format_phone,
    kana_search_key,
    normalize_kana,
    parse_birth_date,
    phone_digits,
    to_half_digits,
)

#: Ages outside this range are imported and flagged for a person to check the birth date.
PLAUSIBLE_AGES = (40, 110)
#: Longest value per field (the model's max_length); a longer one rejects its row.
MAX_LENGTHS = {"name": 100, "kana": 100, "district": 50}
#: What CP932 (Shift_JIS) writes for a character it cannot hold (𠮷, 鷗, ...).
REPLACEMENT_CHARACTERS = ("?", "？", "〓")

NO_PHONE_WORDS = {"", "電話なし", "なし", "無し", "無", "-", "ー", "―", "×"}
NO_DISTRICT_WORDS = {"", "未記入", "不明", "-", "ー"}
#: Words of the device column, compared after NFKC, lower case, without spaces: exact words first,
#: then the first keyword (in this order) the value contains.
DEVICE_WORDS: dict[str, str] = {
    "": OwnDevice.NONE,
    "なし": OwnDevice.NONE,
    "無し": OwnDevice.NONE,
    "無": OwnDevice.NONE,
    "×": OwnDevice.NONE,
    "-": OwnDevice.NONE,
    "持っていない": OwnDevice.NONE,
    "未所持": OwnDevice.NONE,
    "あり": OwnDevice.SMARTPHONE,
    "有": OwnDevice.SMARTPHONE,
    "有り": OwnDevice.SMARTPHONE,
    "○": OwnDevice.SMARTPHONE,
    "携帯": OwnDevice.FEATURE_PHONE,
    "携帯電話": OwnDevice.FEATURE_PHONE,
}
DEVICE_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("iphone", OwnDevice.IPHONE),
    ("アイフォ", OwnDevice.IPHONE),
    ("ipad", OwnDevice.TABLET),
    ("タブレット", OwnDevice.TABLET),
    ("らくらくスマ", OwnDevice.ANDROID),
    ("android", OwnDevice.ANDROID),
    ("アンドロイド", OwnDevice.ANDROID),
    ("ガラケー", OwnDevice.FEATURE_PHONE),
    ("ガラホ", OwnDevice.FEATURE_PHONE),
    ("らくらくホン", OwnDevice.FEATURE_PHONE),
    ("らくらくフォン", OwnDevice.FEATURE_PHONE),
    ("フィーチャーフォン", OwnDevice.FEATURE_PHONE),
    ("スマホ", OwnDevice.SMARTPHONE),
    ("スマートフォン", OwnDevice.SMARTPHONE),
)
# Words in 備考 that say how to help the person; the note is copied to accessibility_needs.
ACCESSIBILITY_HINTS = (
    "補聴器",
    "耳が遠",
    "難聴",
    "大きな文字",
    "大きい文字",
    "拡大",
    "老眼",
    "弱視",
    "車いす",
    "車椅子",
    "杖",
    "手話",
)
_FOOTER = re.compile(r"^(?:合計|総計|小計|総数|計|以上|人数)(?:$|[\s:：]|\d|.*[名人件]$)")
_SPACES = re.compile(r"\s+")
_ERA = r"(?P<era>明治|大正|昭和|平成|令和|[明大昭平令]|[MTSHRmtshr])\.?(?P<ey>元|\d{1,2})年?"
_WEST = r"(?P<wy>(?:18|19|20)\d\d)年?"
_MONTH_DAY = r"[./\-]?(?P<m>\d{1,2})[月./\-](?P<d>\d{1,2})日?(?:生まれ|生)?"
_COMBINED = (
    re.compile(rf"^{_WEST}\({_ERA}\){_MONTH_DAY}$"),
    re.compile(rf"^{_ERA}\({_WEST}\){_MONTH_DAY}$"),
)
_DATE_WITH_TIME = re.compile(r"^(\d{4}[-/]\d{1,2}[-/]\d{1,2})[ T]0?0:00(?::00)?$")
# Excel's 1900 date system: serial 1 is 1900-01-01, and it counts a 29 February 1900 that was not.
_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass
class RowResult:
    """What a row became. ``outcome``: an ``ImportOutcome`` value, or "" while still to be
    decided (parsed, not yet checked for duplicates). ``reason``: why rejected or skipped."""

    number: int
    name: str = ""
    outcome: str = ""
    reason: str = ""
    flags: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    data: dict[str, Any] | None = None
    resident_id: int | None = None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def is_footer(cells: list[str]) -> bool:
    """True for a closing line of a list: ``合計 10 名``, ``計``, ``以上`` (at most 3 cells filled)."""
    filled = [c for c in cells if c]
    if not filled or len(filled) > 3:
        return False
    joined = unicodedata.normalize("NFKC", " ".join(filled)).strip()
    return bool(_FOOTER.match(joined))


def _excel_serial(serial: float) -> date:
    if not 1 <= serial < 2958466:
        raise ValueError(_("%(value)s is not a date.") % {"value": serial})
    day = int(serial)
    if day < 61:  # before Excel's phantom 1900-02-29
        day += 1
    return _EXCEL_EPOCH + timedelta(days=day)


def _checked(day: date, today: date) -> date:
    if day > today:
        raise ValueError(
            _("%(date)s is in the future; check the year.") % {"date": day.strftime("%Y/%m/%d")}
        )
    if message := BIRTH_DATES.error(day, today):
        raise ValueError(message)
    return day


def read_birth_date(value: Any, *, today: date) -> tuple[date | None, str]:
    """(birth date or None, a reason to review it or "") from a cell as offices keep it.

    Accepts Excel date cells, Excel serial numbers, Western and era dates as
    ``residents.normalize.parse_birth_date`` reads them, ``19400601``, and a Western year with its
    era year, ``1940年（昭和15年）6月1日`` or ``昭和15年（1940年）6月1日``: when the two years
    disagree the date is left empty and flagged. Raises ValueError (the reason) for an
    impossible date.
    """
    if isinstance(value, datetime):
        return _checked(value.date(), today), ""
    if isinstance(value, date):
        return _checked(value, today), ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _checked(_excel_serial(float(value)), today), ""
    text = _text(value)
    if m := _DATE_WITH_TIME.match(unicodedata.normalize("NFKC", text).strip()):
        return parse_birth_date(m[1], today=today), ""
    key = _SPACES.sub("", unicodedata.normalize("NFKC", text))
    if re.fullmatch(r"\d{5}(?:\.0+)?", key):
        return _checked(_excel_serial(float(key)), today), ""
    if m := re.fullmatch(r"((?:18|19|20)\d\d)(\d\d)(\d\d)", key):
        return parse_birth_date(f"{m[1]}/{m[2]}/{m[3]}", today=today), ""
    for pattern in _COMBINED:
        if m := pattern.match(key):
            western = parse_birth_date(f"{m['wy']}/{m['m']}/{m['d']}", today=today)
            try:
                era = parse_birth_date(f"{m['era']}{m['ey']}年{m['m']}月{m['d']}日", today=today)
            except ValueError as exc:
                return None, _(
                    "birth date %(text)s: the era date cannot be (%(reason)s); left empty"
                ) % {"text": text, "reason": exc}
            if era != western:
                return None, _(
                    "birth date %(text)s: the Western year and the era year disagree; left empty"
                ) % {"text": text}
            return western, ""
    return parse_birth_date(text, today=today), ""


def read_phone(value: Any) -> tuple[str, str, str]:
    """(phone in national format or "", a reason to review it or "", a warning or "").

    Reads numbers stored as numbers (the leading 0 lost), with spaces, hyphens, full-width digits
    or +81. A value that is no Japanese number gives an empty phone and a reason.
    """
    text = _text(value)
    if unicodedata.normalize("NFKC", text).strip() in NO_PHONE_WORDS:
        return "", "", _("no phone number")
    half = to_half_digits(text).strip()
    compact = re.sub(r"[\s\-‐−ー()]", "", half)
    warning = ""
    if compact.isdigit() and not compact.startswith("0") and len(compact) in (9, 10):
        half, warning = (
            "0" + compact,
            _("phone %(text)s: the leading 0 was restored") % {"text": text},
        )
    try:
        return format_phone(half), "", warning
    except ValueError:
        return (
            "",
            _("phone %(text)s is not a Japanese phone number; left empty, kept in the notes")
            % {"text": text},
            "",
        )


def read_device(value: Any) -> str | None:
    """The ``OwnDevice`` a device word means, or None when the word is not known."""
    key = _SPACES.sub("", unicodedata.normalize("NFKC", _text(value))).lower()
    if key in DEVICE_WORDS:
        return DEVICE_WORDS[key]
    for keyword, device in DEVICE_KEYWORDS:
        if keyword in key:
            return device
    return None


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def parse_row(
    values: dict[str, Any], *, number: int, today: date, cells: list[Any] | None = None
) -> RowResult:
    """Read one row into a RowResult (see the module). ``values``: field -> cell; ``cells``: the
    whole row (a footer may sit in any column), default the values."""
    texts = {key: _text(value) for key, value in values.items()}
    row = RowResult(number=number, name=clean_name(texts.get("name", "")))
    every = [_text(c) for c in cells] if cells is not None else list(texts.values())
    if is_footer(every):
        row.outcome, row.name = ImportOutcome.SKIPPED, ""
        row.reason = _("footer line (%(text)s)") % {"text": " ".join(t for t in every if t)}
        return row
    if not any(text for key, text in texts.items() if key != "ignored"):
        row.outcome, row.reason = ImportOutcome.SKIPPED, _("empty row")
        return row
    problems = []
    name = row.name
    if not name:
        problems.append(_("the name (氏名) is empty"))
    kana = normalize_kana(texts.get("kana", ""))
    if not kana:
        row.warnings.append(_("no furigana; imported with blank kana"))
    district = clean_name(texts.get("district", ""))
    district = "" if district in NO_DISTRICT_WORDS else district
    for key, label, text in (("name", "氏名", name), ("kana", "ふりがな", kana)) + (
        ("district", "地区", district),
    ):
        if len(text) > MAX_LENGTHS[key]:
            problems.append(
                _("%(column)s is %(length)s characters long; at most %(max)s fit")
                % {"column": label, "length": len(text), "max": MAX_LENGTHS[key]}
            )
    for label, text in (("氏名", name), ("ふりがな", texts.get("kana", ""))):
        found = [c for c in REPLACEMENT_CHARACTERS if c in text]
        if found:
            row.flags.append(
                _(
                    "%(column)s contains %(chars)s: a character that did not survive the export "
                    "(for example 𠮷 or 鷗 saved as Shift_JIS); check it"
                )
                % {"column": label, "chars": "".join(found)}
            )
    birth = None
    if texts.get("birth_date", ""):
        try:
            birth, flag = read_birth_date(values.get("birth_date"), today=today)
        except ValueError as exc:
            problems.append(_("birth date: %(reason)s") % {"reason": exc})
        else:
            if flag:
                row.flags.append(flag)
            if birth is not None:
                age = _age(birth, today)
                if not PLAUSIBLE_AGES[0] <= age <= PLAUSIBLE_AGES[1]:
                    row.flags.append(
                        _("age %(age)s (born %(date)s): check the birth date")
                        % {"age": age, "date": birth.strftime("%Y/%m/%d")}
                    )
    else:
        row.warnings.append(_("no birth date"))
    notes = texts.get("notes", "")
    phone, phone_flag, phone_warning = read_phone(values.get("phone"))
    if phone_flag:
        row.flags.append(phone_flag)
        notes = "\n".join(
            p for p in (notes, _("Phone in the imported list: %(text)s") % {"text": texts["phone"]})
        ).strip()
    if phone_warning:
        row.warnings.append(phone_warning)
    device_text = texts.get("device", "")
    device = read_device(device_text)
    if device is None:
        device = OwnDevice.NONE
        row.flags.append(
            _("device %(value)s not recognised; recorded as none, kept in the notes")
            % {"value": device_text}
        )
        notes = "\n".join(
            p for p in (notes, _("Device in the imported list: %(text)s") % {"text": device_text})
        ).strip()
    if problems:
        row.outcome, row.reason = ImportOutcome.REJECTED, "; ".join(problems)
        return row
    access = texts.get("notes", "")
    access = access if any(hint in access for hint in ACCESSIBILITY_HINTS) else ""
    if not phone and not phone_flag:
        notes = "\n".join(p for p in (notes, _("No phone number in the imported list.")) if p)
    row.data = {
        "name": name,
        "name_kana": kana,
        "search_kana": kana_search_key(kana),
        "birth_date": birth,
        "phone": phone,
        "phone_digits": phone_digits(phone),
        "district": district,
        "own_device": device,
        "accessibility_needs": access[:200],
        "notes": notes,
    }
    return row
