"""The report's supporters: by kind and organisation, their hours and the unfilled slots."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from classes.models import Session
from reports.figures.base import FigureQueries
from reports.figures.sql import _hours, _minutes
from reports.figures.tables import Row, Section, Table
from volunteers.models import Assignment, Supporter


class SupporterFigures(FigureQueries):
    """Supporters (a part of ``reports.figures.builder._Builder``)."""

    # ---- supporters ----

    def active_assignments(self) -> QuerySet[Assignment]:
        """Proposed or confirmed assignments on held sessions (declined and cancelled ones
        never count)."""
        return Assignment.objects.filter(self.held("session__")).filter(
            status__in=Assignment.ACTIVE_STATUSES
        )

    @staticmethod
    def assignment_aggregates() -> dict:
        """Aggregates of a group of assignments: ``supporters`` and ``sessions`` (distinct),
        ``approved`` (approved minutes summed) and ``span`` (check-in to check-out summed where
        the hours are not approved); ``assignment_hours`` turns a group into hours."""
        approved = Q(hours_approved_at__isnull=False, approved_minutes__isnull=False)
        spanned = ~approved & Q(checked_in_at__isnull=False, checked_out_at__isnull=False)
        span = ExpressionWrapper(F("checked_out_at") - F("checked_in_at"), DurationField())
        return {
            "supporters": Count("supporter_id", distinct=True),
            "sessions": Count("session_id", distinct=True),
            "approved": Sum("approved_minutes", filter=approved),
            "span": Sum(span, filter=spanned),
        }

    @staticmethod
    def assignment_hours(group: dict) -> Decimal:
        """Hours (one decimal) of a group aggregated with ``assignment_aggregates``."""
        return _hours(_minutes(group["approved"], group["span"]))

    def supporters(self) -> Section:
        assignments = self.active_assignments()
        aggregates = self.assignment_aggregates()
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
        total_hours = self.assignment_hours(total)
        self.totals["supporter_hours"] = total_hours

        def rows(groups, field_name, label_of):
            return tuple(
                Row(
                    label_of(g[field_name]),
                    (g["supporters"], g["sessions"], self.assignment_hours(g)),
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
        # (needed, filled, unfilled) of each kind.
        slot_values: list[tuple[int, int, int]] = [
            (k["needed"] or 0, (k["needed"] or 0) - (k["unfilled"] or 0), k["unfilled"] or 0)
            for k in kind_slots
        ]
        slot_rows = tuple(
            Row(
                str(session_kinds.get(k["kind"], k["kind"])),
                values,
                people=False,
                key=k["kind"],
            )
            for k, values in zip(kind_slots, slot_values, strict=True)
        )
        slot_sums = tuple(sum(values[i] for values in slot_values) for i in range(3))
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
