"""Every row below the header, in chunks: parsed, checked for duplicates, and (when importing)
saved, so that memory and transactions stay small however long the list is.

Duplicates are looked for against the registered residents and the earlier rows of the file:
same kana and birth date, or same phone (imported with ``possible_duplicate_of`` set, never
merged). A row the same as a registered resident in name, kana, birth date and phone is skipped
as already imported and counted as flagged.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kernel.audit import audit_record
from kernel.models import AuditAction
from residents.importing.headers import Header, Located, is_repeated_header
from residents.importing.readers import ImportFileError
from residents.importing.values import RowResult, parse_row
from residents.models import ImportOutcome, Resident, ResidentImport, ResidentImportRow
from residents.normalize import kana_search_key, search_name_key

#: The most rows below the header (empty ones at the end not counted) one import takes.
MAX_ROWS = 200_000
CHUNK_ROWS = 1000
PREVIEW_ROWS = 10


@dataclass(eq=False)
class _Entry:
    """A resident a later row may duplicate: registered (``row_number`` None) or from the file
    (``resident_id`` known once saved). ``root``: the first record of this person, whom every
    duplicate points at; None when it is this one."""

    resident_id: int | None
    row_number: int | None
    name: str
    root: _Entry | None = None

    def root_entry(self) -> _Entry:
        return self.root or self


class _Index:
    def __init__(self) -> None:
        self.by_kana_birth: dict[tuple[str, date], _Entry] = {}
        self.by_phone: dict[str, _Entry] = {}
        self.exact: dict[tuple, int] = {}
        self.loaded: set[int] = set()

    def add(self, entry: _Entry, kana: str, birth: date | None, digits: str) -> None:
        if kana and birth:
            self.by_kana_birth.setdefault((kana, birth), entry)
        if digits:
            self.by_phone.setdefault(digits, entry)

    def find(self, kana: str, birth: date | None, digits: str):
        reasons, hit = [], None
        if kana and birth and (kana, birth) in self.by_kana_birth:
            hit = self.by_kana_birth[(kana, birth)]
            reasons.append(_("same kana and birth date"))
        if digits and digits in self.by_phone:
            hit = hit or self.by_phone[digits]
            reasons.append(_("same phone number"))
        return (hit, reasons) if hit else None

    def load(self, parsed: list[dict[str, Any]], run: ResidentImport) -> None:
        """Add the registered residents these rows could match (one query per 500 rows): same
        kana and birth date, same phone, or (rows with neither) same name and birth date.
        Residents made by ``run`` itself are in the index already, as rows of the file."""
        for start in range(0, len(parsed), 500):
            chunk = parsed[start : start + 500]
            bare = [p for p in chunk if not p["search_kana"] and not p["phone_digits"]]
            condition = Q(
                search_kana__in={p["search_kana"] for p in chunk if p["search_kana"]},
                birth_date__in={p["birth_date"] for p in chunk if p["birth_date"]},
            ) | Q(phone_digits__in={p["phone_digits"] for p in chunk if p["phone_digits"]})
            if bare:
                condition |= Q(search_name__in={search_name_key(p["name"]) for p in bare})
            fields = (
                "id",
                "name",
                "name_kana",
                "birth_date",
                "phone_digits",
                "search_kana",
                "possible_duplicate_of_id",
            )
            found_rows = (
                Resident.objects.filter(condition)
                .exclude(source_import=run)
                .order_by("id")
                .values(*fields)
            )
            for found in found_rows:
                if found["id"] in self.loaded:
                    continue
                self.loaded.add(found["id"])
                entry = _Entry(found["id"], None, found["name"])
                if found["possible_duplicate_of_id"]:
                    entry.root = _Entry(found["possible_duplicate_of_id"], None, "")
                self.add(entry, found["search_kana"], found["birth_date"], found["phone_digits"])
                self.exact.setdefault(
                    _exact_key(
                        found["name"],
                        found["name_kana"],
                        found["birth_date"],
                        found["phone_digits"],
                    ),
                    found["id"],
                )


def _exact_key(name: str, kana: str, birth: date | None, digits: str) -> tuple:
    return (search_name_key(name), kana_search_key(kana), birth, digits)


@dataclass
class Outcome:
    """Counts per outcome, the rows for the preview, and every row not plainly imported."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ImportOutcome.values, 0))
    imported_numbers: list[int] = field(default_factory=list)
    noted: list[RowResult] = field(default_factory=list)
    preview: list[list[Any]] = field(default_factory=list)
    last_row: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _values(header: Header, cells: list[Any]) -> dict[str, Any]:
    return {key: (cells[i] if i < len(cells) else None) for key, i in header.index.items()}


def _decide(row: RowResult, index: _Index) -> None:
    data = row.data
    assert data is not None
    key = _exact_key(data["name"], data["name_kana"], data["birth_date"], data["phone_digits"])
    if key in index.exact:
        row.outcome = ImportOutcome.FLAGGED
        row.reason = _(
            "already imported: same name, kana, birth date and phone as resident #%(id)s; skipped"
        ) % {"id": index.exact[key]}
        row.data = None
        return
    found = index.find(data["search_kana"], data["birth_date"], data["phone_digits"])
    entry = _Entry(None, row.number, data["name"])
    data["entry"] = entry
    if found:
        original, reasons = found
        where = (
            _("row %(number)s (%(name)s)") % {"number": original.row_number, "name": original.name}
            if original.row_number
            else _("registered resident #%(id)s (%(name)s)")
            % {"id": original.resident_id, "name": original.name}
        )
        row.flags.insert(
            0,
            _("possible duplicate of %(where)s: %(reasons)s")
            % {"where": where, "reasons": ", ".join(reasons)},
        )
        # A duplicate of a duplicate points at the first record, like the one it matched.
        entry.root = original.root_entry()
        data["duplicate_of"] = entry.root
    row.outcome = ImportOutcome.FLAGGED if row.flags else ImportOutcome.IMPORTED
    if row.flags:
        row.reason = "; ".join(row.flags)
    index.add(entry, data["search_kana"], data["birth_date"], data["phone_digits"])


def _save(rows: list[RowResult], run: ResidentImport, by) -> None:
    """Create the residents of ``rows`` (parsed and decided): first those whose original, if
    any, is saved already, then those pointing at a record made in this same chunk."""
    left_out = ("search_kana", "phone_digits", "duplicate_of", "entry")
    first: list[tuple[RowResult, Resident]] = []
    second: list[tuple[RowResult, Resident]] = []
    for row in rows:
        if row.data is None:
            continue
        resident = Resident(
            **{k: v for k, v in row.data.items() if k not in left_out},
            source_import=run,
            created_by=by,
        )
        root: _Entry | None = row.data.get("duplicate_of")
        (second if root is not None and root.resident_id is None else first).append((row, resident))
    for batch in (first, second):
        for row, resident in batch:
            assert row.data is not None
            root = row.data.get("duplicate_of")
            if root is not None:
                resident.possible_duplicate_of_id = root.resident_id
            resident.set_search_keys()
        Resident.objects.bulk_create([resident for _row, resident in batch])
        for row, resident in batch:
            assert row.data is not None
            row.resident_id = row.data["entry"].resident_id = resident.pk
    created = [row.resident_id for row in rows if row.resident_id]
    if created:
        # bulk_create sends no signals: one audit event per chunk names the residents made.
        audit_record(
            action=AuditAction.CREATE,
            object_type="residents.resident",
            summary=f"import #{run.pk}",
            user=by,
            resident_ids=created,
        )


def process(
    run: ResidentImport,
    located: Located,
    *,
    write: bool,
    today: date,
    by=None,
    on_chunk: Callable[[int], None] | None = None,
) -> Outcome:
    """Read every row below the header of ``located``; with ``write`` save the residents and
    the rows of the report (each chunk of 1000 rows in its own transaction), else only work out
    what each row would become. ``on_chunk(last row number)`` is called after each chunk.

    Raises ImportFileError when the list has more than ``MAX_ROWS`` rows (nothing more is read).
    """
    outcome = Outcome()
    index = _Index()
    header = located.header
    filled = 0
    rows: Iterable[tuple[int, list[Any]]] = located.rows
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, CHUNK_ROWS)):
        results = []
        for number, cells in chunk:
            if is_repeated_header(header, cells):
                result = RowResult(number=number, outcome=ImportOutcome.SKIPPED)
                result.reason = _("the header repeated")
            else:
                result = parse_row(_values(header, cells), number=number, today=today, cells=cells)
            if not (result.outcome == ImportOutcome.SKIPPED and result.reason == _("empty row")):
                filled += 1
            if filled > MAX_ROWS:
                raise ImportFileError(
                    _(
                        "The list has more than %(max)s rows; one import takes at most %(max)s. "
                        "Split it into parts and import each."
                    )
                    % {"max": f"{MAX_ROWS:,}"}
                )
            results.append(result)
        parsed = [r for r in results if r.data is not None]
        index.load([r.data for r in parsed if r.data is not None], run)
        for result in parsed:
            _decide(result, index)
        if write:
            with transaction.atomic():
                _save(results, run, by)
                ResidentImportRow.objects.bulk_create(
                    ResidentImportRow(
                        run=run,
                        row_number=r.number,
                        outcome=r.outcome,
                        name=_shown_name(r.name),
                        reason=r.reason,
                        resident_id=r.resident_id,
                    )
                    for r in results
                )
        else:
            ResidentImportRow.objects.bulk_create(
                ResidentImportRow(
                    run=run,
                    row_number=r.number,
                    outcome=r.outcome,
                    name=_shown_name(r.name),
                    reason=r.reason,
                )
                for r in results
            )
        for r in results:
            outcome.counts[r.outcome] += 1
            if r.outcome == ImportOutcome.IMPORTED:
                outcome.imported_numbers.append(r.number)
            if r.outcome != ImportOutcome.IMPORTED or r.warnings:
                outcome.noted.append(_slim(r))
            if len(outcome.preview) < PREVIEW_ROWS and r.outcome != ImportOutcome.SKIPPED:
                outcome.preview.append(_preview_line(r))
        outcome.last_row = chunk[-1][0]
        if on_chunk is not None:
            on_chunk(outcome.last_row)
    return outcome


def _shown_name(name: str) -> str:
    return name if len(name) <= 100 else name[:100] + "…"


def _slim(row: RowResult) -> RowResult:
    """The row without its parsed data (kept for the report only)."""
    return RowResult(
        number=row.number,
        name=_shown_name(row.name),
        outcome=row.outcome,
        reason=row.reason,
        warnings=row.warnings,
        resident_id=row.resident_id,
    )


def _preview_line(row: RowResult) -> list[Any]:
    data = row.data or {}
    birth = data.get("birth_date")
    return [
        row.number,
        row.outcome,
        _shown_name(row.name),
        data.get("name_kana", ""),
        birth.isoformat() if birth else "",
        data.get("phone", ""),
        data.get("district", ""),
        data.get("own_device", ""),
        row.reason,
    ]
