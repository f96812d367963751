"""Every figure of the monthly and fiscal-year reports, computed once and shared by PDF, CSV and
Excel so the three always agree.

``report_figures(period=..., scope=...)`` runs a fixed number of aggregate queries (GROUP BY with
conditional ``Count``/``Sum``; no loop over registrations or loans in Python) and returns a
frozen ``ReportFigures``: sections of tables of rows of values. ``suppress(figures, threshold)``
turns it into the published version, where small counts of people are hidden.

Definitions (also printed in the report's notes, see ``NOTES``):

- Times are Asia/Tokyo. A period is two dates, both inclusive. A session belongs to the period
  when it starts in it; it is *held* when it is not cancelled and has started by ``as_of`` (the
  time the report is made); later ones in the period are *planned*.
- Attendances: registrations marked attended on held sessions, plus the walk-ins salons count
  without names (``Session.walk_in_count``, shown separately, not in breakdowns by person).
- Age bands of attendances use the age on the session's date; those of unique residents the age
  on the period's last day. Age counts whole years as ``Resident.age_on`` does: a resident born
  on 29 February turns a year older on 1 March in a common year.
- First-time residents: residents who attended in the period and had never attended any held
  session of the program (any venue, any organiser) before the period started.
- Loans are dated by start and end; the end of a returned loan is its return date, of a lost loan
  its return date or, when none was recorded, its due date. Active at the period's end: started
  by then and not ended by then. Overdue: active at the period's end with the due date before it.
  Renewals: the renewals recorded on loans that ran during the period. Own-device share: loans
  ended in the period whose outcome is "bought own device", among those ended with an outcome.
- Supporter hours: the approved minutes where the coordinator approved the hours, else the
  check-in to check-out span, else 0, over proposed or confirmed assignments of held sessions.
  Unfilled slots: per held session, supporters needed minus proposed or confirmed assignments,
  never below 0.
"""

from __future__ import annotations

import dataclasses
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from classes.models import Consultation, Registration, Session
from loans.models import Loan, LoanCheckIn
from reports.models import Kpi
from residents.models import Household, Resident
from volunteers.models import Assignment, Supporter

TOKYO = ZoneInfo("Asia/Tokyo")
DASH = "—"

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

NOTES = (
    gettext_lazy(
        "Times are Japan time. A session counts in the period it starts in; held means not "
        "cancelled and started by the time this report was made."
    ),
    gettext_lazy(
        "Attendances are residents marked attended, plus walk-ins counted without names at "
        "salons (only in the totals)."
    ),
    gettext_lazy(
        "Age bands: attendances by age on the session date; unique and first-time residents by "
        "age on the last day of the period. Someone born on 29 February turns a year older on "
        "1 March in a common year."
    ),
    gettext_lazy(
        "First-time residents had never attended any session of the program before the period."
    ),
    gettext_lazy(
        "A lost loan without a return date ends on its due date. Renewals are those recorded on "
        "loans that ran during the period. The own-device share counts loans ended in the period "
        "with a recorded outcome."
    ),
    gettext_lazy(
        "Supporter hours: approved minutes where the coordinator approved them, else the time "
        "from check-in to check-out, else none. Unfilled slots: supporters needed minus those "
        "proposed or confirmed, per held session, never below zero."
    ),
)


# --- periods and scope ----------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Two local (Asia/Tokyo) dates, both inclusive."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("A period cannot end before it starts.")

    @property
    def start_at(self) -> datetime:
        """Aware datetime of the first moment of the period (00:00 JST on ``start``)."""
        return datetime.combine(self.start, time.min, tzinfo=TOKYO)

    @property
    def end_before(self) -> datetime:
        """Aware datetime just after the period (00:00 JST on the day after ``end``)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=TOKYO)

    @property
    def fiscal_year(self) -> int:
        """The fiscal year (年度) the period starts in."""
        return fiscal_year_of(self.start)

    def label(self) -> str:
        """How the period is printed: "FY2027 (2027-04-01 to 2028-03-31)" (translated) for a
        fiscal year, "2028-02" for a calendar month, else "start – end" (ISO dates)."""
        if self == fiscal_year_period(self.fiscal_year):
            return _("FY%(year)d (%(start)s to %(end)s)") % {
                "year": self.fiscal_year,
                "start": self.start.isoformat(),
                "end": self.end.isoformat(),
            }
        if self.start.day == 1 and self == month_period(self.start.year, self.start.month):
            return f"{self.start:%Y-%m}"
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def fiscal_year_of(day: date) -> int:
    """The Japanese fiscal year (年度) containing ``day``: FY N runs 1 April N to 31 March N+1."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_period(year: int) -> Period:
    """FY ``year``: 1 April ``year`` to 31 March ``year + 1``."""
    return Period(date(year, 4, 1), date(year + 1, 3, 31))


def month_period(year: int, month: int) -> Period:
    """The calendar month; raises ValueError for a month outside 1..12."""
    return Period(date(year, month, 1), date(year, month, monthrange(year, month)[1]))


def months_of(period: Period) -> list[tuple[int, int]]:
    """(year, month) of every month the period touches, in order."""
    months = []
    y, m = period.start.year, period.start.month
    while (y, m) <= (period.end.year, period.end.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


@dataclass(frozen=True)
class Scope:
    """What the report covers: the whole program, one venue or one organiser."""

    PROGRAM = "program"
    VENUE = "venue"
    ORGANISER = "organiser"

    kind: str = PROGRAM
    pk: int | None = None
    name: str = ""

    def session_q(self, prefix: str = "") -> Q:
        """Condition on sessions (reached through ``prefix``, e.g. ``"session__"``)."""
        if self.kind == self.VENUE:
            return Q(**{f"{prefix}venue_id": self.pk})
        if self.kind == self.ORGANISER:
            return Q(**{f"{prefix}organiser_id": self.pk})
        return Q()

    def label(self) -> str:
        """How the scope is printed, translated: "Whole program", "Venue: <name>"..."""
        if self.kind == self.PROGRAM:
            return _("Whole program")
        if self.kind == self.VENUE:
            return _("Venue: %(name)s") % {"name": self.name}
        return _("Organiser: %(name)s") % {"name": self.name}


# --- the figures object ---------------------------------------------------------------------

Number = int | Decimal


@dataclass(frozen=True)
class Suppressed:
    """A count hidden in the published report because it is below the threshold."""

    threshold: int

    def __str__(self) -> str:
        return f"<{self.threshold}"


CellValue = int | Decimal | str | None | Suppressed


@dataclass(frozen=True)
class Row:
    """One line of a table: its label and one value per column.

    ``people``: the row's counts are counts of residents (or their visits, loans, check-ins),
    so the published report suppresses the small ones. ``derived_from``: keys of rows of the
    same table this row is worked out from (a share of a count): where one of them is hidden,
    so is this row's cell, else it would give the hidden count away.
    """

    label: str
    values: tuple[CellValue, ...]
    people: bool = True
    key: str = ""
    derived_from: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """A table of a section. ``people_columns``: indexes of the columns that count residents.
    ``additive``: the rows partition the total row, so one hidden cell could be worked out by
    subtraction (secondary suppression applies). ``derived_columns``: (derived, source) column
    index pairs; in a row where the source cell is hidden, the derived one is too (a KPI's
    achievement with its actual). ``chart``: "bar" or "pie" for the PDF."""

    key: str
    title: str
    label_header: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    total: Row | None = None
    people_columns: frozenset[int] = frozenset()
    additive: bool = False
    derived_columns: tuple[tuple[int, int], ...] = ()
    chart: str = ""
    chart_column: int = 0
    note: str = ""

    def all_rows(self) -> tuple[Row, ...]:
        """The rows followed by the total row, if any."""
        return self.rows + ((self.total,) if self.total is not None else ())


@dataclass(frozen=True)
class Section:
    """A part of the report (sessions, participants...): its tables and an optional note."""

    key: str
    title: str
    tables: tuple[Table, ...]
    note: str = ""


@dataclass(frozen=True)
class ReportFigures:
    """Everything a report prints. ``threshold``: None for the internal version, else the
    suppression threshold applied (counts 1..threshold-1 are hidden)."""

    period: Period
    scope: Scope
    as_of: datetime
    sections: tuple[Section, ...]
    threshold: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def section(self, key: str) -> Section:
        """The section with ``key``; raises StopIteration when there is none."""
        return next(s for s in self.sections if s.key == key)

    def table(self, key: str) -> Table:
        """The table with ``key``, in any section; raises StopIteration when there is none."""
        return next(t for s in self.sections for t in s.tables if t.key == key)

    def value(self, table_key: str, row_key: str, column: int = 0) -> CellValue:
        """One cell, by table key, row key (or label) and column index: for tests and KPIs."""
        for row in self.table(table_key).all_rows():
            if row.key == row_key or (not row.key and row.label == row_key):
                return row.values[column]
        raise KeyError(f"{table_key}/{row_key}")


def format_value(value: CellValue) -> str:
    """The text a cell shows in the PDF and the CSV: ``1234`` -> ``"1234"``, None -> ``"—"``,
    Decimal with its places, a suppressed count as ``"<5"``."""
    if value is None:
        return DASH
    return str(value)


def _dec(value, places: str = "0.1") -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _percent(part, whole) -> Decimal | None:
    if not whole or part is None:
        return None
    return _dec(Decimal(part) * 100 / Decimal(whole))


# --- SQL building blocks --------------------------------------------------------------------


def _month_day(field_name: str, tz: ZoneInfo | None = None):
    """month * 100 + day of a date (or of a datetime in ``tz``): 29 February is 229."""
    kwargs = {"tzinfo": tz} if tz else {}
    return ExtractMonth(field_name, **kwargs) * 100 + ExtractDay(field_name, **kwargs)


def _band_case(age_field: str, birth_field: str) -> Case:
    whens = [When(**{f"{birth_field}__isnull": True}, then=Value(UNKNOWN))]
    for label, low, high in AGE_BANDS:
        if low is None:
            whens.append(When(**{f"{age_field}__lte": high}, then=Value(label)))
        else:
            whens.append(When(**{f"{age_field}__gte": low}, then=Value(label)))
    return Case(*whens, default=Value(UNKNOWN))


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


# --- the computation ------------------------------------------------------------------------


class _Builder:
    """Runs the queries of one report. Each method adds a section; queries are fixed in number."""

    def __init__(self, period: Period, scope: Scope, as_of: datetime) -> None:
        self.period = period
        self.scope = scope
        self.as_of = as_of
        self.held_until = min(period.end_before, as_of)

    # Conditions on sessions, through ``prefix``.
    def in_period(self, prefix: str = "") -> Q:
        return Q(
            **{f"{prefix}starts_at__gte": self.period.start_at},
            **{f"{prefix}starts_at__lt": self.period.end_before},
        ) & self.scope.session_q(prefix)

    def held(self, prefix: str = "") -> Q:
        return (
            self.in_period(prefix)
            & Q(**{f"{prefix}status": Session.Status.SCHEDULED})
            & Q(**{f"{prefix}starts_at__lt": self.held_until})
        )

    # ---- sessions ----

    def sessions(self) -> Section:
        attended = Q(attendance=Registration.Attendance.ATTENDED) & ~Q(
            status=Registration.Status.CANCELLED
        )
        registered = Q(status=Registration.Status.REGISTERED)
        planned = (
            self.in_period()
            & Q(status=Session.Status.SCHEDULED)
            & Q(starts_at__gte=self.held_until)
        )
        s = Session.objects.filter(self.in_period()).aggregate(
            held=Count("id", filter=self.held()),
            planned=Count("id", filter=planned),
            cancelled=Count("id", filter=Q(status=Session.Status.CANCELLED)),
            seats=Sum("seats", filter=self.held()),
            walk_ins=Sum("walk_in_count", filter=self.held()),
        )
        r = Registration.objects.filter(self.held("session__")).aggregate(
            filled=Count("id", filter=registered & Q(session__seats__isnull=False)),
            waitlisted=Count("id", filter=Q(status=Registration.Status.WAITLISTED)),
            attended=Count("id", filter=attended),
            no_shows=Count("id", filter=registered & Q(attendance=Registration.Attendance.ABSENT)),
            named_walk_ins=Count("id", filter=attended & Q(is_walk_in=True)),
        )
        self.totals = {"sessions_held": s["held"], "attended": r["attended"]}
        self.totals["walk_ins_counted"] = s["walk_ins"] or 0
        summary = Table(
            key="sessions_summary",
            title=_("Sessions"),
            label_header=_("Figure"),
            columns=(_("Value"),),
            people_columns=frozenset({0}),
            rows=(
                Row(_("Sessions held"), (s["held"],), people=False, key="held"),
                Row(_("Sessions planned later in the period"), (s["planned"],), False, "planned"),
                Row(_("Sessions cancelled"), (s["cancelled"],), people=False, key="cancelled"),
                Row(_("Seats offered"), (s["seats"] or 0,), people=False, key="seats_offered"),
                Row(_("Seats filled"), (r["filled"],), key="seats_filled"),
                Row(
                    _("Seat fill rate (%)"),
                    (_percent(r["filled"], s["seats"]),),
                    people=False,
                    key="fill",
                    derived_from=("seats_filled",),
                ),
                Row(_("Still on a waitlist"), (r["waitlisted"],), key="waitlisted"),
                Row(_("No-shows"), (r["no_shows"],), key="no_shows"),
                Row(_("Attendances (named)"), (r["attended"],), key="attended"),
                Row(_("of which walk-ins (named)"), (r["named_walk_ins"],), key="named_walk_ins"),
                Row(_("Walk-ins counted without names"), (s["walk_ins"] or 0,), key="walk_ins"),
                Row(
                    _("Attendances in total"),
                    (r["attended"] + (s["walk_ins"] or 0),),
                    key="attendances_total",
                ),
            ),
        )
        tables = [summary]
        kind_labels = dict(Session.Kind.choices)
        dims = [
            ("kind", ("kind",), lambda v: str(kind_labels.get(v["kind"], v["kind"])), "bar"),
            (
                "venue",
                ("venue_id", "venue__name"),
                lambda v: v["venue__name"] or _("Away from a venue (caravan)"),
                "",
            ),
            (
                "topic",
                ("topic_id", "topic__code", "topic__title"),
                lambda v: (
                    f"{v['topic__code']} {v['topic__title']}" if v["topic_id"] else _("No topic")
                ),
                "",
            ),
        ]
        titles = {
            "kind": (_("Sessions by kind"), _("Kind")),
            "venue": (_("Sessions by venue"), _("Venue")),
            "topic": (_("Sessions by topic"), _("Topic")),
        }
        columns = (
            _("Held"),
            _("Seats offered"),
            _("Seats filled"),
            _("Attendances (named)"),
            _("Walk-ins counted"),
            _("No-shows"),
        )
        for key, fields, label_of, chart in dims:
            tables.append(
                self._session_dimension(
                    key, fields, label_of, titles[key], columns, chart, attended, registered
                )
            )
        self.month_table = self._months(attended)
        return Section("sessions", _("Sessions held"), tuple(tables))

    def _session_dimension(self, key, fields, label_of, titles, columns, chart, attended, reg):
        sessions = (
            Session.objects.filter(self.held())
            .values(*fields)
            .annotate(held=Count("id"), seats=Sum("seats"), walk_ins=Sum("walk_in_count"))
            .order_by(*fields)
        )
        reg_fields = tuple(f"session__{f}" for f in fields)
        registrations = {
            tuple(v[f] for f in reg_fields): v
            for v in Registration.objects.filter(self.held("session__"))
            .values(*reg_fields)
            .annotate(
                filled=Count("id", filter=reg & Q(session__seats__isnull=False)),
                attended=Count("id", filter=attended),
                no_shows=Count("id", filter=reg & Q(attendance=Registration.Attendance.ABSENT)),
            )
            .order_by()
        }
        rows = []
        sums = [0] * 6
        for v in sessions:
            regs = registrations.get(tuple(v[f] for f in fields), {})
            values = (
                v["held"],
                v["seats"] or 0,
                regs.get("filled", 0),
                regs.get("attended", 0),
                v["walk_ins"] or 0,
                regs.get("no_shows", 0),
            )
            sums = [a + b for a, b in zip(sums, values, strict=True)]
            rows.append(Row(str(label_of(v)), values, key=str(v[fields[0]])))
        rows.sort(key=lambda row: (-row.values[0], row.label))
        return Table(
            key=f"sessions_by_{key}",
            title=titles[0],
            label_header=titles[1],
            columns=columns,
            rows=tuple(rows),
            total=Row(_("Total"), tuple(sums), key="total"),
            people_columns=frozenset({2, 3, 4, 5}),
            additive=True,
            chart=chart,
        )

    def _months(self, attended: Q) -> Table:
        year, month = (
            ExtractYear("starts_at", tzinfo=TOKYO),
            ExtractMonth("starts_at", tzinfo=TOKYO),
        )
        sessions = {
            (v["y"], v["m"]): v
            for v in Session.objects.filter(self.held())
            .annotate(y=year, m=month)
            .values("y", "m")
            .annotate(held=Count("id"), walk_ins=Sum("walk_in_count"))
            .order_by()
        }
        ryear = ExtractYear("session__starts_at", tzinfo=TOKYO)
        rmonth = ExtractMonth("session__starts_at", tzinfo=TOKYO)
        regs = {
            (v["y"], v["m"]): v["attended"]
            for v in Registration.objects.filter(self.held("session__"))
            .annotate(y=ryear, m=rmonth)
            .values("y", "m")
            .annotate(attended=Count("id", filter=attended))
            .order_by()
        }
        rows = []
        sums = [0, 0, 0, 0]
        for y, m in months_of(self.period):
            s = sessions.get((y, m), {})
            named = regs.get((y, m), 0)
            walk = s.get("walk_ins") or 0
            values = (s.get("held", 0), named, walk, named + walk)
            sums = [a + b for a, b in zip(sums, values, strict=True)]
            rows.append(Row(f"{y}-{m:02d}", values, key=f"{y}-{m:02d}"))
        return Table(
            key="attendance_by_month",
            title=_("Attendance by month"),
            label_header=_("Month"),
            columns=(
                _("Sessions held"),
                _("Attendances (named)"),
                _("Walk-ins counted"),
                _("Attendances in total"),
            ),
            rows=tuple(rows),
            total=Row(_("Total"), tuple(sums), key="total"),
            people_columns=frozenset({1, 2, 3}),
            additive=True,
            chart="bar",
            chart_column=3,
        )

    # ---- participants ----

    def participants(self) -> Section:
        attended_regs = Registration.objects.filter(
            self.held("session__"),
            attendance=Registration.Attendance.ATTENDED,
        ).exclude(status=Registration.Status.CANCELLED)
        # Attendances by (age band on the session date, district, household): one query.
        session_md = _month_day("session__starts_at", TOKYO)
        birth_md = _month_day("resident__birth_date")
        age = ExpressionWrapper(
            ExtractYear("session__starts_at", tzinfo=TOKYO)
            - ExtractYear("resident__birth_date")
            - Case(When(Q(_bmd__gt=F("_smd")), then=Value(1)), default=Value(0)),
            output_field=IntegerField(),
        )
        visits = list(
            attended_regs.annotate(_smd=session_md, _bmd=birth_md)
            .annotate(_age=age)
            .annotate(band=_band_case("_age", "resident__birth_date"))
            .values("band", "resident__district", "resident__household")
            .annotate(n=Count("id"))
            .order_by()
        )
        # Unique and first-time residents by (age band on the period's last day, district,
        # household): one query over the residents who attended.
        end = self.period.end
        end_md = end.month * 100 + end.day
        before = Registration.objects.filter(
            resident_id=OuterRef("pk"),
            attendance=Registration.Attendance.ATTENDED,
            session__status=Session.Status.SCHEDULED,
            session__starts_at__lt=self.period.start_at,
        ).exclude(status=Registration.Status.CANCELLED)
        res_age = ExpressionWrapper(
            Value(end.year)
            - ExtractYear("birth_date")
            - Case(When(Q(_bmd__gt=end_md), then=Value(1)), default=Value(0)),
            output_field=IntegerField(),
        )
        people = list(
            Resident.objects.filter(pk__in=attended_regs.values("resident_id"))
            .annotate(_bmd=_month_day("birth_date"))
            .annotate(_age=res_age, _before=Exists(before))
            .annotate(band=_band_case("_age", "birth_date"))
            .values("band", "district", "household")
            .annotate(unique=Count("id"), first=Count("id", filter=Q(_before=False)))
            .order_by()
        )
        self.totals["unique"] = sum(p["unique"] for p in people)
        self.totals["first_time"] = sum(p["first"] for p in people)

        household_labels = dict(Household.choices)
        dims = (
            (
                "age_band",
                _("Participants by age band"),
                _("Age band"),
                "band",
                "band",
                _band_labels(),
            ),
            (
                "district",
                _("Participants by district"),
                _("District"),
                "resident__district",
                "district",
                None,
            ),
            (
                "household",
                _("Participants by household"),
                _("Household"),
                "resident__household",
                "household",
                [(k, str(v)) for k, v in household_labels.items() if k] + [("", _("Not recorded"))],
            ),
        )
        columns = (_("Attendances"), _("Unique residents"), _("First-time residents"))
        tables = [
            Table(
                key="participants_summary",
                title=_("Participants"),
                label_header=_("Figure"),
                columns=(_("Value"),),
                people_columns=frozenset({0}),
                rows=(
                    Row(_("Attendances (named)"), (self.totals["attended"],), key="attended"),
                    Row(_("Unique residents"), (self.totals["unique"],), key="unique"),
                    Row(_("First-time residents"), (self.totals["first_time"],), key="first_time"),
                ),
            )
        ]
        for key, title, header, visit_field, person_field, order in dims:
            counts: dict[str, list[int]] = {}
            # Rolling the grouped rows up by one dimension: a handful of rows, not one per visit.
            for v in visits:
                counts.setdefault(v[visit_field] or "", [0, 0, 0])[0] += v["n"]
            for p in people:
                c = counts.setdefault(p[person_field] or "", [0, 0, 0])
                c[1] += p["unique"]
                c[2] += p["first"]
            if order is None:
                keys = sorted(k for k in counts if k)
                order = [(k, k) for k in keys] + [("", _("Not recorded"))]
            rows = [
                Row(label, tuple(counts.get(k, [0, 0, 0])), key=k or "-")
                for k, label in order
                if k in counts or key == "age_band"
            ]
            tables.append(
                Table(
                    key=f"participants_by_{key}",
                    title=title,
                    label_header=header,
                    columns=columns,
                    rows=tuple(rows),
                    total=Row(
                        _("Total"),
                        (
                            self.totals["attended"],
                            self.totals["unique"],
                            self.totals["first_time"],
                        ),
                        key="total",
                    ),
                    people_columns=frozenset({0, 1, 2}),
                    additive=True,
                    chart="bar" if key == "age_band" else "",
                    chart_column=1,
                )
            )
        return Section("participants", _("Participants"), tuple(tables))

    # ---- consultations ----

    def consultations(self) -> Section:
        rows_by_category = {
            v["category"]: v
            for v in Consultation.objects.filter(self.held("session__"))
            .values("category")
            .annotate(n=Count("id"), resolved=Count("id", filter=Q(resolved=True)))
            .order_by()
        }
        rows = []
        total = [0, 0]
        for value, label in Consultation.Category.choices:
            v = rows_by_category.get(value, {"n": 0, "resolved": 0})
            total = [total[0] + v["n"], total[1] + v["resolved"]]
            rows.append(Row(str(label), (v["n"], v["resolved"]), key=value or "-"))
        return Section(
            "consultations",
            _("Consultations"),
            (
                Table(
                    key="consultations_by_category",
                    title=_("Consultations by category"),
                    label_header=_("Category"),
                    columns=(_("Consultations"), _("Resolved")),
                    rows=tuple(rows),
                    total=Row(_("Total"), tuple(total), key="total"),
                    people_columns=frozenset({0, 1}),
                    additive=True,
                ),
            ),
        )

    # ---- loans ----

    def loans(self) -> Section:
        if self.scope.kind == Scope.ORGANISER:
            self.totals.update(loans_started=None, own_share=None)
            return Section(
                "loans",
                _("Device loans"),
                (),
                note=_("Loans belong to venues, not to organisers: not shown for an organiser."),
            )
        start, end = self.period.start, self.period.end
        loans = Loan.objects.all()
        if self.scope.kind == Scope.VENUE:
            loans = loans.filter(venue_id=self.scope.pk)
        ended = ~Q(status=Loan.Status.ACTIVE)
        ends_on = Coalesce("returned_on", "due_date")
        loans = loans.annotate(_ends_on=ends_on)
        ended_in = ended & Q(_ends_on__gte=start, _ends_on__lte=end)
        active_at_end = Q(start_date__lte=end) & (
            Q(status=Loan.Status.ACTIVE) | (ended & Q(_ends_on__gt=end))
        )
        ran = Q(start_date__lte=end) & (Q(status=Loan.Status.ACTIVE) | Q(_ends_on__gte=start))
        with_outcome = ended_in & ~Q(outcome__in=[Loan.Outcome.NONE, Loan.Outcome.EXTENDED])
        a = loans.aggregate(
            active=Count("id", filter=active_at_end),
            started=Count("id", filter=Q(start_date__gte=start, start_date__lte=end)),
            returned=Count("id", filter=ended_in & Q(status=Loan.Status.RETURNED)),
            lost=Count("id", filter=ended_in & Q(status=Loan.Status.LOST)),
            overdue=Count("id", filter=active_at_end & Q(due_date__lt=end)),
            renewal_sum=Sum("renewals", filter=ran),
            renewed=Count("id", filter=ran & Q(renewals__gt=0)),
            with_outcome=Count("id", filter=with_outcome),
            own=Count("id", filter=ended_in & Q(outcome=Loan.Outcome.OWN_DEVICE)),
        )
        own_share = _percent(a["own"], a["with_outcome"])
        self.totals.update(loans_started=a["started"], own_share=own_share)
        summary = Table(
            key="loans_summary",
            title=_("Device loans"),
            label_header=_("Figure"),
            columns=(_("Value"),),
            people_columns=frozenset({0}),
            rows=(
                Row(_("Active at the end of the period"), (a["active"],), key="active"),
                Row(_("Started"), (a["started"],), key="started"),
                Row(_("Returned"), (a["returned"],), key="returned"),
                Row(_("Lost"), (a["lost"],), key="lost"),
                Row(_("Overdue at the end of the period"), (a["overdue"],), key="overdue"),
                Row(_("Renewals"), (a["renewal_sum"] or 0,), key="renewals"),
                Row(_("Loans renewed at least once"), (a["renewed"],), key="renewed"),
                Row(
                    _("Share ending with an own device (%)"),
                    (own_share,),
                    people=False,
                    key="own_share",
                ),
            ),
        )
        outcomes = {
            v["outcome"]: v["n"]
            for v in loans.filter(ended_in).values("outcome").annotate(n=Count("id")).order_by()
        }
        outcome_rows = tuple(
            Row(str(label), (outcomes.get(value, 0),), key=value or "-")
            for value, label in Loan.Outcome.choices
        )
        outcome_table = Table(
            key="loans_by_outcome",
            title=_("Outcomes of loans ended in the period"),
            label_header=_("Outcome"),
            columns=(_("Loans"),),
            rows=outcome_rows,
            total=Row(_("Total"), (sum(outcomes.values()),), key="total"),
            people_columns=frozenset({0}),
            additive=True,
        )
        check_ins = LoanCheckIn.objects.filter(on__gte=start, on__lte=end)
        if self.scope.kind == Scope.VENUE:
            check_ins = check_ins.filter(loan__venue_id=self.scope.pk)
        functions = list(LoanCheckIn.Function.choices)

        def uses(value: str) -> Q:
            return (
                Q(functions_used=value)
                | Q(functions_used__startswith=f"{value},")
                | Q(functions_used__endswith=f",{value}")
                | Q(functions_used__contains=f",{value},")
            )

        aggregates = {
            "n": Count("id"),
            "avg": Avg("satisfaction"),
            **{f"s{i}": Count("id", filter=Q(satisfaction=i)) for i in range(1, 6)},
            **{f"f_{value}": Count("id", filter=uses(value)) for value, _label in functions},
        }
        c = check_ins.aggregate(**aggregates)
        follow_up = Table(
            key="loan_follow_ups",
            title=_("Follow-up check-ins"),
            label_header=_("Answer"),
            columns=(_("Check-ins"),),
            people_columns=frozenset({0}),
            rows=(
                Row(_("Check-ins in the period"), (c["n"],), key="check_ins"),
                Row(
                    _("Average satisfaction (1-5)"),
                    (_dec(c["avg"], "0.01"),),
                    people=False,
                    key="satisfaction_avg",
                ),
                *(
                    Row(_("Satisfaction %(n)d") % {"n": i}, (c[f"s{i}"],), key=f"satisfaction_{i}")
                    for i in range(5, 0, -1)
                ),
                *(
                    Row(_("Uses: %(f)s") % {"f": label}, (c[f"f_{value}"],), key=f"uses_{value}")
                    for value, label in functions
                ),
            ),
        )
        return Section("loans", _("Device loans"), (summary, outcome_table, follow_up))

    # ---- supporters ----

    def supporters(self) -> Section:
        active = Q(status__in=Assignment.ACTIVE_STATUSES)
        approved = Q(hours_approved_at__isnull=False, approved_minutes__isnull=False)
        spanned = ~approved & Q(checked_in_at__isnull=False, checked_out_at__isnull=False)
        span = ExpressionWrapper(F("checked_out_at") - F("checked_in_at"), DurationField())
        assignments = Assignment.objects.filter(self.held("session__")).filter(active)
        aggregates = {
            "supporters": Count("supporter_id", distinct=True),
            "sessions": Count("session_id", distinct=True),
            "approved": Sum("approved_minutes", filter=approved),
            "span": Sum(span, filter=spanned),
        }
        kind_labels = dict(Supporter.Kind.choices)
        by_kind = list(
            assignments.values("supporter__kind").annotate(**aggregates).order_by("supporter__kind")
        )
        by_org = list(
            assignments.values("supporter__organisation")
            .annotate(**aggregates)
            .order_by("supporter__organisation")
        )
        total = assignments.aggregate(**aggregates)
        total_hours = _hours(_minutes(total["approved"], total["span"]))
        self.totals["supporter_hours"] = total_hours

        def rows(groups, field_name, label_of):
            return tuple(
                Row(
                    label_of(g[field_name]),
                    (g["supporters"], g["sessions"], _hours(_minutes(g["approved"], g["span"]))),
                    people=False,
                    key=g[field_name] or "-",
                )
                for g in groups
            )

        columns = (_("Supporters"), _("Sessions staffed"), _("Hours"))
        total_row = Row(
            _("Total"),
            (total["supporters"], total["sessions"], total_hours),
            people=False,
            key="total",
        )
        # Unfilled slots: per held session, needed minus active assignments, floored at 0.
        active_count = (
            Assignment.objects.filter(
                session_id=OuterRef("pk"), status__in=Assignment.ACTIVE_STATUSES
            )
            .order_by()
            .values("session_id")
            .annotate(n=Count("id"))
            .values("n")
        )
        kind_slots = list(
            Session.objects.filter(self.held())
            .annotate(_active=Coalesce(Subquery(active_count), 0))
            .values("kind")
            .annotate(
                needed=Sum("supporters_needed"),
                unfilled=Sum(
                    Case(
                        When(
                            supporters_needed__gt=F("_active"),
                            then=F("supporters_needed") - F("_active"),
                        ),
                        default=Value(0),
                        output_field=IntegerField(),
                    )
                ),
            )
            .order_by("kind")
        )
        session_kinds = dict(Session.Kind.choices)
        slot_rows = tuple(
            Row(
                str(session_kinds.get(k["kind"], k["kind"])),
                (k["needed"] or 0, (k["needed"] or 0) - (k["unfilled"] or 0), k["unfilled"] or 0),
                people=False,
                key=k["kind"],
            )
            for k in kind_slots
        )
        slot_sums = tuple(sum(r.values[i] for r in slot_rows) for i in range(3))
        self.totals["unfilled"] = slot_sums[2]
        return Section(
            "supporters",
            _("Supporters"),
            (
                Table(
                    key="supporters_by_kind",
                    title=_("Supporters by kind"),
                    label_header=_("Kind"),
                    columns=columns,
                    rows=rows(by_kind, "supporter__kind", lambda v: str(kind_labels.get(v, v))),
                    total=total_row,
                ),
                Table(
                    key="supporters_by_organisation",
                    title=_("Supporters by school or organisation"),
                    label_header=_("School or organisation"),
                    columns=columns,
                    rows=rows(by_org, "supporter__organisation", lambda v: v or _("None")),
                    total=total_row,
                ),
                Table(
                    key="supporter_slots",
                    title=_("Supporter slots by session kind"),
                    label_header=_("Kind"),
                    columns=(_("Needed"), _("Filled"), _("Unfilled")),
                    rows=slot_rows,
                    total=Row(_("Total"), slot_sums, people=False, key="total"),
                ),
            ),
        )

    # ---- KPIs ----

    def kpis(self) -> Section:
        from reports.models import KpiTarget

        fy = self.period.fiscal_year
        kpis = Kpi.objects.annotate(
            year_target=Subquery(
                KpiTarget.objects.filter(kpi_id=OuterRef("pk"), fiscal_year=fy).values(
                    "target_value"
                )[:1]
            )
        ).order_by("id")
        held_classes = self.totals.get("classes_held")
        actuals = {
            "classes_held": held_classes,
            "participants_unique": self.totals.get("unique"),
            "loans_started": self.totals.get("loans_started"),
            "loan_ownership_rate": self.totals.get("own_share"),
            "supporter_hours": self.totals.get("supporter_hours"),
        }
        people_kpis = {"participants_unique", "loans_started"}
        # The English name where one is recorded, for a report made in English.
        english = not (get_language() or "ja").startswith("ja")
        rows = []
        for kpi in kpis:
            target = kpi.year_target
            if target is None and kpi.target_fy == fy:
                target = kpi.target_value
            baseline = (
                f"{_plain(kpi.baseline_value)} (FY{kpi.baseline_fy})"
                if kpi.baseline_value is not None and kpi.baseline_fy
                else _plain(kpi.baseline_value)
            )
            actual = actuals.get(kpi.code)
            achievement = _percent(actual, target) if actual is not None else None
            rows.append(
                Row(
                    kpi.name_en if english and kpi.name_en else kpi.name,
                    (kpi.unit, baseline, _plain(target), actual, achievement),
                    people=kpi.code in people_kpis,
                    key=kpi.code,
                )
            )
        unknown = [r.label for r in rows if r.key not in actuals]
        note = ""
        if unknown:
            note = _("Not computed from the program's data (shown as —): %(names)s") % {
                "names": "、".join(unknown)
            }
        return Section(
            "kpis",
            _("KPIs"),
            (
                Table(
                    key="kpis",
                    title=_("KPI: target and actual for FY%(year)d") % {"year": fy},
                    label_header=_("Indicator"),
                    columns=(
                        _("Unit"),
                        _("Baseline"),
                        _("Target for the year"),
                        _("Actual"),
                        _("Achievement (%)"),
                    ),
                    rows=tuple(rows),
                    people_columns=frozenset({3}),
                    derived_columns=((4, 3),),
                    note=note,
                ),
            ),
            note=_(
                "Achievement is the actual of this report's period divided by the target for the "
                "fiscal year (the administrator's target, else the plan's target for that year)."
            ),
        )


def _plain(value) -> Decimal | None:
    """A stored decimal without trailing zeros: Decimal('8.00') -> Decimal('8')."""
    if value is None:
        return None
    value = Decimal(value)
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def report_figures(
    *, period: Period, scope: Scope | None = None, as_of: datetime | None = None
) -> ReportFigures:
    """Compute every figure of the report for ``period`` and ``scope`` (default: program).

    ``as_of``: aware datetime separating held sessions from planned ones (default: now).
    Runs a fixed number of aggregate queries, whatever the size of the data. The result is the
    internal version (no suppression): pass it to ``suppress()`` for publication.
    """
    scope = scope or Scope()
    as_of = as_of or timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # PostgreSQL's JIT compiles these GROUP BY queries for seconds (their estimated
            # cost is high) to save milliseconds: off for this transaction only.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        return _build(period, scope, as_of)


def _build(period: Period, scope: Scope, as_of: datetime) -> ReportFigures:
    builder = _Builder(period, scope, as_of)
    sessions = builder.sessions()
    kinds = sessions.tables[1]
    builder.totals["classes_held"] = next(
        (r.values[0] for r in kinds.rows if r.key == Session.Kind.CLASS), 0
    )
    sessions = dataclasses.replace(sessions, tables=(*sessions.tables, builder.month_table))
    sections = (
        sessions,
        builder.participants(),
        builder.consultations(),
        builder.loans(),
        builder.supporters(),
        builder.kpis(),
    )
    return ReportFigures(
        period=period,
        scope=scope,
        as_of=as_of,
        sections=sections,
        notes=tuple(str(n) for n in NOTES),
    )


# --- suppression ----------------------------------------------------------------------------


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def suppress(figures: ReportFigures, threshold: int) -> ReportFigures:
    """The published version of ``figures``: counts of people from 1 to ``threshold - 1`` become
    ``Suppressed`` (printed "<threshold"); zeros and larger counts stay.

    Primary suppression applies to every people-count cell (``Row.people`` and the table's
    ``people_columns``), totals included. Secondary suppression: in a table whose rows add up to
    its total row (``additive``), a column with exactly one hidden row cell would give that cell
    away by subtraction, so the smallest other non-zero cell of the column is hidden too. A
    share worked out from a hidden count is hidden with it (``Row.derived_from``,
    ``Table.derived_columns``: the seat fill rate, a KPI's achievement). Other figures that are
    not counts of people (sessions, seats, hours) are never hidden. ``threshold`` <= 1 changes
    nothing.
    """
    if threshold <= 1:
        return dataclasses.replace(figures, threshold=threshold)

    def hide(value, row: Row, column: int, table: Table):
        if (
            row.people
            and column in table.people_columns
            and _is_count(value)
            and 0 < value < threshold
        ):
            return Suppressed(threshold)
        return value

    sections = []
    for section in figures.sections:
        tables = []
        for table in section.tables:
            rows = [
                [hide(v, row, i, table) for i, v in enumerate(row.values)] for row in table.rows
            ]
            if table.additive:
                for column in table.people_columns:
                    hidden = [r for r in rows if isinstance(r[column], Suppressed)]
                    if len(hidden) != 1:
                        continue
                    candidates = [r for r in rows if _is_count(r[column]) and r[column] > 0]
                    if candidates:
                        smallest = min(candidates, key=lambda r: r[column])
                        smallest[column] = Suppressed(threshold)
            for derived, source in table.derived_columns:
                for r in rows:
                    if isinstance(r[source], Suppressed):
                        r[derived] = Suppressed(threshold)
            hidden_keys = {
                row.key
                for row, values in zip(table.rows, rows, strict=True)
                if any(isinstance(v, Suppressed) for v in values)
            }
            for row, values in zip(table.rows, rows, strict=True):
                if hidden_keys.intersection(row.derived_from):
                    values[:] = [Suppressed(threshold) if v is not None else v for v in values]
            new_rows = tuple(
                dataclasses.replace(row, values=tuple(values))
                for row, values in zip(table.rows, rows, strict=True)
            )
            total = table.total
            if total is not None:
                total = dataclasses.replace(
                    total,
                    values=tuple(hide(v, total, i, table) for i, v in enumerate(total.values)),
                )
            tables.append(dataclasses.replace(table, rows=new_rows, total=total))
        sections.append(dataclasses.replace(section, tables=tuple(tables)))
    note = _(
        "Published version: counts of residents from 1 to %(below)d are shown as <%(threshold)d. "
        "Where a hidden count could be worked out from a total by subtraction, the next smallest "
        "count of the same column is hidden too. Charts draw hidden counts as 0."
    ) % {"below": threshold - 1, "threshold": threshold}
    return dataclasses.replace(
        figures, sections=tuple(sections), threshold=threshold, notes=(*figures.notes, note)
    )
