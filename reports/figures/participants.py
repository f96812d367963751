"""The report's participants: attendances and unique and first-time residents, by age band,
district and household."""

from __future__ import annotations

from django.db.models import Count, DateField, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from classes.models import Registration, Session
from reports.figures.base import FigureQueries
from reports.figures.periods import TOKYO
from reports.figures.sql import _band_case, _band_labels, _WholeYears
from reports.figures.tables import Row, Section, Table
from residents.models import Household, Resident


class ParticipantFigures(FigureQueries):
    """Participants (a part of ``reports.figures.builder._Builder``)."""

    def with_session_date_band(self, registrations: QuerySet[Registration]) -> QuerySet:
        """``registrations`` annotated with ``band``: the resident's age band (an ``AGE_BANDS``
        key or ``UNKNOWN``) on the session's date in Japan."""
        session_day = TruncDate("session__starts_at", tzinfo=TOKYO)
        return registrations.annotate(
            _age=_WholeYears(session_day, F("resident__birth_date"))
        ).annotate(band=_band_case("_age", "resident__birth_date"))

    def with_period_end_band(self, rows: QuerySet, prefix: str = "") -> QuerySet:
        """``rows`` (residents, or rows reaching a resident through ``prefix`` such as
        ``"resident__"``) annotated with ``band``: the age band on the period's last day."""
        birth = f"{prefix}birth_date"
        end = Value(self.period.end, output_field=DateField())
        return rows.annotate(_end_age=_WholeYears(end, F(birth))).annotate(
            band=_band_case("_end_age", birth)
        )

    # ---- participants ----

    def participants(self) -> Section:
        attended_regs = self.attended_registrations()
        # Attendances by (age band on the session date, district, household): one query.
        visits = list(
            self.with_session_date_band(attended_regs)
            .values("band", "resident__district", "resident__household")
            .annotate(n=Count("id"))
            .order_by()
        )
        # Unique and first-time residents by (age band on the period's last day, district,
        # household): one query over the residents who attended.
        before = Registration.objects.filter(
            resident_id=OuterRef("pk"),
            attendance=Registration.Attendance.ATTENDED,
            session__status=Session.Status.SCHEDULED,
            session__starts_at__lt=self.period.start_at,
        ).exclude(status=Registration.Status.CANCELLED)
        people = list(
            self.with_period_end_band(
                Resident.objects.filter(pk__in=attended_regs.values("resident_id"))
            )
            .annotate(_before=Exists(before))
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
