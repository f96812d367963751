"""Load the program's reference data (venues, curriculum topics, KPIs) from CSV files.

The CSV files (``venues.csv``, ``curriculum.csv``, ``kpis.csv``) live in
``settings.PROGRAM_DATA_DIR``. Loading is idempotent: rows are matched by ``code`` and only
changed rows are written, so a second run reports nothing created and nothing updated.
"""

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from classes.models import Organiser, Topic, Venue
from loans.models import LoanPolicy
from reports.models import Kpi
from residents.services_skills import skill_items_ensure

DEFAULT_ORGANISER_NAME = "いわき市"
DEFAULT_LOAN_POLICY = {
    "name": "6か月貸与",
    "term_days": 182,
    "max_renewals": 1,
    "min_age": 65,
    "max_active_loans": 1,
    "is_active": True,
}

# "Share of residents who can do N of the 10 items after the course": the KPI code names N
# (``skills_after_<N>``, see ``reports.figures.kpis``); baseline and target are the administrator's.
SKILLS_KPI = {
    "code": "skills_after_8",
    "name": "講座等の終了時に10項目中8項目以上できる人の割合",
    "name_en": "Share of residents who can do 8 of the 10 items after the course",
    "unit": "%",
    "source": "Iwaki council report: measure the effect (効果測定, seeds/001)",
}

# What a resident must bring to the My Number topics of curriculum.csv (by topic code). Without
# the card, its PIN or the application form the class cannot do its one job. Only written while
# the topic's field is blank, so an administrator's own wording is kept.
WHAT_TO_BRING_BY_TOPIC_CODE = {
    "A01": "個人番号通知書または交付申請書、本人確認書類（運転免許証・保険証など）、"
    "スマートフォン（お持ちの方）",
    "A02": "マイナンバーカード、利用者証明用電子証明書の暗証番号（数字4桁）、"
    "スマートフォン（お持ちの方）",
}


class ProgramDataError(ValidationError):
    """A CSV file cannot be loaded; the message names the file, row and column."""


@dataclass
class FileResult:
    """What loading one file did: counts of rows created, updated and left unchanged."""

    file_name: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return _("%(file)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged") % {
            "file": self.file_name,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


@dataclass
class LoadResult:
    """The per-file results plus which defaults (organiser, loan policy) were created."""

    files: list[FileResult] = field(default_factory=list)
    created_defaults: list[str] = field(default_factory=list)


# --- parsing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any]
    required: bool = True  # False: the column must exist but a cell may be empty
    # True: the column may be left out of the file, and an empty cell keeps what is stored (so
    # what the administrator entered in the admin is not wiped by a file without it).
    optional: bool = False


def _text(value: str) -> str:
    return value.strip()


def _int(value: str) -> int:
    value = value.strip()
    if not value.isdecimal():
        raise ValueError(_("%(value)r is not a whole number") % {"value": value})
    return int(value)


def _optional_int(value: str) -> int | None:
    return _int(value) if value.strip() else None


def _optional_decimal(value: str) -> Decimal | None:
    value = value.strip()
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(_("%(value)r is not a number") % {"value": value}) from None
    if not number.is_finite():
        raise ValueError(_("%(value)r is not a number") % {"value": value})
    return number


def _choice(choices: type[models.TextChoices]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip()
        if value not in choices.values:
            raise ValueError(
                _("%(value)r is not one of %(allowed)s")
                % {"value": value, "allowed": ", ".join(choices.values)}
            )
        return value

    return parse


@dataclass(frozen=True)
class FileSpec:
    file_name: str
    model: type[models.Model]
    columns: tuple[Column, ...]


VENUES = FileSpec(
    "venues.csv",
    Venue,
    (
        Column("code", _text),
        Column("name", _text),
        Column("name_kana", _text, required=False),
        Column("district", _text, required=False),
        Column("kind", _choice(Venue.Kind)),
        Column("default_seats", _int),
        # What staff read back on the phone; older files have no such columns.
        Column("address", _text, required=False, optional=True),
        Column("access", _text, required=False, optional=True),
        Column("phone", _text, required=False, optional=True),
    ),
)
TOPICS = FileSpec(
    "curriculum.csv",
    Topic,
    (
        Column("code", _text),
        Column("title", _text),
        Column("title_en", _text, required=False),
        Column("level", _choice(Topic.Level)),
        Column("minutes", _int),
    ),
)
KPIS = FileSpec(
    "kpis.csv",
    Kpi,
    (
        Column("code", _text),
        Column("name", _text),
        Column("name_en", _text, required=False),
        Column("unit", _text, required=False),
        Column("baseline_fy", _optional_int, required=False),
        Column("baseline_value", _optional_decimal, required=False),
        Column("target_fy", _optional_int, required=False),
        Column("target_value", _optional_decimal, required=False),
        Column("source", _text, required=False),
    ),
)
FILE_SPECS = (VENUES, TOPICS, KPIS)


def _error(spec: FileSpec, row: int | None, column: str | None, reason: str) -> ProgramDataError:
    where = spec.file_name
    if row is not None:
        where += ", " + _("row %(row)d") % {"row": row}
    if column is not None:
        where += ", " + _("column %(column)s") % {"column": column}
    return ProgramDataError(f"{where}: {reason}")


def _field_max_length(model: type[models.Model], name: str) -> int | None:
    return getattr(model._meta.get_field(name), "max_length", None)


def read_program_file(spec: FileSpec, path: Path) -> list[dict[str, Any]]:
    """Parse one CSV file (UTF-8, with or without BOM) into a list of field dicts.

    Rows are numbered as a spreadsheet shows them: the header is row 1. An optional column
    (venues' address, access, phone) may be absent; its empty cells are left out of the dict.
    Raises ProgramDataError
    naming the file, row and column for a missing file or column, an empty required cell, a bad
    number or choice, a value too long, or a code that appears twice.
    """
    if not path.is_file():
        raise _error(spec, None, None, _("file not found at %(path)s") % {"path": path})
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in (reader.fieldnames or [])]
            reader.fieldnames = header
            missing = [c.name for c in spec.columns if c.name not in header and not c.optional]
            if missing:
                raise _error(spec, 1, ", ".join(missing), _("column missing from the header row"))
            rows: list[dict[str, Any]] = []
            seen_codes: dict[str, int] = {}
            for row_number, raw in enumerate(reader, start=2):
                if not any(
                    (value or "").strip() for value in raw.values() if isinstance(value, str)
                ):
                    continue  # a blank line, as spreadsheets leave at the end
                values: dict[str, Any] = {}
                for column in spec.columns:
                    cell = raw.get(column.name) or ""
                    if column.optional and not cell.strip():
                        continue
                    if column.required and not cell.strip():
                        raise _error(spec, row_number, column.name, _("empty"))
                    try:
                        value = column.parse(cell)
                    except ValueError as exc:
                        raise _error(spec, row_number, column.name, str(exc)) from None
                    max_length = _field_max_length(spec.model, column.name)
                    if isinstance(value, str) and max_length and len(value) > max_length:
                        raise _error(
                            spec,
                            row_number,
                            column.name,
                            _("longer than %(max)d characters") % {"max": max_length},
                        )
                    values[column.name] = value
                code = values["code"]
                if code in seen_codes:
                    raise _error(
                        spec,
                        row_number,
                        "code",
                        _("%(code)r already appears in row %(row)d")
                        % {"code": code, "row": seen_codes[code]},
                    )
                seen_codes[code] = row_number
                rows.append(values)
    except UnicodeDecodeError:
        raise _error(spec, None, None, _("not UTF-8 text; save the file as CSV UTF-8")) from None
    return rows


# --- writing ---------------------------------------------------------------------------------


def _upsert(spec: FileSpec, rows: list[dict[str, Any]]) -> FileResult:
    """Create or update ``spec.model`` rows by code; write only the rows whose values changed."""
    result = FileResult(spec.file_name)
    existing = spec.model._default_manager.in_bulk([r["code"] for r in rows], field_name="code")
    for values in rows:
        obj = existing.get(values["code"])
        if obj is None:
            spec.model._default_manager.create(**values)
            result.created += 1
            continue
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.save(update_fields=changed)
            result.updated += 1
        else:
            result.unchanged += 1
    return result


def _fill_what_to_bring() -> None:
    for code, text in WHAT_TO_BRING_BY_TOPIC_CODE.items():
        Topic.objects.filter(code=code, what_to_bring="").update(what_to_bring=text)


def _ensure_defaults() -> list[str]:
    created = []
    _organiser, made = Organiser.objects.get_or_create(
        name=DEFAULT_ORGANISER_NAME, defaults={"kind": Organiser.Kind.CITY}
    )
    if made:
        created.append(_("organiser %(name)s") % {"name": DEFAULT_ORGANISER_NAME})
    # Only when no policy is active: the administrator's own active policy is never replaced.
    if not LoanPolicy.objects.filter(is_active=True).exists():
        LoanPolicy.objects.create(**DEFAULT_LOAN_POLICY)
        created.append(_("loan policy %(name)s") % {"name": DEFAULT_LOAN_POLICY["name"]})
    # The できること items and the KPI on them; an administrator's own wording is never replaced.
    items = skill_items_ensure()
    if items:
        created.append(_("%(count)d self-assessment items") % {"count": items})
    _kpi, made = Kpi.objects.get_or_create(code=SKILLS_KPI["code"], defaults=SKILLS_KPI)
    if made:
        created.append(_("KPI %(name)s") % {"name": SKILLS_KPI["name"]})
    return created


def program_data_load(*, directory: Path | str) -> LoadResult:
    """Load ``venues.csv``, ``curriculum.csv`` and ``kpis.csv`` from ``directory``.

    Venues, topics and KPIs are created or updated by code (rows not in the files are left
    alone). Also makes sure the default organiser (いわき市, city), an active loan policy, the
    default self-assessment items and the self-assessment KPI (``SKILLS_KPI``) exist, and fills ``what_to_bring`` of the My Number topics when blank.

    All files are parsed before anything is written, and the writes run in one transaction:
    on any error nothing is saved. Raises ProgramDataError (a ValidationError) naming the file,
    row and column.
    """
    directory = Path(directory)
    parsed = [(spec, read_program_file(spec, directory / spec.file_name)) for spec in FILE_SPECS]
    with transaction.atomic():
        result = LoadResult(files=[_upsert(spec, rows) for spec, rows in parsed])
        _fill_what_to_bring()
        result.created_defaults = _ensure_defaults()
    return result
