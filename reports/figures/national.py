"""The national program's counting units (総務省 デジタル活用支援推進事業): per venue (拠点), the
コマ and sessions by kind (講習会 / 相談会 / サロン / キャラバン), participants (total, unique, by
age band), topics by level (basic / applied) and supporters with their hours.

Counted from the same rows and with the same conditions as the monthly and fiscal-year report
(``reports.figures``: held sessions, attended registrations, visits without names, the age
bands, the supporter hours), only grouped by venue: each table's total row equals the
fiscal-year report's internal figure for the same period and scope. What the report does not
have is the コマ: a session's length in units of ``settings.NATIONAL_KOMA_MINUTES``, rounded per
session by ``settings.NATIONAL_KOMA_ROUNDING``; consultation desks count their open time the same
way, or one コマ per consultation with ``settings.NATIONAL_CONSULTATION_KOMA = "visits"``.

``national_units(period=..., scope=...)`` runs six aggregate queries whatever the data size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from classes.models import Session, Topic
from reports.figures.base import walk_ins
from reports.figures.participants import ParticipantFigures
from reports.figures.periods import Period, Scope
from reports.figures.sql import _band_labels, _minutes
from reports.figures.supporters import SupporterFigures
from reports.figures.tables import CellValue, Row, Table

#: How a session's length becomes コマ (``settings.NATIONAL_KOMA_ROUNDING``).
KOMA_ROUNDINGS = ("exact", "half_up", "up", "down")
#: How a consultation desk counts its コマ (``settings.NATIONAL_CONSULTATION_KOMA``).
CONSULTATION_KOMA = ("hours", "visits")

# The national program's kinds, in the order its forms list them.
KINDS = (
    Session.Kind.CLASS,
    Session.Kind.CONSULTATION,
    Session.Kind.SALON,
    Session.Kind.CARAVAN,
)
NO_LEVEL = ""
LEVELS = (Topic.Level.BASIC, Topic.Level.APPLIED, NO_LEVEL)


def kind_label(kind: str) -> str:
    """The national program's name of a session kind: 講習会, 相談会, サロン, キャラバン."""
    return {
        Session.Kind.CLASS: pgettext("national units", "Classes"),
        Session.Kind.CONSULTATION: pgettext("national units", "Consultations"),
        Session.Kind.SALON: pgettext("national units", "Salons"),
        Session.Kind.CARAVAN: pgettext("national units", "Caravans"),
    }[Session.Kind(kind)]


def level_label(level: str) -> str:
    """ "Basic", "Applied" (``Topic.Level``) or "No topic" for a session without one."""
    if level == NO_LEVEL:
        return _("No topic")
    return str(Topic.Level(level).label)


def koma(minutes: Decimal) -> Decimal:
    """The コマ of one session ``minutes`` long: minutes ÷ ``NATIONAL_KOMA_MINUTES``, rounded
    by ``NATIONAL_KOMA_ROUNDING``: "exact" to one decimal (90 minutes: 1.5), "half_up" to a
    whole number, half up (90: 2, 80: 1), "up" to the next whole number (61: 2), "down" to the
    whole number below (90: 1). A Decimal."""
    raw = Decimal(minutes) / Decimal(settings.NATIONAL_KOMA_MINUTES)
    rounding = settings.NATIONAL_KOMA_ROUNDING
    if rounding == "exact":
        return raw.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    modes = {"half_up": ROUND_HALF_UP, "up": ROUND_CEILING, "down": ROUND_FLOOR}
    return raw.quantize(Decimal(1), rounding=modes[rounding])


@dataclass(frozen=True)
class CountingRule:
    """One counting rule as the rules sheet states it. ``setting``: the setting (and
    environment variable) the administrator changes it with, "" for a rule fixed by the
    program's definitions (docs/report_figures.md); ``value``: the setting's current value as
    it is set; ``value_label``: the same in words, translated."""

    topic: str
    rule: str
    setting: str = ""
    value: str = ""
    value_label: str = ""

    @property
    def is_assumption(self) -> bool:
        """True when the rule is an assumption the administrator can change in settings."""
        return bool(self.setting)


@dataclass(frozen=True)
class NationalUnits:
    """Everything the national-units export prints: its tables (one row per venue, a total
    row) and the counting rules. ``venues``: venues with a held session (拠点数); caravans away
    from any venue are one more row but no venue."""

    period: Period
    scope: Scope
    as_of: datetime
    tables: tuple[Table, ...]
    rules: tuple[CountingRule, ...]
    venues: int

    def table(self, key: str) -> Table:
        """The table with ``key``; raises StopIteration when there is none."""
        return next(t for t in self.tables if t.key == key)


def counting_rules() -> tuple[CountingRule, ...]:
    """The rules the export counts by, in the active language, with the current settings."""
    minutes = settings.NATIONAL_KOMA_MINUTES
    rounding = {
        "exact": _("not rounded: one decimal (a 90-minute class is 1.5)"),
        "half_up": _("rounded to a whole number, half up (a 90-minute class is 2)"),
        "up": _("rounded up to a whole number (a 90-minute class is 2, 61 minutes are 2)"),
        "down": _("rounded down to a whole number (a 90-minute class is 1)"),
    }[settings.NATIONAL_KOMA_ROUNDING]
    desk = {
        "hours": _(
            "A consultation desk counts its open time like a class (a desk open 2 hours is 2 "
            "koma at 60 minutes a koma), however many slots were booked."
        ),
        "visits": _(
            "A consultation desk counts one koma per consultation: each resident who came to "
            "a slot and each anonymous walk-up."
        ),
    }[settings.NATIONAL_CONSULTATION_KOMA]
    return (
        CountingRule(
            _("Length of one koma"),
            _("One koma is %(minutes)d minutes of a held session, from its start to its end.")
            % {"minutes": minutes},
            "NATIONAL_KOMA_MINUTES",
            str(minutes),
            _("%(minutes)d minutes") % {"minutes": minutes},
        ),
        CountingRule(
            _("Rounding of koma"),
            _("Each session's koma are %(rounding)s, then summed.") % {"rounding": rounding},
            "NATIONAL_KOMA_ROUNDING",
            settings.NATIONAL_KOMA_ROUNDING,
            rounding,
        ),
        CountingRule(
            _("Consultation desks"),
            desk,
            "NATIONAL_CONSULTATION_KOMA",
            settings.NATIONAL_CONSULTATION_KOMA,
            {"hours": _("by open time"), "visits": _("by consultations")}[
                settings.NATIONAL_CONSULTATION_KOMA
            ],
        ),
        CountingRule(
            _("Sessions counted"),
            _(
                "A session counts when it starts in the period and is held: not cancelled and "
                "started by the time the file was made. Times are Japan time."
            ),
        ),
        CountingRule(
            _("Salons and caravans (drop-in)"),
            _(
                "A salon or caravan counts its open time in koma like a class. Its participants "
                "are the residents marked attended plus the walk-ins counted without names."
            ),
        ),
        CountingRule(
            _("Participants in total"),
            _(
                "Each visit once: a resident who attended twice counts twice. Visits without "
                "names (walk-ins counted at salons, anonymous walk-ups at consultation desks) "
                "are included."
            ),
        ),
        CountingRule(
            _("Unique residents"),
            _(
                "A resident who attended twice counts once per venue, and once in the total row "
                "even after attending at two venues, so the venues' rows can add up to more "
                "than the total. Visits without names are not in it."
            ),
        ),
        CountingRule(
            _("Age bands"),
            _(
                "Attendances by the age on the session date; unique residents by the age on "
                "the period's last day. Visits without names have no age and are not in the "
                "age bands."
            ),
        ),
        CountingRule(
            _("Topics by level"),
            _(
                "A session counts under the level (basic or applied) of its curriculum topic; "
                "a session without a topic (most salons and desks) under no topic."
            ),
        ),
        CountingRule(
            _("Supporters and hours"),
            _(
                "Supporters proposed or confirmed on held sessions, each once per venue and "
                "once in the total. Hours: the approved minutes where the coordinator approved "
                "them, else check-in to check-out, else none; one decimal per row, so rows can "
                "differ from the total by rounding."
            ),
        ),
        CountingRule(
            _("Small counts"),
            _(
                "Counts are not hidden: the file is for reporting to the national program, not "
                "for publication. Publish the fiscal-year report's published version instead."
            ),
        ),
        CountingRule(
            _("Same figures as the fiscal-year report"),
            _(
                "The total rows equal the internal fiscal-year report for the same period and "
                "scope: sessions held, attendances, unique residents, age bands, supporters "
                "and hours."
            ),
        ),
    )


def _no_koma() -> Decimal:
    """Zero コマ, with the places the rounding setting prints ("0.0" when exact)."""
    return koma(Decimal(0))


class _Counts:
    """The additive counts of one venue (or of the total), keyed as the columns need them."""

    def __init__(self) -> None:
        self.sessions: dict[str, int] = defaultdict(int)  # by kind
        self.koma: dict[str, Decimal] = defaultdict(_no_koma)  # by kind
        self.named: dict[str, int] = defaultdict(int)  # by kind
        self.without_names: dict[str, int] = defaultdict(int)  # by kind
        self.level_sessions: dict[str, int] = defaultdict(int)
        self.level_koma: dict[str, Decimal] = defaultdict(_no_koma)
        self.level_attendances: dict[str, int] = defaultdict(int)
        self.band_attendances: dict[str, int] = defaultdict(int)
        self.band_unique: dict[str, int] = defaultdict(int)


class NationalFigures(ParticipantFigures, SupporterFigures):
    """The queries of the national-units export, on the report's conditions (``held()``,
    ``attended_registrations()``, ``walk_ins()``, the age bands, ``active_assignments()``)."""

    def __init__(self, period: Period, scope: Scope, as_of: datetime) -> None:
        self.period = period
        self.scope = scope
        self.as_of = as_of
        self.held_until = min(period.end_before, as_of)
        self.totals = {}

    def units(self) -> NationalUnits:
        duration = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
        sessions = list(
            Session.objects.filter(self.held())
            .annotate(_duration=duration)
            .values(
                "venue_id",
                "venue__name",
                "venue__name_kana",
                "venue__code",
                "kind",
                "topic__level",
                "_duration",
            )
            .annotate(n=Count("id"), walk_ins=Sum(walk_ins()))
            .order_by()
        )
        attended = self.attended_registrations()
        named = list(
            self.with_session_date_band(attended)
            .values("session__venue_id", "session__kind", "session__topic__level", "band")
            .annotate(n=Count("id"))
            .order_by()
        )
        unique_rows = self.with_period_end_band(attended, "resident__")
        unique_by_venue = list(
            unique_rows.values("session__venue_id", "band")
            .annotate(n=Count("resident_id", distinct=True))
            .order_by()
        )
        unique_total = list(
            unique_rows.values("band").annotate(n=Count("resident_id", distinct=True)).order_by()
        )
        aggregates = self.assignment_aggregates()
        supporters = {
            g["session__venue_id"]: g
            for g in self.active_assignments()
            .values("session__venue_id")
            .annotate(**aggregates)
            .order_by()
        }
        supporters_total = self.active_assignments().aggregate(**aggregates)

        by_visits = settings.NATIONAL_CONSULTATION_KOMA == "visits"
        venues: dict[int | None, _Counts] = defaultdict(_Counts)
        total = _Counts()
        names: dict[int | None, str] = {}
        sort_keys: dict[int | None, tuple[str, str]] = {}  # as venues are listed: kana, code
        if self.scope.kind == Scope.VENUE:
            venues.setdefault(self.scope.pk, _Counts())  # its row, even with nothing held
            names[self.scope.pk] = self.scope.name
        for g in sessions:
            kind, level = g["kind"], g["topic__level"] or NO_LEVEL
            names[g["venue_id"]] = g["venue__name"] or _("Away from a venue (caravan)")
            sort_keys[g["venue_id"]] = (g["venue__name_kana"] or "", g["venue__code"] or "")
            n, without = g["n"], g["walk_ins"] or 0
            units = (
                Decimal(without)
                if kind == Session.Kind.CONSULTATION and by_visits
                else (koma(_minutes(None, g["_duration"])) * n)
            )
            for counts in (venues[g["venue_id"]], total):
                counts.sessions[kind] += n
                counts.koma[kind] += units
                counts.without_names[kind] += without
                counts.level_sessions[level] += n
                counts.level_koma[level] += units
                counts.level_attendances[level] += without
        for v in named:
            kind, level = v["session__kind"], v["session__topic__level"] or NO_LEVEL
            units = Decimal(v["n"]) if kind == Session.Kind.CONSULTATION and by_visits else None
            for counts in (venues[v["session__venue_id"]], total):
                counts.named[kind] += v["n"]
                counts.level_attendances[level] += v["n"]
                counts.band_attendances[v["band"]] += v["n"]
                if units is not None:
                    counts.koma[kind] += units
                    counts.level_koma[level] += units
        for v in unique_by_venue:
            venues[v["session__venue_id"]].band_unique[v["band"]] += v["n"]
        for v in unique_total:
            total.band_unique[v["band"]] += v["n"]

        order = sorted(venues, key=lambda pk: (pk is None, sort_keys.get(pk, ("", ""))))
        rows = [(str(pk) if pk is not None else "-", names.get(pk, ""), venues[pk]) for pk in order]
        no_supporters = {"supporters": 0, "sessions": 0, "approved": None, "span": None}
        tables = (
            self._units_table(rows, total),
            self._participants_table(rows, total),
            self._age_band_table(rows, total),
            self._levels_table(rows, total),
            self._table(
                "supporters_by_venue",
                _("Supporters and their hours by venue"),
                (_("Supporters"), _("Sessions staffed"), _("Hours")),
                [
                    (key, label, self._supporter_values(supporters.get(pk, no_supporters)))
                    for (key, label, _counts), pk in zip(rows, order, strict=True)
                ],
                self._supporter_values(supporters_total),
            ),
        )
        return NationalUnits(
            period=self.period,
            scope=self.scope,
            as_of=self.as_of,
            tables=tables,
            rules=counting_rules(),
            venues=sum(1 for pk in order if pk is not None),
        )

    # --- the tables -------------------------------------------------------------------------

    def _supporter_values(self, group: dict) -> tuple[CellValue, ...]:
        return (group["supporters"], group["sessions"], self.assignment_hours(group))

    @staticmethod
    def _table(key, title, columns, rows, total_values) -> Table:
        return Table(
            key=key,
            title=title,
            label_header=_("Venue"),
            columns=tuple(columns),
            rows=tuple(Row(label, tuple(values), key=k) for k, label, values in rows),
            total=Row(_("Total"), tuple(total_values), key="total"),
        )

    def _units_table(self, rows, total: _Counts) -> Table:
        columns = []
        for kind in KINDS:
            columns += [
                _("%(kind)s: sessions") % {"kind": kind_label(kind)},
                _("%(kind)s: koma") % {"kind": kind_label(kind)},
            ]
        columns += [_("All kinds: sessions"), _("All kinds: koma")]

        def values(c: _Counts) -> list[CellValue]:
            out: list[CellValue] = []
            for kind in KINDS:
                out += [c.sessions[kind], c.koma[kind]]
            return out + [sum(c.sessions.values()), sum(c.koma.values(), _no_koma())]

        return self._table(
            "units_by_venue",
            _("Sessions and koma by venue and kind"),
            columns,
            [(key, label, values(c)) for key, label, c in rows],
            values(total),
        )

    def _participants_table(self, rows, total: _Counts) -> Table:
        columns = [
            _("Participants in total"),
            _("of which named"),
            _("of which without names"),
            _("Unique residents"),
        ] + [_("%(kind)s: participants") % {"kind": kind_label(kind)} for kind in KINDS]

        def values(c: _Counts) -> list[int]:
            named, without = sum(c.named.values()), sum(c.without_names.values())
            return [named + without, named, without, sum(c.band_unique.values())] + [
                c.named[kind] + c.without_names[kind] for kind in KINDS
            ]

        return self._table(
            "participants_by_venue",
            _("Participants by venue"),
            columns,
            [(key, label, values(c)) for key, label, c in rows],
            values(total),
        )

    def _age_band_table(self, rows, total: _Counts) -> Table:
        bands = _band_labels()
        columns = [_("Attendances: %(band)s") % {"band": label} for _key, label in bands] + [
            _("Unique residents: %(band)s") % {"band": label} for _key, label in bands
        ]

        def values(c: _Counts) -> list[int]:
            return [c.band_attendances[key] for key, _label in bands] + [
                c.band_unique[key] for key, _label in bands
            ]

        return self._table(
            "age_bands_by_venue",
            _("Participants by age band and venue (named only)"),
            columns,
            [(key, label, values(c)) for key, label, c in rows],
            values(total),
        )

    def _levels_table(self, rows, total: _Counts) -> Table:
        columns = []
        for level in LEVELS:
            columns += [
                _("%(level)s: sessions") % {"level": level_label(level)},
                _("%(level)s: koma") % {"level": level_label(level)},
                _("%(level)s: participants") % {"level": level_label(level)},
            ]

        def values(c: _Counts) -> list[CellValue]:
            out: list[CellValue] = []
            for level in LEVELS:
                out += [c.level_sessions[level], c.level_koma[level], c.level_attendances[level]]
            return out

        return self._table(
            "topics_by_venue",
            _("Topics by level and venue"),
            columns,
            [(key, label, values(c)) for key, label, c in rows],
            values(total),
        )


def national_units(
    *, period: Period, scope: Scope | None = None, as_of: datetime | None = None
) -> NationalUnits:
    """The national-units figures for ``period`` and ``scope`` (the whole program or one
    venue; default the program). ``as_of``: aware datetime separating held sessions from
    planned ones (default now). Six aggregate queries in one transaction; never suppressed.
    Reads ``NATIONAL_KOMA_MINUTES``, ``NATIONAL_KOMA_ROUNDING`` and
    ``NATIONAL_CONSULTATION_KOMA`` from settings."""
    scope = scope or Scope()
    as_of = as_of or timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # as report_figures: no JIT for GROUP BYs
                cursor.execute("SET LOCAL jit = off")
        return NationalFigures(period, scope, as_of).units()
