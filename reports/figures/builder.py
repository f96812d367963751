"""``report_figures``: the queries of one report, section by section (the sections are in the
modules beside this one), in one transaction."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from classes.models import Session
from reports.figures.consultations import ConsultationFigures
from reports.figures.kpis import KpiFigures
from reports.figures.loans import LoanFigures
from reports.figures.participants import ParticipantFigures
from reports.figures.periods import Period, Scope
from reports.figures.sessions import SessionFigures
from reports.figures.skills import SkillFigures
from reports.figures.supporters import SupporterFigures
from reports.figures.tables import ReportFigures

NOTES = (
    gettext_lazy(
        "Times are Japan time. A session counts in the period it starts in; held means not "
        "cancelled and started by the time this report was made."
    ),
    gettext_lazy(
        "Attendances are residents marked attended, plus visits counted without names: "
        "walk-ins at salons and anonymous walk-ups at consultation desks (only in the totals)."
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
        "Loan figures at the end of the period are taken on its last day, or on the day the "
        "report was made while the period runs; overdue today counts the loans overdue on the "
        "day the report was made. "
        "A lost loan without a return date ends on its due date. Renewals are those recorded on "
        "loans that ran during the period. The own-device share counts loans ended in the period "
        "with a recorded outcome."
    ),
    gettext_lazy(
        "Outcomes: each resident counts once per point of the self-assessment (first contact, "
        "end of a course or a loan, follow-up), with their latest answers in the period; an item "
        "is compared with the resident's latest first-contact answer to it on or before that "
        "day. The share still using a smartphone counts the residents asked at a follow-up."
    ),
    gettext_lazy(
        "Supporter hours: approved minutes where the coordinator approved them, else the time "
        "from check-in to check-out, else none. Unfilled slots: supporters needed minus those "
        "proposed or confirmed, per held session, never below zero."
    ),
)


# --- the computation ------------------------------------------------------------------------


class _Builder(
    SessionFigures,
    ParticipantFigures,
    ConsultationFigures,
    LoanFigures,
    SkillFigures,
    SupporterFigures,
    KpiFigures,
):
    """Runs the queries of one report. Each method adds a section; queries are fixed in number."""

    def __init__(self, period: Period, scope: Scope, as_of: datetime) -> None:
        self.period = period
        self.scope = scope
        self.as_of = as_of
        self.held_until = min(period.end_before, as_of)


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
            # cost is high) to save milliseconds: off for this transaction only. The sorts and
            # hashes of a fiscal year's attendances (740,000 rows at prefecture scale) spill to
            # disk with the default 4 MB of memory per sort: 32 MB, for this transaction only.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SET LOCAL work_mem = '32MB'")
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
        builder.skills(),
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
