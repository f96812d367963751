"""SQL building blocks of the figures: age bands, month and day of a date, supporter minutes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Case, CharField, F, Func, IntegerField, Value, When
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext as _

from reports.figures.tables import _dec

# Age bands, oldest first as the city's forms list them; "unknown" when no birth date is recorded.
AGE_BANDS = (
    ("85+", 85, None),
    ("80-84", 80, 84),
    ("75-79", 75, 79),
    ("70-74", 70, 74),
    ("65-69", 65, 69),
    ("under 65", None, 64),
)
UNKNOWN = "unknown"


# --- SQL building blocks --------------------------------------------------------------------


def _month_day(field, tz: ZoneInfo | None = None):
    """month * 100 + day of a date (or of a datetime in ``tz``), a field name or an
    expression: 29 February is 229."""
    return ExtractMonth(field, tzinfo=tz) * 100 + ExtractDay(field, tzinfo=tz)


class _WholeYears(Func):
    """Whole years from the date ``born`` to the date ``on`` (expressions), as
    ``Resident.age_on`` counts them: a year more on each birthday, on 1 March in a common year
    for someone born on 29 February; NULL when ``born`` is NULL. An integer expression.

    On PostgreSQL the years of ``age(on, born)``, which counts whole years the same way (it
    takes a month back when the day of ``on`` comes before the day of ``born``, and a year back
    when the months are then negative). Elsewhere the difference of the years, one less while
    the month and day of ``on`` come before those of ``born``: the six EXTRACTs of that
    expression, in numeric arithmetic on PostgreSQL, took 2.4 s over the 740,000 attendances of
    a prefecture's fiscal year, ``age()`` 0.6 s."""

    output_field = IntegerField()

    def __init__(self, on, born):
        before_birthday: GreaterThan = GreaterThan(_month_day(born), _month_day(on))
        generic = (
            ExtractYear(on)
            - ExtractYear(born)
            - Case(When(before_birthday, then=Value(1)), default=Value(0))
        )
        super().__init__(on, born, generic)

    def as_sql(self, compiler, connection, *args, **extra_context):
        return compiler.compile(self.source_expressions[2])

    def as_postgresql(self, compiler, connection, **extra_context):
        on_sql, on_params = compiler.compile(self.source_expressions[0])
        born_sql, born_params = compiler.compile(self.source_expressions[1])
        # Both as timestamps without a time zone: the connection's time zone plays no part.
        sql = f"date_part('year', age(({on_sql})::timestamp, ({born_sql})::timestamp))::integer"
        return sql, [*on_params, *born_params]


def _band_when_case(age_field: str, birth_field: str) -> Case:
    whens = [When(**{f"{birth_field}__isnull": True}, then=Value(UNKNOWN))]
    for label, low, high in AGE_BANDS:
        if low is None:
            whens.append(When(**{f"{age_field}__lte": high}, then=Value(label)))
        else:
            whens.append(When(**{f"{age_field}__gte": low}, then=Value(label)))
    return Case(*whens, default=Value(UNKNOWN))


# The bands from youngest up, and the ages where each band after the first starts.
_BANDS_ASCENDING = tuple(reversed(AGE_BANDS))
_BAND_STARTS = tuple(low for _label, low, _high in _BANDS_ASCENDING if low is not None)
assert all(
    prev[2] is not None and prev[2] + 1 == nxt[1]
    for prev, nxt in zip(_BANDS_ASCENDING, _BANDS_ASCENDING[1:], strict=False)
), "AGE_BANDS must follow one another without gaps"


class _AgeBand(Func):
    """The age band (an ``AGE_BANDS`` key, or ``UNKNOWN`` without a birth date) of an age.

    On PostgreSQL one ``width_bucket`` over the age, computed once per row: the CASE of one
    WHEN per band repeated the age expression (six EXTRACTs in numeric arithmetic) for every
    band, which took 13 s of a fiscal-year report over three million registrations. Elsewhere
    the CASE."""

    output_field = CharField()

    def __init__(self, age_field: str, birth_field: str):
        super().__init__(F(age_field), F(birth_field), _band_when_case(age_field, birth_field))

    def as_sql(self, compiler, connection, *args, **extra_context):
        return compiler.compile(self.source_expressions[2])

    def as_postgresql(self, compiler, connection, **extra_context):
        age_sql, age_params = compiler.compile(self.source_expressions[0])
        birth_sql, birth_params = compiler.compile(self.source_expressions[1])
        labels = ", ".join(["%s"] * len(_BANDS_ASCENDING))
        starts = ", ".join(str(int(start)) for start in _BAND_STARTS)
        sql = (
            f"CASE WHEN ({birth_sql}) IS NULL THEN %s ELSE (ARRAY[{labels}]::text[])"
            f"[width_bucket(({age_sql})::integer, ARRAY[{starts}]) + 1] END"
        )
        params = [*birth_params, UNKNOWN, *(label for label, _lo, _hi in _BANDS_ASCENDING)]
        return sql, [*params, *age_params]


def _band_case(age_field: str, birth_field: str) -> Func:
    """The age band of the annotation ``age_field`` (whole years), ``UNKNOWN`` when
    ``birth_field`` is NULL."""
    return _AgeBand(age_field, birth_field)


def _band_labels() -> list[tuple[str, str]]:
    labels = [(key, _("under 65") if key == "under 65" else key) for key, _lo, _hi in AGE_BANDS]
    return labels + [(UNKNOWN, _("Birth date not recorded"))]


def _minutes(approved, span) -> Decimal:
    """Approved minutes plus a summed check-in span (a timedelta, or microseconds on SQLite)."""
    total = Decimal(approved or 0)
    if span:
        seconds = span.total_seconds() if isinstance(span, timedelta) else span / 1_000_000
        total += Decimal(str(seconds)) / 60
    return total


def _hours(minutes: Decimal) -> Decimal:
    return _dec(minutes / 60)
