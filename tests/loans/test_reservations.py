"""Reserving a device for a resident before checkout, and the per-resident limit in the database."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from kernel.models import Role
from loans.models import Device, DeviceEvent, Loan, LoanApplication
from loans.services import loan_checkout
from loans.services_devices import (
    device_reservation_cancel,
    device_reservations_expire,
    device_reserve,
    device_status_change,
)
from loans.services_lottery import loan_application_create
from loans.tasks import release_expired_reservations
from tests.concurrency import run_at_once, skip_unless_postgresql
from tests.factories import (
    DeviceFactory,
    LoanFactory,
    LoanPolicyFactory,
    ResidentFactory,
    VenueFactory,
    make_user,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-11-20 10:00 +09:00", tick=False):
        yield


@pytest.fixture
def other_resident(db):
    return ResidentFactory(name="鈴木 一郎", birth_date=date(1945, 1, 1))


def test_reserving_holds_the_device_for_that_resident_with_history(
    policy, device, resident, staff_user
):
    device_reserve(device=device, resident=resident, by=staff_user, until=date(2026, 11, 30))

    device.refresh_from_db()
    assert device.status == Device.Status.RESERVED
    assert device.reserved_for == resident
    assert device.reserved_until == date(2026, 11, 30)
    event = DeviceEvent.objects.get(device=device)
    assert (event.from_status, event.to_status) == ("available", "reserved")
    assert event.by == staff_user
    assert resident.name not in event.note  # history is read by every venue's staff


def test_default_reservation_lasts_two_weeks(policy, device, resident, staff_user):
    device_reserve(device=device, resident=resident, by=staff_user)
    device.refresh_from_db()
    assert device.reserved_until == TODAY + timedelta(days=14)


def test_another_resident_cannot_borrow_a_reserved_device(
    policy, device, resident, other_resident, venue, staff_user
):
    device_reserve(device=device, resident=resident, by=staff_user, until=date(2026, 11, 30))

    with pytest.raises(ValidationError) as exc:
        loan_checkout(
            signed_by="resident", device=device, resident=other_resident, venue=venue, by=staff_user
        )

    assert exc.value.messages == [
        "Device SP-0100 is reserved for another resident until Mon 30 Nov 2026. Choose "
        "another device, or cancel the reservation on the device page first."
    ]
    assert not Loan.objects.exists()
    device.refresh_from_db()
    assert device.status == Device.Status.RESERVED
    assert device.reserved_for == resident


def test_another_resident_cannot_take_over_a_reservation(
    policy, device, resident, other_resident, staff_user
):
    device_reserve(device=device, resident=resident, by=staff_user)
    with pytest.raises(ValidationError, match="reserved for another resident"):
        device_reserve(device=device, resident=other_resident, by=staff_user)
    device.refresh_from_db()
    assert device.reserved_for == resident


def test_the_reserved_resident_borrows_it_and_the_reservation_ends(
    policy, device, resident, venue, staff_user
):
    device_reserve(device=device, resident=resident, by=staff_user)
    loan = loan_checkout(
        signed_by="resident", device=device, resident=resident, venue=venue, by=staff_user
    )

    device.refresh_from_db()
    assert loan.status == Loan.Status.ACTIVE
    assert device.status == Device.Status.ON_LOAN
    assert device.reserved_for is None and device.reserved_until is None
    assert list(
        DeviceEvent.objects.filter(device=device).order_by("id").values_list("to_status", flat=True)
    ) == [
        "reserved",
        "on_loan",
    ]


def test_a_resident_with_a_reservation_cannot_take_a_different_device_over_the_limit(
    policy, device, resident, venue, staff_user
):
    device_reserve(device=device, resident=resident, by=staff_user)
    spare = DeviceFactory(asset_tag="SP-0200")

    with pytest.raises(ValidationError) as exc:
        loan_checkout(
            signed_by="resident", device=spare, resident=resident, venue=venue, by=staff_user
        )

    assert exc.value.messages == [
        "Device SP-0100 is reserved for 山田 花子. Lend the reserved device, or cancel its "
        "reservation on the device page first."
    ]
    assert not Loan.objects.exists()


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Device.Status.ON_LOAN, "Device SP-0100 is already on loan"),
        (Device.Status.IN_REPAIR, "Device SP-0100 is in repair"),
        (Device.Status.RETIRED, "Device SP-0100 has been retired"),
        (Device.Status.LOST, "Device SP-0100 is recorded as lost"),
    ],
)
def test_only_an_available_device_can_be_reserved(
    policy, device, resident, staff_user, status, message
):
    Device.objects.filter(pk=device.pk).update(status=status)
    with pytest.raises(ValidationError, match=message):
        device_reserve(device=device, resident=resident, by=staff_user)
    device.refresh_from_db()
    assert device.status == status
    assert device.reserved_for is None
    assert not DeviceEvent.objects.exists()


def test_an_ineligible_resident_cannot_reserve(device, staff_user):
    LoanPolicyFactory(min_age=65)
    young = ResidentFactory(name="若井 翔", birth_date=date(1990, 5, 5))
    with pytest.raises(ValidationError, match="devices are lent to residents aged 65"):
        device_reserve(device=device, resident=young, by=staff_user)
    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE


def test_a_reservation_ending_in_the_past_is_refused(policy, device, resident, staff_user):
    with pytest.raises(ValidationError, match="until today or later"):
        device_reserve(device=device, resident=resident, by=staff_user, until=date(2026, 11, 19))
    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE


def test_cancelling_frees_the_device_and_cancelling_twice_explains(
    policy, device, resident, staff_user
):
    device_reserve(device=device, resident=resident, by=staff_user)
    device_reservation_cancel(device=device, by=staff_user, note="本人辞退")
    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE
    assert device.reserved_for is None
    assert DeviceEvent.objects.filter(device=device).latest("id").note == "本人辞退"

    with pytest.raises(ValidationError, match="is not reserved"):
        device_reservation_cancel(device=device, by=staff_user)


def test_expired_reservations_are_released_once_by_the_daily_task(
    policy, device, resident, staff_user
):
    keep = DeviceFactory(asset_tag="SP-0300")
    other = ResidentFactory(name="田中 三郎", birth_date=date(1944, 2, 2))
    device_reserve(device=device, resident=resident, by=staff_user, until=date(2026, 11, 21))
    device_reserve(device=keep, resident=other, by=staff_user, until=date(2026, 11, 22))

    with time_machine.travel("2026-11-22 09:00 +09:00", tick=False):
        assert release_expired_reservations.delay().get() == {"released": 1}
        assert release_expired_reservations.delay().get() == {"released": 0}

    device.refresh_from_db()
    keep.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE and device.reserved_for is None
    assert keep.status == Device.Status.RESERVED and keep.reserved_for == other
    assert DeviceEvent.objects.filter(device=device).latest("id").note == "Reservation expired"
    assert device_reservations_expire(today=date(2026, 11, 22)) == []


def test_reserved_cannot_be_set_by_hand_without_a_resident(device, staff_user):
    with pytest.raises(ValidationError, match="reservation form on the device page"):
        device_status_change(device=device, to_status=Device.Status.RESERVED, by=staff_user)
    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE


def test_sending_a_reserved_device_to_repair_ends_the_reservation(
    policy, device, resident, staff_user
):
    device_reserve(device=device, resident=resident, by=staff_user)
    device_status_change(device=device, to_status=Device.Status.IN_REPAIR, by=staff_user)
    device.refresh_from_db()
    assert device.status == Device.Status.IN_REPAIR
    assert device.reserved_for is None


# The database itself --------------------------------------------------------------------------


def test_the_database_refuses_a_reserved_device_without_a_resident(device):
    with pytest.raises(IntegrityError), transaction.atomic():
        Device.objects.filter(pk=device.pk).update(status=Device.Status.RESERVED)


def test_the_database_refuses_a_resident_over_the_allowed_number_of_loans(resident, venue):
    first = LoanFactory(resident=resident, allowed_loans=1)
    assert first.holding_slot == 1
    # Bypassing the service: a second active loan for the same resident, same slot or beyond.
    for slot in (1, 2):
        with pytest.raises(IntegrityError), transaction.atomic():
            LoanFactory(resident=resident, holding_slot=slot, allowed_loans=1)
    assert Loan.objects.filter(resident=resident, status="active").count() == 1


def test_the_policy_number_is_used_when_more_devices_are_allowed(resident, venue, staff_user):
    LoanPolicyFactory(max_active_loans=2)
    a, b, c = (DeviceFactory() for _ in range(3))
    first = loan_checkout(
        signed_by="resident", device=a, resident=resident, venue=venue, by=staff_user
    )
    second = loan_checkout(
        signed_by="resident", device=b, resident=resident, venue=venue, by=staff_user
    )
    assert (first.holding_slot, second.holding_slot) == (1, 2)
    assert second.allowed_loans == 2
    with pytest.raises(ValidationError, match="the policy allows 2 per resident"):
        loan_checkout(signed_by="resident", device=c, resident=resident, venue=venue, by=staff_user)


# Pages ----------------------------------------------------------------------------------------


def test_reserve_page_reserves_and_the_device_page_offers_lending_to_that_resident(
    staff_client, policy, device, resident, venue
):
    url = reverse("loans:reserve") + f"?device={device.pk}&resident={resident.pk}"
    response = staff_client.post(url, {"until": "2026-11-27", "note": "", "venue": venue.pk})
    assert response.status_code == 302
    page = staff_client.get(reverse("loans:device_detail", args=[device.pk])).content.decode()
    assert "Reserved for 山田 花子 until Fri 27 Nov 2026" in page
    assert f"?device={device.pk}&amp;resident={resident.pk}" in page
    lend = staff_client.get(reverse("loans:checkout") + f"?resident={resident.pk}")
    assert "Reserved for this resident:" in lend.content.decode()


def test_reserve_page_shows_a_bad_day_and_saves_nothing(staff_client, policy, device, resident):
    url = reverse("loans:reserve") + f"?device={device.pk}&resident={resident.pk}"
    response = staff_client.post(url, {"until": "2026-11-01"})
    assert response.status_code == 200
    assert "The reservation must last until today or later." in response.content.decode()
    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE


def test_cancel_page_releases_the_device(staff_client, policy, device, resident, staff_user):
    device_reserve(device=device, resident=resident, by=staff_user)
    url = reverse("loans:reservation_cancel", args=[device.pk])
    asked = staff_client.post(url, {"note": "辞退"}).content.decode()
    assert f"Cancel the reservation of SP-0100 for {resident.name}?" in asked
    assert 'name="note" value="辞退"' in asked
    device.refresh_from_db()
    assert device.status == Device.Status.RESERVED  # asking changed nothing
    response = staff_client.post(url, {"note": "辞退", "confirmed": "yes"}, follow=True)
    assert "The reservation of SP-0100 was cancelled." in response.content.decode()
    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE


def test_staff_of_another_venue_cannot_cancel_a_reservation_nor_see_for_whom(
    client, policy, device, resident, staff_user, other_staff_user
):
    device_reserve(device=device, resident=resident, by=staff_user)
    client.force_login(other_staff_user)
    page = client.get(reverse("loans:device_detail", args=[device.pk])).content.decode()
    assert "Reserved at another venue until" in page
    assert resident.name not in page
    assert "Cancel the reservation" not in page

    response = client.post(reverse("loans:reservation_cancel", args=[device.pk]), {"note": "x"})
    assert response.status_code == 404
    device.refresh_from_db()
    assert device.status == Device.Status.RESERVED and device.reserved_for == resident


def test_the_reservation_is_kept_at_the_venue_chosen(
    client, policy, device, resident, other_venue, staff_user, other_staff_user
):
    staff_user.profile.venues.add(other_venue)
    client.force_login(staff_user)
    url = reverse("loans:reserve") + f"?device={device.pk}&resident={resident.pk}"
    client.post(url, {"until": "2026-11-27", "venue": other_venue.pk})
    device.refresh_from_db()
    assert device.reserved_venue == other_venue
    # The other venue's staff may now cancel it; the device's home venue stays as it was.
    client.force_login(other_staff_user)
    response = client.post(
        reverse("loans:reservation_cancel", args=[device.pk]), {"confirmed": "yes"}, follow=True
    )
    assert "The reservation of SP-0100 was cancelled." in response.content.decode()


def test_staff_cannot_reserve_at_another_venue(staff_client, policy, device, resident, other_venue):
    url = reverse("loans:reserve") + f"?device={device.pk}&resident={resident.pk}"
    response = staff_client.post(url, {"until": "2026-11-27", "venue": other_venue.pk})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE


def test_the_lend_and_reserve_pages_hide_another_venues_reservation_and_loan(
    client, policy, device, resident, staff_user, other_staff_user, other_venue
):
    device_reserve(device=device, resident=resident, by=staff_user)
    LoanFactory(resident=resident, venue=device.home_venue, device__asset_tag="SP-LENT")
    client.force_login(other_staff_user)
    for name in ("loans:checkout", "loans:reserve"):
        page = client.get(
            reverse(name), {"device": device.pk, "resident": resident.pk}
        ).content.decode()
        assert "SP-0100 is reserved at another venue. Choose another device." in page, name
        assert "SP-LENT" not in page, name
        assert "also has 2 loans or reservations at other venues" in page, name
        assert 'name="until"' not in page and 'name="start_date"' not in page, name


def test_coordinators_cannot_reserve(coordinator_client, policy, device, resident):
    url = reverse("loans:reserve") + f"?device={device.pk}&resident={resident.pk}"
    assert coordinator_client.post(url, {"until": "2026-11-27"}).status_code == 403
    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE


# Applications by venue ------------------------------------------------------------------------


def test_staff_see_the_applications_of_their_venues_only(
    client, policy, venue, other_venue, staff_user, other_staff_user, admin_user
):
    here = ResidentFactory(name="本町 花子")
    there = ResidentFactory(name="小名浜 太郎")
    anywhere = ResidentFactory(name="未定 次郎")
    loan_application_create(resident=here, policy=policy, by=staff_user, venue=venue)
    loan_application_create(resident=there, policy=policy, by=other_staff_user, venue=other_venue)
    # Recorded before the venue was required: administrators only.
    LoanApplication.objects.create(resident=anywhere, policy=policy)
    url = reverse("loans:applications") + f"?policy={policy.pk}"

    client.force_login(staff_user)
    page = client.get(url).content.decode()
    assert "本町 花子" in page
    assert "小名浜 太郎" not in page and "未定 次郎" not in page

    client.force_login(admin_user)
    page = client.get(url).content.decode()
    assert all(name in page for name in ("本町 花子", "小名浜 太郎", "未定 次郎"))


def test_an_application_records_the_venue_chosen(staff_client, policy, venue, resident):
    staff_client.post(
        reverse("loans:application_add"),
        {"policy": policy.pk, "resident": resident.pk, "venue": venue.pk},
    )
    assert LoanApplication.objects.get(resident=resident).venue == venue


def test_staff_cannot_file_an_application_at_another_venue(
    staff_client, policy, other_venue, resident
):
    response = staff_client.post(
        reverse("loans:application_add"),
        {"policy": policy.pk, "resident": resident.pk, "venue": other_venue.pk},
        follow=True,
    )
    assert "Choose one of your venues." in response.content.decode()
    assert not LoanApplication.objects.exists()


# Two desks at once (PostgreSQL) ---------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_desks_reserving_one_device_for_different_residents_end_with_one_reservation():
    skip_unless_postgresql("SQLite has no row locks and serialises all writers.")
    LoanPolicyFactory()
    venue = VenueFactory()
    user = make_user(Role.STAFF, venues=[venue])
    device = DeviceFactory(asset_tag="SP-HOLD")
    residents = [ResidentFactory(birth_date=date(1945, 1, 1)) for _ in range(2)]

    def reserve(resident):
        device_reserve(device=device, resident=resident, by=user)
        return resident.pk

    outcome = run_at_once(reserve, [(r,) for r in residents])

    assert outcome.unexpected == []
    assert len(outcome.results) == 1 and len(outcome.refused) == 1
    assert "reserved for another resident" in outcome.refused_messages[0]
    device.refresh_from_db()
    assert device.reserved_for_id == outcome.results[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_desks_lending_two_devices_to_one_resident_end_with_one_loan():
    skip_unless_postgresql("SQLite has no row locks and serialises all writers.")
    LoanPolicyFactory(max_active_loans=1)
    venue = VenueFactory()
    user = make_user(Role.STAFF, venues=[venue])
    resident = ResidentFactory(birth_date=date(1945, 1, 1))
    devices = [DeviceFactory() for _ in range(2)]

    def lend(device):
        return loan_checkout(
            signed_by="resident", device=device, resident=resident, venue=venue, by=user
        )

    outcome = run_at_once(lend, [(d,) for d in devices])

    assert outcome.unexpected == []
    assert len(outcome.results) == 1 and len(outcome.refused) == 1
    assert "the policy allows 1 per resident" in outcome.refused_messages[0]
    assert Loan.objects.filter(resident=resident, status="active").count() == 1
