"""mark_overdue_loans: the hourly overdue scan."""

from datetime import date, timedelta

import pytest
import time_machine

from loans.models import Loan
from loans.tasks import mark_overdue_loans
from tests.factories import LoanFactory

pytestmark = pytest.mark.django_db


@time_machine.travel(date(2026, 6, 10))
def test_overdue_loans_are_noted_once_for_follow_up():
    overdue = LoanFactory(start_date=date(2026, 1, 1), due_date=date(2026, 6, 9))
    LoanFactory(start_date=date(2026, 1, 1), due_date=date(2026, 6, 10))  # due today: not overdue
    LoanFactory(start_date=date(2026, 1, 1), due_date=date(2026, 5, 1), status=Loan.Status.RETURNED)

    first = mark_overdue_loans.delay().get()
    second = mark_overdue_loans.delay().get()

    assert first == {"newly_overdue": 1, "overdue": 1}
    assert second == {"newly_overdue": 0, "overdue": 1}
    overdue.refresh_from_db()
    assert overdue.overdue_noted_on == date(2026, 6, 10)
    assert Loan.objects.filter(overdue_noted_on__isnull=False).count() == 1


def test_the_task_is_registered_under_the_beat_schedule_name(settings):
    from project.celery import app

    name = settings.CELERY_BEAT_SCHEDULE["loans-mark-overdue"]["task"]
    assert name == "loans.tasks.mark_overdue_loans"
    assert name in app.tasks


@time_machine.travel(date(2026, 6, 10))
def test_renewing_an_overdue_loan_clears_the_overdue_note(staff_user):
    from loans.services import loan_renew

    loan = LoanFactory(start_date=date(2026, 1, 1), due_date=date(2026, 6, 1))
    mark_overdue_loans()
    loan_renew(loan=loan, by=staff_user)
    loan.refresh_from_db()
    assert loan.due_date == date(2026, 6, 1) + timedelta(days=182)
    assert loan.overdue_noted_on is None
