"""Two desks lending the same device at the same moment (real connections, PostgreSQL only)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from loans.models import Device, Loan
from loans.services import loan_checkout
from project.models import Role
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
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: SQLite has no row locks and serialises all writers.")
    LoanPolicyFactory()
    venue = VenueFactory()
    user = make_user(Role.STAFF, venues=[venue])
    device = DeviceFactory(asset_tag="SP-RACE")
    residents = [ResidentFactory() for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    loans: list[Loan] = []
    refused: list[str] = []
    unexpected: list[BaseException] = []
    lock = threading.Lock()

    def lend(resident):
        try:
            barrier.wait(timeout=10)
            loan = loan_checkout(device=device, resident=resident, venue=venue, by=user)
            with lock:
                loans.append(loan)
        except ValidationError as exc:
            with lock:
                refused.extend(exc.messages)
        except BaseException as exc:  # noqa: BLE001 - any other error is the failure we look for
            with lock:
                unexpected.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=lend, args=(r,)) for r in residents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert unexpected == []
    assert len(loans) == 1
    assert len(refused) == THREADS - 1
    assert all("Device SP-RACE is already on loan" in message for message in refused)
    assert Loan.objects.filter(device=device).count() == 1
    device.refresh_from_db()
    assert device.status == Device.Status.ON_LOAN


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_device_locked_too_long_gives_a_try_again_message():
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: lock_timeout is a PostgreSQL setting.")
    from django.db import transaction

    LoanPolicyFactory()
    venue = VenueFactory()
    user = make_user(Role.STAFF, venues=[venue])
    device = DeviceFactory(asset_tag="SP-BUSY")
    resident = ResidentFactory()
    locked = threading.Event()
    release = threading.Event()

    def hold_lock():
        try:
            with transaction.atomic():
                Device.objects.select_for_update().get(pk=device.pk)
                locked.set()
                release.wait(timeout=15)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        with pytest.raises(ValidationError, match="Please wait a moment and try again"):
            loan_checkout(device=device, resident=resident, venue=venue, by=user)
    finally:
        release.set()
        holder.join(timeout=15)
    assert not Loan.objects.exists()
    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE
