"""Reading a staff-kept list as it comes: an .xlsx workbook, or CSV text as Excel saves it.

``open_table(raw)`` returns a ``Table``: a description of the format (named in the report) and its
sheets, each giving ``(row number, cells)`` pairs. Row numbers are those staff see: the row number
Excel shows, and for a CSV the line on which the record starts (a quoted cell may hold line
breaks, so a record can span lines). Cells are what the file holds: text for a CSV; for a workbook
text, numbers, ``datetime`` for date cells, or None.

Encodings of a CSV: UTF-8 with or without BOM, CP932 / Shift_JIS (Excel's "CSV (comma
delimited)" on a Japanese Windows) and UTF-16 (Excel's "Unicode text", tab-separated).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

Rows = Iterator[tuple[int, list[Any]]]

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


class ImportFileError(ValidationError):
    """The file as a whole cannot be read; nothing is imported (the report says why)."""


@dataclass
class Sheet:
    """One sheet (a CSV has one, named ""). ``rows()`` starts reading from row 1 each call."""

    name: str
    rows: Callable[[], Rows]
    estimated_rows: int = 0


@dataclass
class Table:
    """``description``: the format as the report names it (``Excel workbook (.xlsx)``, ``CSV,
    CP932 (Shift_JIS), comma-separated``)."""

    description: str
    sheets: list[Sheet] = field(default_factory=list)


def open_table(raw: bytes) -> Table:
    """Recognise ``raw`` (the file's bytes) and return its Table.

    Raises ImportFileError with a message staff can act on: empty file, an old .xls workbook, a
    damaged workbook, binary data, or text in an encoding other than those above.
    """
    if not raw.strip():
        raise ImportFileError(_("The file is empty."))
    if raw.startswith(b"PK\x03\x04"):
        return _open_workbook(raw)
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _(
                "This is an Excel 97-2003 workbook (.xls) or a password-protected workbook, "
                'which cannot be read. In Excel choose File > Save As > "Excel Workbook (.xlsx)" '
                "without a password and upload that file."
            )
        )
    text, encoding = decode_text(raw)
    return _open_csv(text, encoding)


def decode_text(raw: bytes) -> tuple[str, str]:
    """(text, encoding as named in the report) of a CSV or tab-separated text file.

    Raises ImportFileError for binary data or an unknown encoding.
    """
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "UTF-8 (BOM)"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise _unknown_encoding() from exc
    if b"\x00" in raw:
        # UTF-16 without its BOM reads as text with no control characters; anything else is binary.
        try:
            text = raw.decode("utf-16-le")
        except UnicodeDecodeError:
            text = ""
        if text and not _CONTROL.search(text) and ("\t" in text or "," in text):
            return text, "UTF-16"
        raise ImportFileError(
            _(
                "This is not a list the program can read. Upload the Excel workbook (.xlsx) or the "
                "list saved as CSV."
            )
        )
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp932"), "CP932 (Shift_JIS)"
    except UnicodeDecodeError as exc:
        raise _unknown_encoding() from exc


def _unknown_encoding() -> ImportFileError:
    return ImportFileError(
        _(
            "The file's characters could not be read: it is neither UTF-8, Shift_JIS nor UTF-16. "
            "Upload the Excel workbook (.xlsx) itself, or save it from Excel as CSV again."
        )
    )


def _delimiter(text: str, encoding: str) -> str:
    head = text[:20000].splitlines()[:20]
    tabs = sum(line.count("\t") for line in head)
    commas = sum(line.count(",") for line in head)
    if encoding == "UTF-16":
        return "\t" if tabs or not commas else ","
    return "\t" if tabs > commas else ","


def _open_csv(text: str, encoding: str) -> Table:
    delimiter = _delimiter(text, encoding)
    # Excel leaves a BOM inside UTF-16 text it decoded with the codec that keeps it.
    text = text.removeprefix("\ufeff")

    def rows() -> Rows:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        start = 1
        try:
            for cells in reader:
                yield start, list(cells)
                start = reader.line_num + 1
        except csv.Error as exc:
            raise ImportFileError(
                _("Line %(line)s is not readable CSV (%(reason)s).")
                % {"line": start, "reason": exc}
            ) from exc

    separated = _("tab-separated") if delimiter == "\t" else _("comma-separated")
    description = _("CSV, %(encoding)s, %(separated)s") % {
        "encoding": encoding,
        "separated": separated,
    }
    return Table(description, [Sheet("", rows, text.count("\n") + 1)])


def _open_workbook(raw: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(
            _(
                "The workbook could not be opened (%(reason)s). Open it in Excel, save it again "
                'as "Excel Workbook (.xlsx)" and upload that file.'
            )
            % {"reason": type(exc).__name__}
        ) from exc
    except Exception as exc:  # openpyxl's InvalidFileException and damaged XML
        raise ImportFileError(
            _(
                "The workbook could not be opened (%(reason)s). Open it in Excel, save it again "
                'as "Excel Workbook (.xlsx)" and upload that file.'
            )
            % {"reason": type(exc).__name__}
        ) from exc
    sheets = []
    for worksheet in workbook.worksheets:

        def rows(worksheet=worksheet) -> Rows:
            # Read-only sheets yield every row from 1, empty ones included. The recorded size is
            # forgotten: some programs write a wrong one, and rows past it would be lost.
            worksheet.reset_dimensions()
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                yield number, list(values)

        sheets.append(Sheet(worksheet.title, rows, worksheet.max_row or 0))
    return Table(_("Excel workbook (.xlsx)"), sheets)
