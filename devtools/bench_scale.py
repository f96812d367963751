"""The size of the benchmark data set, the database it lives in, and the row that says which.

One variable chooses the size for every bench command: ``BENCH_SCALE`` (default 1, the
city-scale set of 100,000 residents; 10 is a prefecture: a million residents). ``make bench``
passes it on and derives the database from it, so each size has its own database
(``scale_database_name``: ``bench`` for 1, ``bench_scale10`` for 10) and a later scale-1 run
never measures the million-resident set by accident.

``generate_city`` records the scale it generated in a one-row table, ``devtools_city_dataset``
(not a Django model: the product schema does not carry it). ``bench`` reads it and generates the
data set again when the scale found is not the one asked for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.core.management.base import CommandError
from django.db import connection

SCALE_VARIABLE = "BENCH_SCALE"
MARKER_TABLE = "devtools_city_dataset"
# Database names that belong to the bench family: a scale must use its own one.
_BENCH_PREFIX = "bench"


def bench_scale_default() -> float:
    """``BENCH_SCALE`` from the environment as a number (1.0 when unset). Raises CommandError
    naming the variable when it is not a positive number."""
    raw = os.environ.get(SCALE_VARIABLE, "").strip()
    if not raw:
        return 1.0
    try:
        scale = float(raw)
    except ValueError:
        raise CommandError(f"{SCALE_VARIABLE}={raw!r} is not a number (e.g. 1 or 10).") from None
    if scale <= 0:
        raise CommandError(f"{SCALE_VARIABLE} must be greater than 0, got {raw!r}.")
    return scale


def scale_label(scale: float) -> str:
    """``10.0`` -> ``"10"``, ``0.5`` -> ``"0.5"``: how a scale is printed and stored."""
    return f"{scale:g}"


def scale_database_name(scale: float) -> str:
    """The database a scale's data set lives in: ``bench`` for 1, ``bench_scale10`` for 10,
    ``bench_scale0_5`` for 0.5."""
    if scale == 1:
        return _BENCH_PREFIX
    return f"{_BENCH_PREFIX}_scale{scale_label(scale).replace('.', '_')}"


def database_check(scale: float) -> None:
    """Refuse to put (or measure) a scale's data set in another scale's bench database.

    Applies to PostgreSQL databases named ``bench`` or ``bench_scale...`` only; any other
    database is used as configured. Raises CommandError with the DATABASE_URL to use."""
    if connection.vendor != "postgresql":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if name != _BENCH_PREFIX and not name.startswith(f"{_BENCH_PREFIX}_scale"):
        return
    wanted = scale_database_name(scale)
    if name != wanted:
        raise CommandError(
            f"Scale {scale_label(scale)} has its own database {wanted!r}, but DATABASE_URL names "
            f"{name!r}. Use `make bench BENCH_SCALE={scale_label(scale)}` (it derives the "
            f"database), or set DATABASE_URL to .../{wanted}."
        )


@dataclass(frozen=True)
class DataSet:
    """What the marker row says about the generated data: its scale, seed and when."""

    scale: str
    seed: int
    generated_at: str
    seconds: float


def _ensure_table(cursor) -> None:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} ("
        "scale VARCHAR(20) NOT NULL, seed INTEGER NOT NULL, "
        "generated_at VARCHAR(40) NOT NULL, seconds DOUBLE PRECISION NOT NULL)"
    )


def dataset_read() -> DataSet | None:
    """The marker row of the current database, or None when no data set was recorded."""
    with connection.cursor() as cursor:
        _ensure_table(cursor)
        cursor.execute(f"SELECT scale, seed, generated_at, seconds FROM {MARKER_TABLE}")  # noqa: S608
        row = cursor.fetchone()
    return DataSet(*row) if row else None


def dataset_forget() -> None:
    """Remove the marker (before the data set is wiped or replaced)."""
    with connection.cursor() as cursor:
        _ensure_table(cursor)
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")  # noqa: S608


def dataset_record(*, scale: float, seed: int, generated_at: str, seconds: float) -> None:
    """Record that the current database holds the data set of ``scale`` (replacing any row)."""
    with connection.cursor() as cursor:
        _ensure_table(cursor)
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (scale, seed, generated_at, seconds) "  # noqa: S608
            "VALUES (%s, %s, %s, %s)",
            [scale_label(scale), seed, generated_at, seconds],
        )
