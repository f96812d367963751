"""The report's consultations, by category.

A consultation is a visit to a held consultation desk, counted from the same rows as the
sessions and participants: an attended registration (its category and outcome from the
resident's ``Consultation`` row on that session, if any) or an anonymous walk-up's
``Consultation`` row. So the total equals the consultation desks' attendances in the sessions
tables (named plus without names).
"""

from __future__ import annotations

from django.db.models import BooleanField, CharField, Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from classes.models import Consultation, Registration, Session
from reports.figures.base import FigureQueries
from reports.figures.tables import Row, Section, Table


class ConsultationFigures(FigureQueries):
    """Consultations (a part of ``reports.figures.builder._Builder``)."""

    # ---- consultations ----

    def consultations(self) -> Section:
        desk = Q(session__kind=Session.Kind.CONSULTATION)
        booking = Consultation.objects.filter(
            session_id=OuterRef("session_id"), resident_id=OuterRef("resident_id")
        ).order_by("slot_start", "id")
        named = (
            Registration.objects.filter(
                self.held("session__"), desk, attendance=Registration.Attendance.ATTENDED
            )
            .exclude(status=Registration.Status.CANCELLED)
            .annotate(
                _category=Coalesce(
                    Subquery(booking.values("category")[:1]), Value(""), output_field=CharField()
                ),
                _resolved=Coalesce(
                    Subquery(booking.values("resolved")[:1]),
                    Value(False),
                    output_field=BooleanField(),
                ),
            )
            .values("_category")
            .annotate(n=Count("id"), resolved=Count("id", filter=Q(_resolved=True)))
            .order_by()
        )
        anonymous = (
            Consultation.objects.filter(self.held("session__"), desk, resident__isnull=True)
            .values("category")
            .annotate(n=Count("id"), resolved=Count("id", filter=Q(resolved=True)))
            .order_by()
        )
        counts: dict[str, list[int]] = {}  # category: [consultations, without a name, resolved]
        for v in named:
            c = counts.setdefault(v["_category"], [0, 0, 0])
            c[0] += v["n"]
            c[2] += v["resolved"]
        for v in anonymous:
            c = counts.setdefault(v["category"], [0, 0, 0])
            c[0] += v["n"]
            c[1] += v["n"]
            c[2] += v["resolved"]
        rows = []
        total = [0, 0, 0]
        for value, label in Consultation.Category.choices:
            values = counts.get(value, [0, 0, 0])
            total = [a + b for a, b in zip(total, values, strict=True)]
            rows.append(Row(str(label), tuple(values), key=value or "-"))
        self.totals["consultations"] = total[0]
        return Section(
            "consultations",
            _("Consultations"),
            (
                Table(
                    key="consultations_by_category",
                    title=_("Consultations by category"),
                    label_header=_("Category"),
                    columns=(_("Consultations"), _("of which without a name"), _("Resolved")),
                    rows=tuple(rows),
                    total=Row(_("Total"), tuple(total), key="total"),
                    people_columns=frozenset({0, 1, 2}),
                    additive=True,
                    chart="bar",
                ),
            ),
            note=_(
                "Consultations are the attendances at consultation desks (the sessions table's "
                "named attendances and visits without names at the desks)."
            ),
        )
