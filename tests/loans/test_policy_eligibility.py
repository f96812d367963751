"""Loan policy eligibility: living in the city, no own smartphone; enforced by loan_checkout."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from loans.models import Device, DeviceEvent, Loan
from loans.services import loan_checkout
from residents.models import OwnDevice
from tests.factories import LoanPolicyFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_policy(db):
    return LoanPolicyFactory(
        requires_resident_of_city=True,
        requires_no_smartphone=True,
        classes_to_attend=6,
        priority_living_alone=True,
        priority_seniors_only=True,
    )


def _resident(**kwargs):
    values = {"name": "佐藤 次郎", "birth_date": date(1948, 6, 1), "district": "平"}
    values.update(kwargs)
    return ResidentFactory(**values)


def _lend(device, resident, venue, by):
    return loan_checkout(signed_by="resident", device=device, resident=resident, venue=venue, by=by)


@pytest.mark.parametrize("own", [OwnDevice.NONE, OwnDevice.FEATURE_PHONE, OwnDevice.TABLET])
def test_a_city_resident_without_a_smartphone_may_borrow(
    strict_policy, device, venue, staff_user, own
):
    loan = _lend(device, _resident(own_device=own), venue, staff_user)
    assert loan.status == Loan.Status.ACTIVE
    assert loan.policy.classes_to_attend == 6


@pytest.mark.parametrize(
    ("own", "label"), [(OwnDevice.ANDROID, "Android smartphone"), (OwnDevice.IPHONE, "iPhone")]
)
def test_a_resident_with_a_smartphone_is_refused(
    strict_policy, device, venue, staff_user, own, label
):
    with pytest.raises(ValidationError) as exc:
        _lend(device, _resident(own_device=own), venue, staff_user)
    assert exc.value.messages == [
        f"佐藤 次郎 already has a smartphone ({label}); devices are lent only to residents "
        "without one. If that is out of date, correct it on the resident page."
    ]
    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE
    assert not Loan.objects.exists()
    assert not DeviceEvent.objects.exists()


def test_a_resident_living_outside_the_city_is_refused(strict_policy, device, venue, staff_user):
    with pytest.raises(ValidationError) as exc:
        _lend(device, _resident(lives_in_city=False), venue, staff_user)
    assert exc.value.messages == [
        "佐藤 次郎 is recorded as living outside the city; devices are lent only to residents "
        "living in the city. If they have moved here, correct it on the resident page."
    ]
    assert not Loan.objects.exists()
    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE


def test_rules_off_by_default_let_anyone_of_age_borrow(policy, device, venue, staff_user):
    loan = _lend(
        device, _resident(lives_in_city=False, own_device=OwnDevice.IPHONE), venue, staff_user
    )
    assert loan.status == Loan.Status.ACTIVE


def test_lend_page_shows_why_a_smartphone_owner_cannot_borrow(
    staff_client, strict_policy, device, venue
):
    owner = _resident(own_device=OwnDevice.IPHONE)
    url = reverse("loans:checkout") + f"?device={device.pk}&resident={owner.pk}"
    response = staff_client.post(
        url,
        {
            "venue": venue.pk,
            "start_date": timezone.localdate().isoformat(),
            "signed_by": "resident",
        },
    )
    assert response.status_code == 200
    assert "already has a smartphone (iPhone)" in response.content.decode()
    assert not Loan.objects.exists()
    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE


def test_lend_page_states_the_policy_rules(staff_client, strict_policy):
    html = staff_client.get(reverse("loans:checkout")).content.decode()
    assert "Only residents living in the city" in html
    assert "Only residents without a smartphone of their own." in html
    assert "attend 6 classes during the loan" in html
