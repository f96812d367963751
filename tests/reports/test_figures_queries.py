"""The report's figures take the same number of queries however much data there is."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from classes.models import Consultation, Registration, Session
from loans.models import Loan, LoanCheckIn
from reports.figures import Scope, fiscal_year_period, report_figures
from reports.program_report import ProgramReportRenderer
from reports.report_exports import report_csv, report_workbook
from tests.factories import (
    AssignmentFactory,
    LoanFactory,
    RegistrationFactory,
    ResidentFactory,
    SessionFactory,
    VenueFactory,
)
from tests.reports.program_fixture import AS_OF, build_program, jst

pytestmark = pytest.mark.django_db

FY2027 = fiscal_year_period(2027)


def add_more_data(n: int, venue=None) -> None:
    """``n`` more sessions at ``venue`` (default: a new one), each with residents, a
    consultation, assignments and a loan with a check-in, spread over the year."""
    venue = venue or VenueFactory(district="勿来")
    for i in range(n):
        starts = jst(2027, 4 + i % 9, 1 + i % 27, 10, 0)
        kind = [Session.Kind.CLASS, Session.Kind.SALON, Session.Kind.CONSULTATION][i % 3]
        session = SessionFactory(
            venue=venue, kind=kind, starts_at=starts, ends_at=starts + timedelta(hours=1)
        )
        for j in range(3):
            RegistrationFactory(
                session=session,
                resident=ResidentFactory(district=f"地区{j}", household="alone"),
                attendance=Registration.Attendance.ATTENDED if j else "",
            )
        Consultation.objects.create(
            session=session, slot_start=starts, category=Consultation.Category.SCAM
        )
        AssignmentFactory(session=session, approved_minutes=60, hours_approved_at=starts)
        loan = LoanFactory(
            venue=venue, start_date=date(2027, 5, 1) + timedelta(days=i), status=Loan.Status.ACTIVE
        )
        LoanCheckIn.objects.create(
            loan=loan, on=date(2027, 9, 1), channel="phone", satisfaction=4, functions_used="line"
        )


def count_queries(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


@pytest.mark.parametrize("scope_kind", [Scope.PROGRAM, Scope.VENUE])
def test_query_count_does_not_grow_with_the_data(scope_kind):
    program = build_program()
    scope = Scope() if scope_kind == Scope.PROGRAM else Scope(Scope.VENUE, program.central.pk, "")
    small_figures = report_figures(period=FY2027, scope=scope, as_of=AS_OF)
    small = count_queries(lambda: report_figures(period=FY2027, scope=scope, as_of=AS_OF))
    # The new rows are inside the scope (at the central venue for the venue's report).
    add_more_data(12, venue=program.central)
    bigger_figures = report_figures(period=FY2027, scope=scope, as_of=AS_OF)
    bigger = count_queries(lambda: report_figures(period=FY2027, scope=scope, as_of=AS_OF))
    # The added data shows in the figures: 12 more sessions held, 12 more loans started.
    held = small_figures.value("sessions_summary", "held")
    assert bigger_figures.value("sessions_summary", "held") == held + 12
    started = small_figures.value("loans_summary", "started")
    assert bigger_figures.value("loans_summary", "started") == started + 12
    assert small == bigger
    # 25, and 5 for the outcomes (self-assessments) of the program's report.
    assert small <= 30


def test_rendering_and_exports_make_no_query():
    build_program()
    figures = report_figures(period=FY2027, as_of=AS_OF)
    assert count_queries(lambda: ProgramReportRenderer(figures, "Report").render()) == 0
    assert count_queries(lambda: report_csv(figures)) == 0
    assert count_queries(lambda: report_workbook(figures)) == 0
