"""The report's first section: sessions held, by kind, venue and topic, and attendance by month."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.translation import gettext as _

from classes.models import Registration, Session
from reports.figures.base import FigureQueries, walk_ins
from reports.figures.periods import TOKYO, months_of
from reports.figures.tables import Row, Section, Table, _percent
from reports.japanese_dates import month_label

# What ``SessionFigures._held_sessions`` counts of each held session's registrations.
REGISTRATION_COUNTS = ("filled", "waitlisted", "attended", "no_shows", "named_walk_ins")
# The session's own fields the tables group by (kind, venue, topic and their labels).
SESSION_FIELDS = (
    "id",
    "kind",
    "venue_id",
    "venue__name",
    "topic_id",
    "topic__code",
    "topic__title",
)


class SessionFigures(FigureQueries):
    """Sessions held (a part of ``reports.figures.builder._Builder``)."""

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
            walk_ins=Sum(walk_ins(), filter=self.held()),
        )
        held_sessions = self._held_sessions(attended, registered)
        r = {name: sum(h[name] for h in held_sessions) for name in REGISTRATION_COUNTS}
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
                    key, fields, label_of, titles[key], columns, chart, held_sessions
                )
            )
        self.month_table = self._months(held_sessions)
        return Section("sessions", _("Sessions held"), tuple(tables))

    def _held_sessions(self, attended: Q, registered: Q) -> list[dict]:
        """Every held session of the scope as a dict: ``id``, ``kind``, ``venue_id``,
        ``venue__name``, ``topic_id``, ``topic__code``, ``topic__title``, ``seats`` (None
        without a limit), ``walk_ins`` (visits without a name), ``y`` and ``m`` (year and month
        it starts in, Japan time) and its registrations counted (``REGISTRATION_COUNTS``).

        Two queries: the sessions, and the registrations grouped by session. The tables of this
        section are rolled up from these rows, so the period's registrations are read once (a
        fiscal year of a prefecture: 63,000 sessions, a million registrations), not once per
        table."""
        counts = {
            v["session_id"]: v
            for v in Registration.objects.filter(self.held("session__"))
            .values("session_id")
            .annotate(
                filled=Count("id", filter=registered & Q(session__seats__isnull=False)),
                waitlisted=Count("id", filter=Q(status=Registration.Status.WAITLISTED)),
                attended=Count("id", filter=attended),
                no_shows=Count(
                    "id", filter=registered & Q(attendance=Registration.Attendance.ABSENT)
                ),
                named_walk_ins=Count("id", filter=attended & Q(is_walk_in=True)),
            )
            .order_by()
        }
        sessions = list(
            Session.objects.filter(self.held())
            .annotate(
                y=ExtractYear("starts_at", tzinfo=TOKYO),
                m=ExtractMonth("starts_at", tzinfo=TOKYO),
                walk_ins=walk_ins(),
            )
            .values(*SESSION_FIELDS, "seats", "walk_ins", "y", "m")
            .order_by()
        )
        none = dict.fromkeys(REGISTRATION_COUNTS, 0)
        for session in sessions:
            registrations = counts.get(session["id"], none)
            session.update({name: registrations[name] for name in REGISTRATION_COUNTS})
        return sessions

    def _session_dimension(self, key, fields, label_of, titles, columns, chart, held_sessions):
        # {the values of ``fields`` (the first one the row's key): the row's six values}.
        groups: dict[tuple, list[int]] = {}
        for s in held_sessions:
            values = groups.setdefault(tuple(s[f] for f in fields), [0] * 6)
            values[0] += 1
            values[1] += s["seats"] or 0
            values[2] += s["filled"]
            values[3] += s["attended"]
            values[4] += s["walk_ins"]
            values[5] += s["no_shows"]
        entries: list[tuple[tuple, Row]] = []
        for group, values in groups.items():
            label = str(label_of(dict(zip(fields, group, strict=True))))
            # Most sessions first, then by label; rows with the same label by key, None (a
            # caravan away from a venue, no topic) last.
            order = (-values[0], label, group[0] is None, group[0])
            entries.append((order, Row(label, tuple(values), key=str(group[0]))))
        entries.sort(key=lambda entry: entry[0])
        sums = tuple(sum(values[i] for values in groups.values()) for i in range(6))
        return Table(
            key=f"sessions_by_{key}",
            title=titles[0],
            label_header=titles[1],
            columns=columns,
            rows=tuple(row for _order, row in entries),
            total=Row(_("Total"), sums, key="total"),
            people_columns=frozenset({2, 3, 4, 5}),
            additive=True,
            chart=chart,
        )

    def _months(self, held_sessions: list[dict]) -> Table:
        # {(year, month): [sessions held, named attendances, walk-ins counted]}
        by_month: dict[tuple[int, int], list[int]] = {}
        for s in held_sessions:
            counts = by_month.setdefault((s["y"], s["m"]), [0, 0, 0])
            counts[0] += 1
            counts[1] += s["attended"]
            counts[2] += s["walk_ins"]
        rows = []
        sums = [0, 0, 0, 0]
        for y, m in months_of(self.period):
            held, named, walk = by_month.get((y, m), (0, 0, 0))
            values = (held, named, walk, named + walk)
            sums = [a + b for a, b in zip(sums, values, strict=True)]
            rows.append(Row(month_label(y, m), values, key=f"{y}-{m:02d}"))
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
