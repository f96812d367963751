"""State changes of devices outside a loan: reserve for a resident (予約), cancel and expire
reservations, change the status by hand (repair, retire, lost); and what lending shares with them:
the device lock, the status history, the active policy and the resident's eligibility.

A device is scarce: every change that depends on a device's status locks the device row first
(``select_for_update``), then checks, then writes, all in one transaction. On PostgreSQL a lock that
cannot be had within ``kernel.locking.LOCK_TIMEOUT`` becomes a "try again" message instead of a
hung request. ``_device_set_status`` is the one place that changes a device's status.
"""

from collections.abc import Iterable
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.dates import date_full
from kernel.locking import bounded_lock_wait
from loans.models import Device, DeviceEvent, Loan, LoanPolicy
from loans.selectors import loan_policies_active
from residents.models import OwnDevice, Resident


def _bounded_device_lock_wait():
    """``kernel.locking.bounded_lock_wait`` with the device desk's "try again" message."""
    return bounded_lock_wait(
        _("Someone else is changing this device right now. Please wait a moment and try again.")
    )


def _lock_device(device_id: int) -> Device:
    return Device.objects.select_for_update().get(pk=device_id)


def _device_set_status(
    *, device: Device, to_status: str, by, note: str = "", extra_fields: Iterable[str] = ()
) -> DeviceEvent | None:
    """Set ``device.status`` to ``to_status``, save it and record the change in its history.

    The one place that changes a device's status. Call it inside the caller's transaction with
    ``device`` already locked. ``extra_fields`` names other fields the caller changed on
    ``device`` and wants saved in the same UPDATE. Returns the DeviceEvent, or None when the
    status did not change (the extra fields are still saved).
    """
    from_status = device.status
    device.status = to_status
    fields = ["status", *extra_fields]
    if to_status != Device.Status.RESERVED and (
        device.reserved_for_id or device.reserved_until or device.reserved_venue_id
    ):
        # Leaving "reserved" (lent, sent to repair, released...) ends the reservation with it.
        device.reserved_for = None
        device.reserved_until = None
        device.reserved_venue = None
        fields += ["reserved_for", "reserved_until", "reserved_venue"]
    device.save(update_fields=list(dict.fromkeys(fields)))
    if from_status == to_status:
        return None
    return DeviceEvent.objects.create(
        device=device,
        from_status=from_status,
        to_status=to_status,
        by=by,
        note=note[: DeviceEvent._meta.get_field("note").max_length],
    )


def _device_transfer(*, device: Device, to_venue, by, note: str = "") -> DeviceEvent:
    """Move ``device`` to ``to_venue`` (a classes.Venue) as its home venue and record the
    transfer in its history (status unchanged). Call it inside the caller's transaction with
    ``device`` already locked. Returns the DeviceEvent."""
    from_venue = device.home_venue
    device.home_venue = to_venue
    device.save(update_fields=["home_venue"])
    default = _("Moved from %(from)s to %(to)s") % {
        "from": getattr(from_venue, "name", "—"),
        "to": to_venue.name,
    }
    return DeviceEvent.objects.create(
        device=device,
        kind=DeviceEvent.Kind.TRANSFER,
        from_status=device.status,
        to_status=device.status,
        from_venue=from_venue,
        to_venue=to_venue,
        by=by,
        note=(note.strip() or default)[: DeviceEvent._meta.get_field("note").max_length],
    )


def format_day(value: date) -> str:
    """A date for messages and notes in the active language (``kernel.dates.date_full``):
    ``2026年5月3日(日)`` / ``Sun 3 May 2026``."""
    return date_full(value)


def _on_loan_error(device: Device) -> ValidationError:
    return ValidationError(
        _("Device %(tag)s is already on loan. Receive it back first, or choose another device.")
        % {"tag": device.asset_tag},
        code="on_loan",
    )


def _unavailable_error(device: Device) -> ValidationError:
    messages: dict[str, str | None] = {
        Device.Status.ON_LOAN: None,
        Device.Status.IN_REPAIR: _(
            "Device %(tag)s is in repair and cannot be lent. Choose another device."
        ),
        Device.Status.RETIRED: _(
            "Device %(tag)s has been retired and cannot be lent. Choose another device."
        ),
        Device.Status.LOST: _(
            "Device %(tag)s is recorded as lost and cannot be lent. Choose another device."
        ),
    }
    message = messages.get(device.status)
    if message is None:
        return _on_loan_error(device)
    return ValidationError(message % {"tag": device.asset_tag}, code=device.status)


def loan_policy_active() -> LoanPolicy:
    """Return the active loan policy (the newest when several are active).

    Raises ValidationError when the administrator has not set up an active policy.
    """
    policy = loan_policies_active().first()
    if policy is None:
        raise ValidationError(
            _(
                "No active loan policy is set up, so the loan term is unknown. "
                "Ask the program administrator to activate a loan policy."
            ),
            code="no_policy",
        )
    return policy


# Own devices that count as "has a smartphone" for LoanPolicy.requires_no_smartphone.
SMARTPHONE_OWN_DEVICES = (OwnDevice.ANDROID, OwnDevice.IPHONE, OwnDevice.SMARTPHONE)


def _check_resident_eligible(*, resident: Resident, policy: LoanPolicy, on: date) -> None:
    if policy.requires_resident_of_city and not resident.lives_in_city:
        raise ValidationError(
            _(
                "%(name)s is recorded as living outside the city; devices are lent only to "
                "residents living in the city. If they have moved here, correct it on the "
                "resident page."
            )
            % {"name": resident.name},
            code="not_city_resident",
        )
    if policy.requires_no_smartphone and resident.own_device in SMARTPHONE_OWN_DEVICES:
        raise ValidationError(
            _(
                "%(name)s already has a smartphone (%(device)s); devices are lent only to "
                "residents without one. If that is out of date, correct it on the resident page."
            )
            % {"name": resident.name, "device": resident.get_own_device_display()},
            code="has_smartphone",
        )
    age = resident.age_on(on)
    if age is not None and age < policy.min_age:
        raise ValidationError(
            _(
                "%(name)s is %(age)s years old; devices are lent to residents aged %(min_age)s "
                "or over."
            )
            % {"name": resident.name, "age": age, "min_age": policy.min_age},
            code="too_young",
        )
    active = Loan.objects.filter(resident=resident, status=Loan.Status.ACTIVE).count()
    if active >= policy.max_active_loans:
        raise ValidationError(
            _(
                "%(name)s already has %(count)s device(s) on loan; the policy allows "
                "%(max)s per resident. Receive the other device back first."
            )
            % {"name": resident.name, "count": active, "max": policy.max_active_loans},
            code="too_many_loans",
        )


def _reserved_for_other_error(device: Device) -> ValidationError:
    until = format_day(device.reserved_until) if device.reserved_until else "—"
    return ValidationError(
        _(
            "Device %(tag)s is reserved for another resident until %(until)s. Choose another "
            "device, or cancel the reservation on the device page first."
        )
        % {"tag": device.asset_tag, "until": until},
        code="reserved_for_other",
    )


def _check_no_other_reservation(*, resident: Resident, device: Device, policy: LoanPolicy) -> None:
    """Refuse when devices held for ``resident`` would take them over the policy's number."""
    others = list(
        Device.objects.filter(reserved_for=resident, status=Device.Status.RESERVED)
        .exclude(pk=device.pk)
        .values_list("asset_tag", flat=True)
    )
    if not others:
        return
    active = Loan.objects.filter(resident=resident, status=Loan.Status.ACTIVE).count()
    if active + len(others) >= policy.max_active_loans:
        raise ValidationError(
            _(
                "Device %(tags)s is reserved for %(name)s. Lend the reserved device, or cancel "
                "its reservation on the device page first."
            )
            % {"tags": ", ".join(others), "name": resident.name},
            code="has_reservation",
        )


def _with_lock_errors(func):
    """Run ``func`` in a transaction with a bounded lock wait; lock timeouts become a message."""
    with transaction.atomic(), _bounded_device_lock_wait():
        return func()


DEFAULT_RESERVATION_DAYS = 14


def device_reserve(
    *,
    device: Device,
    resident: Resident,
    by,
    until: date | None = None,
    note: str = "",
    venue=None,
) -> Device:
    """Hold an available ``device`` for ``resident`` until checkout (予約).

    ``venue`` (a classes.Venue; the device's home venue when None) is where the reservation is
    made and the resident collects the device: only that venue's staff see the resident's name on
    the device and may change or cancel the reservation.

    ``until`` is the last local (JST) day the device is held, ``DEFAULT_RESERVATION_DAYS`` from
    today when None; after it the daily task releases the device. Reserving a device already
    reserved for the same resident moves the end date. Locks the device, then the resident (the
    order checkout uses). Raises ValidationError when the device is not available (on loan, in
    repair, retired, lost, reserved for someone else), ``until`` is in the past, there is no
    active policy, the resident is not eligible under it, or they already hold or have reserved
    as many devices as the policy allows.
    """
    today = timezone.localdate()
    until = until or today + timedelta(days=DEFAULT_RESERVATION_DAYS)
    if until < today:
        raise ValidationError(
            _("The reservation must last until today or later."), code="until_in_past"
        )
    policy = loan_policy_active()

    def run() -> Device:
        locked = _lock_device(device.pk)
        if locked.status == Device.Status.RESERVED:
            if locked.reserved_for_id != resident.pk:
                raise _reserved_for_other_error(locked)
        elif locked.status != Device.Status.AVAILABLE:
            raise _unavailable_error(locked)
        locked_resident = Resident.objects.select_for_update().get(pk=resident.pk)
        _check_resident_eligible(resident=locked_resident, policy=policy, on=today)
        _check_no_other_reservation(resident=locked_resident, device=locked, policy=policy)
        locked.reserved_for = locked_resident
        locked.reserved_until = until
        locked.reserved_venue_id = venue.pk if venue is not None else locked.home_venue_id
        _device_set_status(
            device=locked,
            to_status=Device.Status.RESERVED,
            by=by,
            # No resident name: staff of every venue read a device's history.
            note=note.strip() or _("Reserved until %(until)s") % {"until": format_day(until)},
            extra_fields=["reserved_for", "reserved_until", "reserved_venue"],
        )
        return locked

    locked = _with_lock_errors(run)
    device.status, device.reserved_for, device.reserved_until = (
        locked.status,
        locked.reserved_for,
        locked.reserved_until,
    )
    device.reserved_venue_id = locked.reserved_venue_id
    return locked


def device_reservation_cancel(*, device: Device, by, note: str = "") -> Device:
    """Release a reserved ``device`` back to available (the resident no longer needs it).

    Raises ValidationError when the device is not reserved (it may have been lent meanwhile).
    """

    def run() -> Device:
        locked = _lock_device(device.pk)
        if locked.status != Device.Status.RESERVED:
            raise ValidationError(
                _("Device %(tag)s is not reserved (it is %(status)s); nothing to cancel.")
                % {"tag": locked.asset_tag, "status": locked.get_status_display()},
                code="not_reserved",
            )
        _device_set_status(
            device=locked,
            to_status=Device.Status.AVAILABLE,
            by=by,
            note=note.strip() or _("Reservation cancelled"),
        )
        return locked

    locked = _with_lock_errors(run)
    device.status, device.reserved_for, device.reserved_until = locked.status, None, None
    device.reserved_venue = None
    return locked


def device_reservations_expire(*, today: date | None = None) -> list[Device]:
    """Release reservations whose last day is before ``today`` (local date, today by default).

    Returns the released devices. Safe to run twice: a released device is no longer reserved.
    Devices locked by a desk right now are skipped and released on the next run.
    """
    today = today or timezone.localdate()
    released = []
    with transaction.atomic():
        for locked in Device.objects.select_for_update(skip_locked=True).filter(
            status=Device.Status.RESERVED, reserved_until__lt=today
        ):
            _device_set_status(
                device=locked,
                to_status=Device.Status.AVAILABLE,
                by=None,
                note=_("Reservation expired"),
            )
            released.append(locked)
    return released


# Status changes staff may make by hand (not through a loan). ON_LOAN only comes from checkout,
# and a device on loan changes only through return or lost, so the loan and device agree.
# RESERVED comes only from device_reserve, which records whom the device is held for.
MANUAL_STATUSES = (
    Device.Status.AVAILABLE,
    Device.Status.IN_REPAIR,
    Device.Status.RETIRED,
    Device.Status.LOST,
)


def device_status_change(*, device: Device, to_status: str, by, note: str = "") -> Device:
    """Change a device's status by hand (send to repair, back from repair, retire...).

    ``to_status`` is a Device.Status value other than ON_LOAN; the change is kept in the device's
    history with ``by`` and ``note``. Raises ValidationError when the status is not allowed, the
    device is on loan (receive it back or record it lost instead), or the device is busy.
    """
    if to_status == Device.Status.RESERVED:
        raise ValidationError(
            _("Reserve a device for a resident with the reservation form on the device page."),
            code="status",
        )
    if to_status not in MANUAL_STATUSES:
        raise ValidationError(
            _("Choose a valid status. A device is put on loan only by lending it."),
            code="status",
        )

    def run() -> Device:
        locked = _lock_device(device.pk)
        if locked.status == Device.Status.ON_LOAN:
            raise ValidationError(
                _(
                    "Device %(tag)s is on loan. Receive it back or record it as lost on the "
                    "loan page instead."
                )
                % {"tag": locked.asset_tag},
                code="on_loan",
            )
        _device_set_status(device=locked, to_status=to_status, by=by, note=note.strip())
        return locked

    locked = _with_lock_errors(run)
    device.status = locked.status
    return locked
