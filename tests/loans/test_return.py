"""loan_return, loan_renew, loan_mark_lost: closing and extending loans."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from loans.models import Device, Loan
from loans.services import loan_checkout, loan_mark_lost, loan_renew, loan_return

pytestmark = pytest.mark.django_db


def test_return_makes_the_device_available_again(loan, device, staff_user):
    returned = loan_return(
        loan=loan,
        by=staff_user,
        kit_returned=["充電器", "ケーブル", "ケース"],
        condition=Device.Condition.GOOD,
        data_wiped=True,
        outcome=Loan.Outcome.OWN_DEVICE,
    )

    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE
    returned.refresh_from_db()
    assert returned.status == Loan.Status.RETURNED
    assert returned.returned_on == timezone.localdate()
    assert returned.returned_by == staff_user
    assert returned.data_wiped_at is not None
    assert returned.outcome == Loan.Outcome.OWN_DEVICE
    assert returned.missing_kit_items == []


def test_return_requires_the_data_wipe_confirmation(loan, device, staff_user):
    with pytest.raises(ValidationError, match="data has been wiped"):
        loan_return(
            loan=loan,
            by=staff_user,
            kit_returned=["充電器", "ケーブル", "ケース"],
            condition=Device.Condition.GOOD,
            data_wiped=False,
        )

    loan.refresh_from_db()
    device.refresh_from_db()
    assert loan.status == Loan.Status.ACTIVE
    assert loan.data_wiped_at is None
    assert device.status == Device.Status.ON_LOAN


def test_missing_kit_is_noted_and_listed(loan, staff_user):
    returned = loan_return(
        loan=loan,
        by=staff_user,
        kit_returned=["充電器"],
        condition=Device.Condition.WORN,
        data_wiped=True,
        notes="ケースは後日持参",
    )

    returned.refresh_from_db()
    assert returned.missing_kit_items == ["ケーブル", "ケース"]
    assert "Missing at return: ケーブル、ケース" in returned.notes
    assert "ケースは後日持参" in returned.notes


def test_a_damaged_device_goes_to_repair(loan, device, staff_user):
    loan_return(
        loan=loan,
        by=staff_user,
        kit_returned=["充電器", "ケーブル", "ケース"],
        condition=Device.Condition.DAMAGED,
        data_wiped=True,
    )
    device.refresh_from_db()
    assert device.status == Device.Status.IN_REPAIR
    assert device.condition == Device.Condition.DAMAGED


def test_a_loan_that_is_not_active_cannot_be_returned(loan, device, staff_user):
    loan_return(loan=loan, by=staff_user, kit_returned=[], condition="good", data_wiped=True)
    loan.refresh_from_db()
    first_wipe = loan.data_wiped_at

    with pytest.raises(ValidationError, match="This loan is not active \\(it is Returned\\)"):
        loan_return(loan=loan, by=staff_user, kit_returned=[], condition="damaged", data_wiped=True)

    loan.refresh_from_db()
    device.refresh_from_db()
    assert loan.data_wiped_at == first_wipe
    assert loan.return_condition == "good"
    assert device.status == Device.Status.AVAILABLE


def test_the_return_date_cannot_be_before_the_start(loan, staff_user):
    with pytest.raises(ValidationError, match="before the loan started"):
        loan_return(
            loan=loan,
            by=staff_user,
            returned_on=loan.start_date - timedelta(days=1),
            kit_returned=[],
            condition="good",
            data_wiped=True,
        )
    loan.refresh_from_db()
    assert loan.status == Loan.Status.ACTIVE


def test_renew_extends_by_the_policy_term_once(loan, staff_user):
    due = loan.due_date
    renewed = loan_renew(loan=loan, by=staff_user)
    assert renewed.due_date == due + timedelta(days=182)
    assert renewed.renewals == 1

    with pytest.raises(ValidationError, match="already been renewed 1 time"):
        loan_renew(loan=loan, by=staff_user)
    loan.refresh_from_db()
    assert loan.due_date == due + timedelta(days=182)


def test_mark_lost_closes_the_loan_and_the_device(loan, device, staff_user):
    loan_mark_lost(loan=loan, by=staff_user, notes="バスの中で紛失")
    loan.refresh_from_db()
    device.refresh_from_db()
    assert loan.status == Loan.Status.LOST
    assert loan.outcome == Loan.Outcome.LOST
    assert "バスの中で紛失" in loan.notes
    assert device.status == Device.Status.LOST

    with pytest.raises(ValidationError, match="not active"):
        loan_renew(loan=loan, by=staff_user)


def test_a_returned_device_can_be_lent_again(loan, device, resident, venue, staff_user):
    loan_return(loan=loan, by=staff_user, kit_returned=[], condition="good", data_wiped=True)
    again = loan_checkout(
        signed_by="resident", device=device, resident=resident, venue=venue, by=staff_user
    )
    assert again.status == Loan.Status.ACTIVE
    assert device.loans.count() == 2
