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
            .annotate(held=Count("id"), seats=Sum("seats"), walk_ins=Sum(walk_ins()))
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
        # (sessions held, row): the rows are ordered by the count, most sessions first.
        entries: list[tuple[int, Row]] = []
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
            entries.append((v["held"], Row(str(label_of(v)), values, key=str(v[fields[0]]))))
        entries.sort(key=lambda entry: (-entry[0], entry[1].label))
        return Table(
            key=f"sessions_by_{key}",
            title=titles[0],
            label_header=titles[1],
            columns=columns,
            rows=tuple(row for _held, row in entries),
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
            .annotate(held=Count("id"), walk_ins=Sum(walk_ins()))
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
