"""Fast bulk writes for generated data: COPY on PostgreSQL, ``bulk_create`` elsewhere.

The city data set at scale 10 writes about five million rows. ``bulk_create`` spends most of
that time building model instances and INSERT statements; COPY (psycopg 3 ``cursor.copy``)
takes plain tuples. The rows carry explicit primary keys (``ids_reserve``), so later steps refer
to them without reading anything back.

``indexes_deferred`` drops the secondary indexes and foreign keys of the tables being filled and
builds them again at the end, in the same transaction: one index build per index instead of
one index update per row, and one join per foreign key instead of one lookup per row. The unique
indexes (one active loan per device, one registration per resident and session...) and foreign
keys are rebuilt and validated by PostgreSQL itself, so generated data that broke an invariant
fails the whole run rather than landing in the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice

from django.db import connection
from django.db.models import Model
from django.utils import timezone

# Rows per bulk_create call where there is no COPY (SQLite: small data sets only).
_BULK_CREATE_BATCH = 2000


def ids_reserve(model: type[Model], count: int) -> int:
    """Return the first of ``count`` primary keys free for ``model`` (max id + 1). The caller
    writes rows with these ids; ``bulk_write`` then moves the id sequence past them. Generated
    data is written by one process at a time: this is not safe against concurrent inserts."""
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX({pk}), 0) FROM {table}")  # noqa: S608 - names quoted
        return int(cursor.fetchone()[0]) + 1


def _defaults(model: type[Model], given: Sequence[str]) -> tuple[list[str], tuple]:
    """The columns of ``model`` not in ``given`` (field names) and the value each gets: its
    default, "now" for ``auto_now``/``auto_now_add``, else NULL."""
    now = timezone.now()
    columns, values = [], []
    fields = {f.name: f for f in model._meta.concrete_fields}
    unknown = set(given) - set(fields) - {f.attname for f in fields.values()}
    if unknown:
        raise ValueError(f"{model.__name__} has no field {sorted(unknown)}")
    given_set = set(given)
    for f in fields.values():
        if f.name in given_set or f.attname in given_set:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        else:
            value = f.get_default()
        columns.append(f.column)
        values.append(f.get_db_prep_save(value, connection))
    return columns, tuple(values)


def _column(model: type[Model], name: str) -> str:
    for f in model._meta.concrete_fields:
        if name in (f.name, f.attname):
            return f.column
    raise ValueError(f"{model.__name__} has no field {name!r}")


def bulk_write(model: type[Model], fields: Sequence[str], rows: Iterable[tuple]) -> int:
    """Write ``rows`` (tuples of values for ``fields``, field names, the primary key among them)
    into ``model``'s table; every other column gets its default. Returns the rows written.

    Values are plain Python values (str, int, bool, date, aware datetime, None). No ``save()``,
    no signals, no audit events: the caller fills what ``save()`` would (search keys...)."""
    if model._meta.pk.name not in fields and model._meta.pk.attname not in fields:
        raise ValueError("bulk_write needs explicit primary keys (see ids_reserve)")
    extra_columns, extra_values = _defaults(model, fields)
    if connection.vendor != "postgresql":
        return _bulk_create(model, fields, rows)
    quote = connection.ops.quote_name
    columns = [_column(model, name) for name in fields] + extra_columns
    table = quote(model._meta.db_table)
    statement = f"COPY {table} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    written = 0
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        write = copy.write_row
        for row in rows:
            write(row + extra_values)
            written += 1
    _sequence_past_max(model)
    return written


def _bulk_create(model: type[Model], fields: Sequence[str], rows: Iterable[tuple]) -> int:
    written = 0
    iterator: Iterator[tuple] = iter(rows)
    while chunk := list(islice(iterator, _BULK_CREATE_BATCH)):
        model._base_manager.bulk_create(
            [model(**dict(zip(fields, row, strict=True))) for row in chunk]
        )
        written += len(chunk)
    return written


def _sequence_past_max(model: type[Model]) -> None:
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, %s), "
            f"(SELECT COALESCE(MAX({connection.ops.quote_name(pk)}), 1) "  # noqa: S608
            f"FROM {connection.ops.quote_name(table)}))",
            [table, pk],
        )


@contextmanager
def indexes_deferred(models: Iterable[type[Model]], *, log=None):
    """Inside: the tables of ``models`` have only their primary key and UNIQUE constraints; the
    other indexes (partial unique indexes included) and their foreign keys are dropped, and built
    again on a clean exit (an exception leaves the rollback to the surrounding transaction, which
    must exist). PostgreSQL only; elsewhere it does nothing."""
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("indexes_deferred needs a transaction (it drops indexes)")
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid::regclass::text = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
            FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)
            """,
            [tables],
        )
        foreign_keys = cursor.fetchall()
        quote = connection.ops.quote_name
        for table, name, _ in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        # More memory for the sorts of the index builds, for this transaction only.
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        if log:
            log(f"{len(indexes)} indexes built")
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
        if log:
            log(f"{len(foreign_keys)} foreign keys checked")
