"""Reads that cut across the apps: what the dashboard shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from classes.models import Session
from classes.selectors import local_day_bounds, session_list
from loans.models import Loan
from loans.selectors import loan_counts, loans_active, loans_due_soon
from volunteers.selectors import sessions_understaffed

if TYPE_CHECKING:
    from classes.selectors import SessionWithCounts

# Rows per list on the dashboard; the full lists are one link away (sessions, loans pages).
DASHBOARD_ROWS = 50
# The next seven days of sessions are read in one query when there are at most this many;
# above it (administrators of a large city) each list gets its own bounded query.
DASHBOARD_SESSION_FETCH = 200
DUE_SOON_DAYS = 7


@dataclass
class DashboardOverview:
    """What the dashboard lists. Session lists are ``session_list`` rows (counts annotated);
    loan lists are active loans with ``device`` and ``resident`` (name and phone loaded).
    ``today_total``, ``overdue_total``, ``due_soon_total`` and ``understaffed_total`` count every
    such session or loan, not only the rows listed."""

    today_sessions: list[SessionWithCounts] = field(default_factory=list)
    today_total: int = 0
    week_sessions: list[SessionWithCounts] = field(default_factory=list)
    understaffed: list[SessionWithCounts] = field(default_factory=list)
    overdue: list[Loan] = field(default_factory=list)
    due_soon: list[Loan] = field(default_factory=list)
    overdue_total: int = 0
    due_soon_total: int = 0
    understaffed_total: int = 0


def _is_understaffed(session: SessionWithCounts) -> bool:
    # The same rule as volunteers.selectors.sessions_understaffed, on rows already read.
    return (
        session.status == Session.Status.SCHEDULED
        and session.supporters_needed > session.supporter_count
    )


def _loan_rows(qs):
    # The dashboard's loan tables show the due date, the resident's name and phone and the
    # device's asset tag: read only those columns (the resident row is wide).
    return (
        qs.select_related(None)
        .select_related("device", "resident")
        .only(
            "id",
            "due_date",
            "device_id",
            "resident_id",
            "device__asset_tag",
            "resident__name",
            "resident__phone",
        )
    )


def dashboard_overview(
    *, today: date, venue_ids, loans: bool = True, rows: int = DASHBOARD_ROWS
) -> DashboardOverview:
    """The dashboard's lists for the local date ``today`` (Asia/Tokyo), limited to ``venue_ids``
    (an iterable of venue ids, None for all venues).

    - today's sessions and the next six days' sessions (first ``rows`` each), by start;
    - sessions of these seven days that need supporters (first ``rows``);
    - with ``loans``: active loans overdue and due within 7 days (first ``rows`` each, soonest
      due first) and the totals of both.

    Usually two queries: the seven days of sessions, and the loans due up to a week ahead
    (the totals, and a list each, when there are more than ``2 * rows`` of them).
    """
    overview = DashboardOverview()
    day_start, day_end = local_day_bounds(today)
    week_end = local_day_bounds(today + timedelta(days=6))[1]

    sessions = list(
        session_list(start=day_start, end=week_end, venue_ids=venue_ids)[
            : DASHBOARD_SESSION_FETCH + 1
        ]
    )
    if len(sessions) <= DASHBOARD_SESSION_FETCH:
        todays = [s for s in sessions if s.starts_at < day_end]
        overview.today_sessions, overview.today_total = todays[:rows], len(todays)
        overview.week_sessions = [s for s in sessions if s.starts_at >= day_end][:rows]
        understaffed = [s for s in sessions if _is_understaffed(s)]
        overview.understaffed = understaffed[:rows]
        overview.understaffed_total = len(understaffed)
    else:
        today_qs = session_list(start=day_start, end=day_end, venue_ids=venue_ids)
        overview.today_sessions = list(today_qs[:rows])
        overview.today_total = (
            len(overview.today_sessions)
            if len(overview.today_sessions) < rows
            else today_qs.order_by().count()
        )
        overview.week_sessions = list(
            session_list(start=day_end, end=week_end, venue_ids=venue_ids)[:rows]
        )
        understaffed_qs = sessions_understaffed(start=day_start, end=week_end, venue_ids=venue_ids)
        overview.understaffed = list(understaffed_qs[:rows])
        overview.understaffed_total = understaffed_qs.count()

    if loans:
        due_by = today + timedelta(days=DUE_SOON_DAYS)
        # Every active loan due up to a week ahead, in one query, when there are few enough to
        # list them all (a center's usual morning); the totals are then the lists' lengths.
        listed = list(
            _loan_rows(loans_active(venue_ids=venue_ids).filter(due_date__lte=due_by))[
                : 2 * rows + 1
            ]
        )
        overdue = [loan for loan in listed if loan.due_date < today]
        due_soon = [loan for loan in listed if loan.due_date >= today]
        if len(listed) <= 2 * rows:
            overview.overdue_total, overview.due_soon_total = len(overdue), len(due_soon)
        else:
            counts = loan_counts(today=today, days=DUE_SOON_DAYS, venue_ids=venue_ids)
            overview.overdue_total = counts["overdue"]
            overview.due_soon_total = counts["due_soon"]
        # Overdue loans come first in due-date order, so the first ``rows`` of them are read;
        # due-soon ones may have been cut off by many overdue ones: then read them on their own.
        overview.overdue = overdue[:rows]
        if len(listed) <= 2 * rows or len(due_soon) >= rows:
            overview.due_soon = due_soon[:rows]
        else:
            overview.due_soon = list(
                _loan_rows(loans_due_soon(today=today, days=DUE_SOON_DAYS, venue_ids=venue_ids))[
                    :rows
                ]
            )
    return overview
