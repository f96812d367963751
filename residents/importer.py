"""Import of a staff-kept resident list (CSV exported from a spreadsheet).

Columns: 氏名, ふりがな, 生年月日, 電話番号, 地区, 端末, 備考 (UTF-8 with or without BOM, or
Shift_JIS/cp932). Every data row ends in exactly one of: imported, flagged (imported as a possible
duplicate for a person to confirm, or skipped because it is already registered) or rejected (an
impossible value; nothing saved for that row). The run and its report are kept as a ResidentImport.
"""

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from residents.models import OwnDevice, Resident, ResidentImport
from residents.normalize import (
    clean_name,
    format_phone,
    kana_search_key,
    normalize_kana,
    parse_birth_date,
    phone_digits,
    search_name_key,
)

COLUMNS = ("氏名", "ふりがな", "生年月日", "電話番号", "地区", "端末", "備考")
REQUIRED_COLUMNS = ("氏名", "ふりがな", "生年月日", "電話番号")
MAX_FILE_BYTES = 5 * 1024 * 1024

NO_PHONE_WORDS = {"", "電話なし", "なし", "無し", "無", "-", "ー", "―", "×"}
NO_DISTRICT_WORDS = {"", "未記入", "不明", "-", "ー"}
DEVICE_WORDS = {
    "": OwnDevice.NONE,
    "なし": OwnDevice.NONE,
    "無し": OwnDevice.NONE,
    "持っていない": OwnDevice.NONE,
    "ガラケー": OwnDevice.FEATURE_PHONE,
    "らくらくホン": OwnDevice.FEATURE_PHONE,
    "らくらくフォン": OwnDevice.FEATURE_PHONE,
    "携帯電話": OwnDevice.FEATURE_PHONE,
    "携帯": OwnDevice.FEATURE_PHONE,
    "フィーチャーフォン": OwnDevice.FEATURE_PHONE,
    "android": OwnDevice.ANDROID,
    "アンドロイド": OwnDevice.ANDROID,
    "iphone": OwnDevice.IPHONE,
    "アイフォン": OwnDevice.IPHONE,
    "アイフォーン": OwnDevice.IPHONE,
    "タブレット": OwnDevice.TABLET,
    "ipad": OwnDevice.TABLET,
}
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


class ImportFileError(ValidationError):
    """The file as a whole cannot be read; nothing was saved."""


@dataclass
class _Row:
    number: int  # data row number: 1 is the first row under the header
    name: str
    resident: Resident | None = None
    status: str = ""  # imported / flagged / rejected
    reason: str = ""
    warnings: list[str] = field(default_factory=list)


def decode_csv_bytes(raw: bytes) -> str:
    """Return the text of a CSV file in UTF-8 (with or without BOM) or Shift_JIS/cp932.

    Raises ImportFileError with a message staff can act on for anything else.
    """
    if not raw.strip():
        raise ImportFileError(_("The file is empty."))
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _(
                "This is an Excel workbook, not a CSV file. In Excel choose "
                'File > Save As > "CSV UTF-8" and upload that file.'
            )
        )
    if b"\x00" in raw:
        raise ImportFileError(
            _("This is not a CSV text file. Upload the list saved as CSV (UTF-8 or Shift_JIS).")
        )
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        _(
            "The file's characters could not be read: it is neither UTF-8 nor Shift_JIS. "
            'Save the list from Excel as "CSV UTF-8" and upload it again.'
        )
    )


def _read_rows(text: str) -> list[dict[str, str]]:
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        lines = [row for row in reader]
    except csv.Error as exc:
        raise ImportFileError(
            _("The file is not a readable CSV file (%(reason)s).") % {"reason": exc}
        ) from exc
    lines = [row for row in lines if any(cell.strip() for cell in row)]  # spreadsheet blank lines
    if not lines:
        raise ImportFileError(_("The file is empty."))
    header = [unicodedata.normalize("NFKC", cell).strip() for cell in lines[0]]
    # NFKC turns a full-width header back into the same words; the columns are written in kana.
    wanted = {unicodedata.normalize("NFKC", c): c for c in COLUMNS}
    missing = [c for c in REQUIRED_COLUMNS if unicodedata.normalize("NFKC", c) not in header]
    if missing:
        raise ImportFileError(
            _(
                "The file does not have the expected columns. Missing: %(missing)s. Found: "
                "%(found)s. The first line must be: %(expected)s."
            )
            % {
                "missing": "、".join(missing),
                "found": "、".join(h for h in header if h) or _("(nothing)"),
                "expected": ",".join(COLUMNS),
            }
        )
    index = {wanted[h]: i for i, h in enumerate(header) if h in wanted}
    rows = []
    for cells in lines[1:]:
        rows.append(
            {column: (cells[i].strip() if i < len(cells) else "") for column, i in index.items()}
        )
    if not rows:
        raise ImportFileError(_("The file has a header but no residents under it."))
    return rows


def _device(value: str) -> tuple[str, str]:
    key = unicodedata.normalize("NFKC", value).strip().lower()
    if key in DEVICE_WORDS:
        return DEVICE_WORDS[key], ""
    return OwnDevice.NONE, _("own device %(value)s not recognised; recorded as none.") % {
        "value": value
    }


def _exact_key(name: str, kana: str, birth: date | None, digits: str) -> tuple:
    return (search_name_key(name), kana_search_key(kana), birth, digits)


class _Index:
    """Residents a row may duplicate: those in the database and those made from earlier rows."""

    def __init__(self) -> None:
        self.by_kana_birth: dict[tuple[str, date], tuple[Resident, int | None]] = {}
        self.by_phone: dict[str, tuple[Resident, int | None]] = {}
        self.exact: dict[tuple, Resident] = {}

    def add(self, resident: Resident, row_number: int | None) -> None:
        """``row_number``: the file row it came from, None for a resident already registered."""
        if resident.search_kana and resident.birth_date:
            self.by_kana_birth.setdefault(
                (resident.search_kana, resident.birth_date), (resident, row_number)
            )
        if resident.phone_digits:
            self.by_phone.setdefault(resident.phone_digits, (resident, row_number))

    def find(self, kana: str, birth: date | None, digits: str):
        """Return (resident, row_number, reasons) of the first likely duplicate, or None."""
        reasons, hit = [], None
        if kana and birth and (kana, birth) in self.by_kana_birth:
            hit = self.by_kana_birth[(kana, birth)]
            reasons.append(_("same kana and birth date"))
        if digits and digits in self.by_phone:
            hit = hit or self.by_phone[digits]
            reasons.append(_("same phone number"))
        return (hit[0], hit[1], reasons) if hit else None


def _load_existing(parsed: list[dict | None]) -> _Index:
    """One query (per 500 rows) for the registered residents the file's rows could match."""
    index = _Index()
    keys = [p for p in parsed if p]
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        condition = (
            Q(search_kana__in={p["search_kana"] for p in chunk if p["search_kana"]})
            | Q(phone_digits__in={p["phone_digits"] for p in chunk if p["phone_digits"]})
            | Q(search_name__in={search_name_key(p["name"]) for p in chunk})
        )
        for resident in Resident.objects.filter(condition).order_by("id"):
            # The original of a flagged record is the better one to point at.
            index.add(resident, None)
            index.exact.setdefault(
                _exact_key(
                    resident.name, resident.name_kana, resident.birth_date, resident.phone_digits
                ),
                resident,
            )
    return index


def _parse_row(values: dict[str, str], row: _Row) -> dict | None:
    """Normalise one row's cells; set row.reason (rejected) and return None when impossible."""
    problems = []
    name = clean_name(values.get("氏名", ""))
    if not name:
        problems.append(_("the name (氏名) is empty"))
    kana = normalize_kana(values.get("ふりがな", ""))
    if not kana:
        row.warnings.append(_("no furigana; imported with blank kana"))
    birth_text = values.get("生年月日", "")
    birth = None
    if birth_text:
        try:
            birth = parse_birth_date(birth_text)
        except ValueError as exc:
            problems.append(_("birth date: %(reason)s") % {"reason": exc})
    else:
        row.warnings.append(_("no birth date"))
    phone_text = values.get("電話番号", "")
    phone = ""
    if unicodedata.normalize("NFKC", phone_text).strip() in NO_PHONE_WORDS:
        row.warnings.append(_("no phone number"))
    else:
        try:
            phone = format_phone(phone_text)
        except ValueError:
            problems.append(
                _("phone %(phone)s is not a Japanese phone number") % {"phone": phone_text}
            )
    district = clean_name(values.get("地区", ""))
    if district in NO_DISTRICT_WORDS:
        district = ""
    device, device_warning = _device(values.get("端末", ""))
    if device_warning:
        row.warnings.append(device_warning)
    notes = values.get("備考", "").strip()
    if problems:
        row.status, row.reason = "rejected", "; ".join(problems)
        return None
    access = notes if any(hint in notes for hint in ACCESSIBILITY_HINTS) else ""
    if not phone:
        notes = "\n".join(p for p in (notes, _("No phone number in the imported list.")) if p)
    return {
        "name": name,
        "name_kana": kana,
        "search_kana": kana_search_key(kana),
        "birth_date": birth,
        "phone": phone,
        "phone_digits": phone_digits(phone),
        "district": district[:50],
        "own_device": device,
        "accessibility_needs": access[:200],
        "notes": notes,
    }


def _report(run: ResidentImport, rows: list[_Row]) -> str:
    lines = [
        _("File: %(name)s") % {"name": run.file_name},
        _("Rows: %(n)s") % {"n": run.rows_total},
        _("Imported: %(n)s") % {"n": run.rows_imported},
        _("Flagged: %(n)s") % {"n": run.rows_flagged},
        _("Rejected: %(n)s") % {"n": run.rows_rejected},
        _("(Row 1 is the first line under the header.)"),
        "",
    ]
    labels = {"flagged": _("flagged"), "rejected": _("rejected")}
    for row in rows:
        if row.status in labels:
            lines.append(
                _("Row %(number)s %(name)s: %(status)s: %(reason)s")
                % {
                    "number": row.number,
                    "name": row.name or "-",
                    "status": labels[row.status],
                    "reason": row.reason,
                }
            )
    warned = [row for row in rows if row.warnings and row.resident is not None]
    if warned:
        lines += ["", _("Warnings:")]
        for row in warned:
            lines.append(
                _("Row %(number)s %(name)s: %(warnings)s")
                % {"number": row.number, "name": row.name, "warnings": "; ".join(row.warnings)}
            )
    return "\n".join(lines) + "\n"


def import_residents(*, file, file_name: str, by=None) -> ResidentImport:
    """Import a resident list and return the saved ResidentImport with counts and report.

    ``file``: a binary file object or bytes (UTF-8, UTF-8 with BOM, or Shift_JIS/cp932 CSV).
    Likely duplicates (same kana and birth date, or same phone; against the database and earlier
    rows of the file) are imported with ``possible_duplicate_of`` set, never merged. A row the
    same as a registered resident (name, kana, birth date and phone) is skipped as already
    imported and counted as flagged. Raises ImportFileError (a ValidationError) for a file that
    cannot be read as a whole (empty, not CSV, wrong columns, unknown encoding): nothing is saved.
    """
    raw = file if isinstance(file, bytes) else file.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise ImportFileError(
            _("The file is larger than 5 MB; split the list and import the parts.")
        )
    values_list = _read_rows(decode_csv_bytes(raw))
    rows = [
        _Row(number=n, name=clean_name(v.get("氏名", ""))) for n, v in enumerate(values_list, 1)
    ]
    parsed = [_parse_row(v, row) for v, row in zip(values_list, rows, strict=True)]

    with transaction.atomic():
        run = ResidentImport.objects.create(file_name=file_name[:255], created_by=by)
        index = _load_existing(parsed)
        for row, data in zip(rows, parsed, strict=True):
            if data is None:
                continue
            key = _exact_key(
                data["name"], data["name_kana"], data["birth_date"], data["phone_digits"]
            )
            if key in index.exact:
                existing = index.exact[key]
                row.status = "flagged"
                row.reason = _(
                    "already imported: same name, kana, birth date and phone as resident "
                    "#%(id)s; skipped"
                ) % {"id": existing.pk}
                continue
            resident = Resident(
                **{k: v for k, v in data.items() if k not in ("search_kana", "phone_digits")},
                source_import=run,
                created_by=by,
            )
            duplicate = index.find(data["search_kana"], data["birth_date"], data["phone_digits"])
            if duplicate:
                original, original_row, reasons = duplicate
                resident.possible_duplicate_of_id = original.possible_duplicate_of_id or original.pk
                where = (
                    _("row %(number)s (%(name)s)") % {"number": original_row, "name": original.name}
                    if original_row
                    else _("registered resident #%(id)s (%(name)s)")
                    % {"id": original.pk, "name": original.name}
                )
                row.status = "flagged"
                row.reason = _("possible duplicate of %(where)s: %(reasons)s") % {
                    "where": where,
                    "reasons": ", ".join(reasons),
                }
            else:
                row.status = "imported"
            resident.save()
            row.resident = resident
            index.add(resident, row.number)

        run.rows_total = len(rows)
        run.rows_imported = sum(1 for r in rows if r.status == "imported")
        run.rows_flagged = sum(1 for r in rows if r.status == "flagged")
        run.rows_rejected = sum(1 for r in rows if r.status == "rejected")
        run.report = _report(run, rows)
        run.save()
    return run
