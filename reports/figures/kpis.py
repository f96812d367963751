"""The report's KPIs: each indicator's baseline, target for the fiscal year, actual and
achievement."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from reports.figures.base import FigureQueries
from reports.figures.skills import share_at_least, skills_kpi_items
from reports.figures.tables import Row, Section, Table, _percent
from reports.japanese_dates import fiscal_year_label
from reports.models import Kpi


class KpiFigures(FigureQueries):
    """KPIs (a part of ``reports.figures.builder._Builder``); uses the totals of the other
    sections."""

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
                _("%(value)s (%(year)s)")
                % {"value": _plain(kpi.baseline_value), "year": fiscal_year_label(kpi.baseline_fy)}
                if kpi.baseline_value is not None and kpi.baseline_fy
                else _plain(kpi.baseline_value)
            )
            items = skills_kpi_items(kpi.code)
            if items is not None:
                actuals[kpi.code] = share_at_least(self.skills_can, items)
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
                    title=_("KPI: target and actual for %(year)s")
                    % {"year": fiscal_year_label(fy)},
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
