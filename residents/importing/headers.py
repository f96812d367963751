"""Finding the header row of a list and naming its columns, through one synonyms table.

Offices write the same column many ways (``氏　名``, ``フリガナ``, ``連絡先``). ``COLUMN_SYNONYMS``
holds every accepted way (README shows the same table; a test keeps the two alike). Headers are
compared after NFKC (full-width letters and half-width kana made ordinary) with every space of
either width removed and letters in lower case, so ``ＴＥＬ``, ``tel`` and ``T E L`` are one.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from residents.importing.readers import ImportFileError, Rows, Table

#: The header must be within the first rows of a sheet (titles, notes or merged cells above it).
HEADER_SEARCH_ROWS = 20

#: field -> every header accepted for it; the first is the name the report uses.
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("氏名", "名前", "お名前", "氏名（漢字）", "漢字氏名"),
    "kana": ("ふりがな", "フリガナ", "ﾌﾘｶﾞﾅ", "よみがな", "ヨミガナ", "カナ", "氏名（カナ）"),
    "birth_date": ("生年月日", "誕生日"),
    "phone": ("電話番号", "電話", "連絡先", "TEL", "携帯", "携帯番号", "連絡先電話番号"),
    "district": ("地区", "地区名", "お住まいの地区"),
    "device": ("端末", "お持ちの携帯", "スマホの有無", "所持端末"),
    "notes": ("備考", "メモ"),
    # A running number column: read and left alone.
    "ignored": ("No.", "番号", "№", "連番"),
}
REQUIRED_FIELDS = ("name", "kana", "birth_date", "phone")
_SPACES = re.compile(r"\s+")


def header_key(text: Any) -> str:
    """The key a header cell is compared by (see the module docstring)."""
    if text is None:
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(text))).lower()


_FIELD_BY_KEY: dict[str, str] = {
    header_key(variant): key for key, variants in COLUMN_SYNONYMS.items() for variant in variants
}
_FIELD_BY_KEY[header_key("No")] = "ignored"


def field_label(key: str) -> str:
    """The header a field is named by in messages (``name`` -> ``氏名``)."""
    return COLUMN_SYNONYMS[key][0]


@dataclass
class Header:
    """The header row found: its sheet, its row number, and what each column holds.

    ``columns``: ``[(header text, field key or "")]`` in column order; ``index``: field -> column
    (the first column of a field when two have the same meaning).
    """

    sheet: str
    row_number: int
    columns: list[tuple[str, str]]
    index: dict[str, int] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        return [key for key in REQUIRED_FIELDS if key not in self.index]

    @property
    def unrecognised(self) -> list[str]:
        return [text for text, key in self.columns if text and not key]

    @property
    def duplicated(self) -> list[str]:
        seen: set[str] = set()
        repeated = []
        for position, (text, key) in enumerate(self.columns):
            if key and key != "ignored":
                if key in seen and self.index.get(key) != position:
                    repeated.append(text)
                seen.add(key)
        return repeated


@dataclass
class Located:
    """The list as found: the header, the rows above it, the rows below it (an iterator), the
    sheets not read, and the sheet's estimated row count (for progress)."""

    header: Header
    above: list[tuple[int, list[Any]]]
    rows: Rows
    ignored_sheets: list[str]
    estimated_rows: int


def _header_of(sheet: str, number: int, cells: list[Any]) -> Header:
    columns = []
    index: dict[str, int] = {}
    for position, cell in enumerate(cells):
        text = "" if cell is None else str(cell).strip()
        key = _FIELD_BY_KEY.get(header_key(text), "")
        columns.append((text, key))
        if key and key not in index:
            index[key] = position
    while columns and not columns[-1][0]:
        columns.pop()
    return Header(sheet, number, columns, index)


def _recognised(header: Header) -> int:
    return len([k for k in header.index if k != "ignored"])


def locate(table: Table) -> Located:
    """Find the first sheet with a complete header row within its first 20 rows.

    Raises ImportFileError when none has one: naming the best header row found (its sheet, row
    and cells) and the required columns it lacks, or saying that no header was found at all.
    """
    best: Header | None = None
    for position, sheet in enumerate(table.sheets):
        rows = sheet.rows()
        head = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
        for offset, (number, cells) in enumerate(head):
            header = _header_of(sheet.name, number, cells)
            if _recognised(header) < 2:
                continue
            if not header.missing:
                others = [s.name for i, s in enumerate(table.sheets) if i != position]
                return Located(
                    header=header,
                    above=head[:offset],
                    rows=_chain(head[offset + 1 :], rows),
                    ignored_sheets=others,
                    estimated_rows=sheet.estimated_rows,
                )
            if best is None or _recognised(header) > _recognised(best):
                best = header
    expected = "、".join(field_label(k) for k in REQUIRED_FIELDS)
    if best is None:
        raise ImportFileError(
            _(
                "No header row was found in the first %(rows)s rows. The list needs a row naming "
                "its columns, at least: %(expected)s."
            )
            % {"rows": HEADER_SEARCH_ROWS, "expected": expected}
        )
    where = (
        _("sheet %(sheet)s, row %(row)s") % {"sheet": best.sheet, "row": best.row_number}
        if best.sheet
        else _("row %(row)s") % {"row": best.row_number}
    )
    raise ImportFileError(
        _(
            "The header row found (%(where)s: %(found)s) lacks required columns. Missing: "
            "%(missing)s. The list needs at least: %(expected)s."
        )
        % {
            "where": where,
            "found": "、".join(text for text, _key in best.columns if text),
            "missing": "、".join(field_label(k) for k in best.missing),
            "expected": expected,
        }
    )


def _chain(first: list[tuple[int, list[Any]]], rest: Rows) -> Iterator[tuple[int, list[Any]]]:
    yield from first
    yield from rest


def is_repeated_header(header: Header, cells: list[Any]) -> bool:
    """True when a row below the header names the same columns again (a printed list's pages)."""
    keys = [_FIELD_BY_KEY.get(header_key(cell), "") for cell in cells]
    found = {k for k in keys if k and k != "ignored"}
    return len(found) >= 2 and all(k in found for k in REQUIRED_FIELDS if k in header.index)
