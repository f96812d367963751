"""What the sections of one report share: its period, scope and time, the totals the sections
pass on to one another, and the conditions on sessions. The section classes extend it and
``reports.figures.builder._Builder`` combines them."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from classes.models import Consultation, Registration, Session
from reports.figures.periods import Period, Scope
from reports.figures.tables import CellValue, Table


class FigureQueries:
    """State set by ``_Builder.__init__`` and by the sections as they run (``totals`` is first
    set by ``sessions()``, ``month_table`` too), and the session conditions built from it."""

    period: Period
    scope: Scope
    as_of: datetime
    held_until: datetime
    # Figures a later section needs (the KPIs use the others' totals), by name.
    totals: dict[str, CellValue]
    month_table: Table
    # {items answered "can do": residents} of the latest after-assessments, set by ``skills()``
    # for the program's report (None otherwise); the KPIs read it.
    skills_can: dict[int, int] | None = None

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

    def attended_registrations(self) -> QuerySet[Registration]:
        """Registrations marked attended, not cancelled, on held sessions: each is one named
        attendance (a resident at two sessions counts twice)."""
        return Registration.objects.filter(
            self.held("session__"), attendance=Registration.Attendance.ATTENDED
        ).exclude(status=Registration.Status.CANCELLED)


def walk_ins(prefix: str = "") -> Coalesce:
    """Visits without a name at a session (reached through ``prefix``): the walk-ins a salon
    counts (``Session.walk_in_count``) plus the anonymous walk-ups of a consultation desk
    (``Consultation`` rows without a resident). An integer expression, to ``Sum``."""
    anonymous = (
        Consultation.objects.filter(session_id=OuterRef(f"{prefix}pk"), resident__isnull=True)
        .order_by()
        .values("session_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(
        F(f"{prefix}walk_in_count") + Coalesce(Subquery(anonymous), 0),
        0,
        output_field=IntegerField(),
    )
