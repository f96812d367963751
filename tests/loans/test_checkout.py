"""loan_checkout: lending a device under the active policy."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from loans.models import Device, Loan
from loans.services import loan_checkout
from tests.factories import DeviceFactory, LoanFactory, LoanPolicyFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def test_checkout_lends_the_device_until_start_plus_policy_term(
    policy, device, resident, venue, staff_user
):
    loan = loan_checkout(
        signed_by="resident",
        device=device,
        resident=resident,
        venue=venue,
        by=staff_user,
        start_date=date(2026, 4, 1),
    )

    device.refresh_from_db()
    assert device.status == Device.Status.ON_LOAN
    assert loan.status == Loan.Status.ACTIVE
    assert loan.start_date == date(2026, 4, 1)
    assert loan.due_date == date(2026, 4, 1) + timedelta(days=182)
    assert loan.policy == policy
    assert loan.venue == venue
    assert loan.created_by == staff_user
    assert loan.agreement_signed is True
    # All the device's kit is recorded as handed over when none is given.
    assert loan.kit_handed_over_items == ["充電器", "ケーブル", "ケース"]


def test_checkout_records_only_the_kit_items_handed_over(
    policy, device, resident, venue, staff_user
):
    loan = loan_checkout(
        signed_by="resident",
        device=device,
        resident=resident,
        venue=venue,
        by=staff_user,
        kit=["充電器", "ケース"],
    )
    assert loan.kit_handed_over_items == ["充電器", "ケース"]


def test_a_device_reserved_for_the_resident_is_lent_and_the_reservation_ends(
    policy, resident, venue, staff_user
):
    reserved = DeviceFactory(status=Device.Status.RESERVED, reserved_for=resident)
    loan_checkout(
        signed_by="resident", device=reserved, resident=resident, venue=venue, by=staff_user
    )
    reserved.refresh_from_db()
    assert reserved.status == Device.Status.ON_LOAN
    assert reserved.reserved_for is None


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Device.Status.ON_LOAN, "Device SP-0100 is already on loan"),
        (Device.Status.IN_REPAIR, "Device SP-0100 is in repair and cannot be lent"),
        (Device.Status.RETIRED, "Device SP-0100 has been retired"),
        (Device.Status.LOST, "Device SP-0100 is recorded as lost"),
    ],
)
def test_an_unavailable_device_is_refused_and_nothing_changes(
    policy, device, resident, venue, staff_user, status, message
):
    Device.objects.filter(pk=device.pk).update(status=status)

    with pytest.raises(ValidationError) as exc:
        loan_checkout(
            signed_by="resident", device=device, resident=resident, venue=venue, by=staff_user
        )

    assert message in exc.value.messages[0]
    assert not Loan.objects.exists()
    device.refresh_from_db()
    assert device.status == status


def test_a_device_already_on_loan_to_someone_else_keeps_its_loan(
    policy, device, resident, venue, staff_user
):
    first = loan_checkout(
        signed_by="resident", device=device, resident=resident, venue=venue, by=staff_user
    )
    other = ResidentFactory()

    with pytest.raises(ValidationError, match="already on loan"):
        loan_checkout(
            signed_by="resident", device=device, resident=other, venue=venue, by=staff_user
        )

    assert list(Loan.objects.all()) == [first]
    assert not other.loans.exists()


def test_the_database_refuses_a_second_active_loan_even_when_the_status_is_stale(
    policy, device, resident, venue, staff_user
):
    # Someone reset the device status by hand while it is still lent: the constraint holds.
    loan_checkout(
        signed_by="resident", device=device, resident=resident, venue=venue, by=staff_user
    )
    Device.objects.filter(pk=device.pk).update(status=Device.Status.AVAILABLE)

    with pytest.raises(ValidationError, match="Device SP-0100 is already on loan"):
        loan_checkout(
            signed_by="resident",
            device=device,
            resident=ResidentFactory(),
            venue=venue,
            by=staff_user,
        )

    assert Loan.objects.filter(device=device, status=Loan.Status.ACTIVE).count() == 1


def test_a_resident_under_the_minimum_age_is_refused(policy, device, venue, staff_user):
    young = ResidentFactory(name="若井 一郎", birth_date=date(1970, 1, 1))

    with pytest.raises(ValidationError) as exc:
        loan_checkout(
            signed_by="resident",
            device=device,
            resident=young,
            venue=venue,
            by=staff_user,
            start_date=date(2026, 4, 1),
        )

    assert "若井 一郎 is 56 years old" in exc.value.messages[0]
    assert "aged 65 or over" in exc.value.messages[0]
    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE
    assert not Loan.objects.exists()


def test_age_is_taken_on_the_start_date(policy, device, venue, staff_user):
    turns_65 = ResidentFactory(birth_date=date(1961, 4, 1))
    loan = loan_checkout(
        signed_by="resident",
        device=device,
        resident=turns_65,
        venue=venue,
        by=staff_user,
        start_date=date(2026, 4, 1),
    )
    assert loan.pk


def test_a_resident_without_a_known_birth_date_may_borrow(policy, device, venue, staff_user):
    unknown = ResidentFactory(birth_date=None)
    assert loan_checkout(
        signed_by="resident", device=device, resident=unknown, venue=venue, by=staff_user
    ).pk


def test_a_resident_already_holding_the_maximum_is_refused(
    policy, device, resident, venue, staff_user
):
    LoanFactory(resident=resident, policy=policy, venue=venue)

    with pytest.raises(ValidationError) as exc:
        loan_checkout(
            signed_by="resident", device=device, resident=resident, venue=venue, by=staff_user
        )

    assert "山田 花子 already has 1 device(s) on loan" in exc.value.messages[0]
    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE
    assert resident.loans.count() == 1


def test_a_returned_loan_does_not_count_against_the_maximum(
    policy, device, resident, venue, staff_user
):
    LoanFactory(resident=resident, policy=policy, status=Loan.Status.RETURNED)
    assert loan_checkout(
        signed_by="resident", device=device, resident=resident, venue=venue, by=staff_user
    ).pk


def test_without_an_active_policy_nothing_is_lent(device, resident, venue, staff_user):
    LoanPolicyFactory(is_active=False)

    with pytest.raises(ValidationError, match="No active loan policy"):
        loan_checkout(
            signed_by="resident", device=device, resident=resident, venue=venue, by=staff_user
        )

    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE


def test_a_term_that_puts_the_due_date_before_the_start_is_refused(
    policy, device, resident, venue, staff_user
):
    with pytest.raises(ValidationError, match="due date must be after the start date"):
        loan_checkout(
            signed_by="resident",
            device=device,
            resident=resident,
            venue=venue,
            by=staff_user,
            term_days=0,
        )
    assert not Loan.objects.exists()


def test_an_explicit_term_overrides_the_policy(policy, device, resident, venue, staff_user):
    loan = loan_checkout(
        signed_by="resident",
        device=device,
        resident=resident,
        venue=venue,
        by=staff_user,
        start_date=date(2026, 4, 1),
        term_days=30,
    )
    assert loan.due_date == date(2026, 5, 1)
