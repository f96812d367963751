"""Two desks lending the same device at the same moment (real connections, PostgreSQL only)."""

import pytest
from django.core.exceptions import ValidationError

from kernel.models import Role
from loans.models import Device, Loan
from loans.services import loan_checkout
from tests.concurrency import row_locked, run_at_once, skip_unless_postgresql
from tests.factories import (
    DeviceFactory,
    LoanPolicyFactory,
    ResidentFactory,
    VenueFactory,
    make_user,
)

THREADS = 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_only_one_of_ten_simultaneous_checkouts_of_one_device_succeeds():
    skip_unless_postgresql("SQLite has no row locks and serialises all writers.")
    LoanPolicyFactory()
    venue = VenueFactory()
    user = make_user(Role.STAFF, venues=[venue])
    device = DeviceFactory(asset_tag="SP-RACE")
    residents = [ResidentFactory() for _ in range(THREADS)]

    def lend(resident):
        return loan_checkout(
            signed_by="resident", device=device, resident=resident, venue=venue, by=user
        )

    outcome = run_at_once(lend, [(r,) for r in residents])

    assert outcome.unexpected == []
    assert len(outcome.results) == 1
    assert len(outcome.refused) == THREADS - 1
    assert all(
        "Device SP-RACE is already on loan" in message for message in outcome.refused_messages
    )
    assert Loan.objects.filter(device=device).count() == 1
    assert Loan.objects.get(device=device).pk == outcome.results[0].pk
    device.refresh_from_db()
    assert device.status == Device.Status.ON_LOAN


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_device_locked_too_long_gives_a_try_again_message():
    skip_unless_postgresql("lock_timeout is a PostgreSQL setting.")
    LoanPolicyFactory()
    venue = VenueFactory()
    user = make_user(Role.STAFF, venues=[venue])
    device = DeviceFactory(asset_tag="SP-BUSY")
    resident = ResidentFactory()

    with (
        row_locked(Device, device.pk, hold_seconds=15),
        pytest.raises(ValidationError, match="Please wait a moment and try again"),
    ):
        loan_checkout(signed_by="resident", device=device, resident=resident, venue=venue, by=user)
    assert not Loan.objects.exists()
    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE
