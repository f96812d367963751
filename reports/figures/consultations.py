"""The report's consultations, by category."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from classes.models import Consultation
from reports.figures.base import FigureQueries
from reports.figures.tables import Row, Section, Table


class ConsultationFigures(FigureQueries):
    """Consultations (a part of ``reports.figures.builder._Builder``)."""

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
