"""State changes of device loans: lend (checkout), receive back (return), renew, mark lost, overdue.

A device is scarce: every change that depends on a device's status locks the device row first
(``select_for_update``), then checks, then writes, all in one transaction. The partial unique
constraint ``loan_one_active_per_device`` is the last line of defence. On PostgreSQL a lock that cannot
be had within ``kernel.locking.LOCK_TIMEOUT`` becomes a "try again" message instead of a hung request.
"""

import random
import secrets
from collections.abc import Iterable
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from kernel.locking import bounded_lock_wait
from loans.models import (
    Device,
    DeviceEvent,
    Loan,
    LoanApplication,
    LoanCheckIn,
    LoanLottery,
    LoanPolicy,
    split_kit,
)
from loans.selectors import loan_policies_active
from residents.models import Household, OwnDevice, Resident


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
    if to_status != Device.Status.RESERVED and (device.reserved_for_id or device.reserved_until):
        # Leaving "reserved" (lent, sent to repair, released...) ends the reservation with it.
        device.reserved_for = None
        device.reserved_until = None
        fields += ["reserved_for", "reserved_until"]
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


def format_day(value: date) -> str:
    """A date the Japanese way for messages and notes: ``2026年5月3日 (Sun)``."""
    return dateformat.format(value, "Y年n月j日 (D)")


def _on_loan_error(device: Device) -> ValidationError:
    return ValidationError(
        _("Device %(tag)s is already on loan. Receive it back first, or choose another device.")
        % {"tag": device.asset_tag},
        code="on_loan",
    )


def _unavailable_error(device: Device) -> ValidationError:
    messages = {
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
SMARTPHONE_OWN_DEVICES = (OwnDevice.ANDROID, OwnDevice.IPHONE)


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


def _free_holding_slot(resident: Resident) -> int:
    """The lowest holding slot (1, 2, ...) not taken by the resident's active loans."""
    taken = set(
        Loan.objects.filter(resident=resident, status=Loan.Status.ACTIVE).values_list(
            "holding_slot", flat=True
        )
    )
    slot = 1
    while slot in taken:
        slot += 1
    return slot


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


DEFAULT_RESERVATION_DAYS = 14


def device_reserve(
    *, device: Device, resident: Resident, by, until: date | None = None, note: str = ""
) -> Device:
    """Hold an available ``device`` for ``resident`` until checkout (予約).

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
        _device_set_status(
            device=locked,
            to_status=Device.Status.RESERVED,
            by=by,
            # No resident name: staff of every venue read a device's history.
            note=note.strip() or _("Reserved until %(until)s") % {"until": format_day(until)},
            extra_fields=["reserved_for", "reserved_until"],
        )
        return locked

    locked = _with_lock_errors(run)
    device.status, device.reserved_for, device.reserved_until = (
        locked.status,
        locked.reserved_for,
        locked.reserved_until,
    )
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


def _join_kit(items: Iterable[str]) -> str:
    text = ",".join(split_kit(",".join(items)))
    if len(text) > Loan._meta.get_field("kit_handed_over").max_length:
        raise ValidationError(_("The kit list is too long to record."), code="kit_too_long")
    return text


def loan_checkout(
    *,
    device: Device,
    resident: Resident,
    venue,
    by,
    start_date: date | None = None,
    term_days: int | None = None,
    kit: Iterable[str] | None = None,
    agreement_signed: bool = False,
) -> Loan:
    """Lend ``device`` to ``resident`` at ``venue`` (a classes.Venue) and return the new active Loan.

    ``start_date`` is a local (JST) date, today by default; ``term_days`` defaults to the active
    policy's term, so the due date is ``start_date + term_days`` days. ``kit`` lists the kit items
    handed over (all of ``device.kit_items`` when None). ``by`` is the acting user.

    The device row is locked while its status is checked, so two desks lending the same device at
    the same moment get one loan and one clear message. Raises ValidationError when there is no
    active policy, the device is not available (on loan, in repair, retired, lost), the resident
    is not eligible (under the policy's minimum age, already holding the maximum number of
    loans, recorded as living outside the city or owning a smartphone when the policy requires
    it), the device is reserved for someone else, the due date would not be after the start, or
    the device is busy (lock timeout).
    """
    start = start_date or timezone.localdate()
    policy = loan_policy_active()
    term = policy.term_days if term_days is None else term_days
    if term < 1:
        raise ValidationError(
            _("The due date must be after the start date; the term must be at least one day."),
            code="due_before_start",
        )
    due = start + timedelta(days=term)
    kit_text = _join_kit(device.kit_items if kit is None else kit)
    try:
        with transaction.atomic(), _bounded_device_lock_wait():
            locked = _lock_device(device.pk)
            if not locked.is_lendable:
                raise _unavailable_error(locked)
            if locked.status == Device.Status.RESERVED and locked.reserved_for_id != resident.pk:
                raise _reserved_for_other_error(locked)
            # Lock the resident too (always after the device, so the lock order is fixed): two
            # desks lending two devices to the same resident must not both pass the count.
            locked_resident = Resident.objects.select_for_update().get(pk=resident.pk)
            _check_resident_eligible(resident=locked_resident, policy=policy, on=start)
            _check_no_other_reservation(resident=locked_resident, device=locked, policy=policy)
            loan = Loan.objects.create(
                holding_slot=_free_holding_slot(locked_resident),
                allowed_loans=policy.max_active_loans,
                device=locked,
                resident=locked_resident,
                policy=policy,
                venue=venue,
                status=Loan.Status.ACTIVE,
                start_date=start,
                due_date=due,
                kit_handed_over=kit_text,
                agreement_signed=agreement_signed,
                created_by=by,
            )
            _device_set_status(
                device=locked,
                to_status=Device.Status.ON_LOAN,
                by=by,
                # No resident name: staff of every venue see a device's history.
                note=_("Lent at %(venue)s") % {"venue": getattr(venue, "name", "—")},
            )
    except IntegrityError as exc:
        # Only reachable when something bypassed the device lock (e.g. a raw admin edit).
        text = str(exc)
        if "loan_one_active_per_device" in text or "loans_loan.device_id" in text:
            raise _on_loan_error(device) from exc
        if "loan_resident_slot_once" in text or "loan_within_resident_allowance" in text:
            raise ValidationError(
                _(
                    "%(name)s already holds as many devices as the policy allows. Receive the "
                    "other device back first."
                )
                % {"name": resident.name},
                code="too_many_loans",
            ) from exc
        raise
    device.status = Device.Status.ON_LOAN
    return loan


def _lock_active_loan(loan: Loan) -> tuple[Loan, Device]:
    """Lock the loan's device, then the loan; raise ValidationError unless the loan is active."""
    device = _lock_device(loan.device_id)
    locked = Loan.objects.select_for_update().select_related("resident").get(pk=loan.pk)
    if locked.status != Loan.Status.ACTIVE:
        raise ValidationError(
            _("This loan is not active (it is %(status)s), so it cannot be changed.")
            % {"status": locked.get_status_display()},
            code="not_active",
        )
    return locked, device


def _with_lock_errors(func):
    """Run ``func`` in a transaction with a bounded lock wait; lock timeouts become a message."""
    with transaction.atomic(), _bounded_device_lock_wait():
        return func()


def _append_note(existing: str, line: str) -> str:
    return f"{existing.rstrip()}\n{line}".strip() if line else existing


def loan_return(
    *,
    loan: Loan,
    by,
    returned_on: date | None = None,
    kit_returned: Iterable[str],
    condition: str,
    data_wiped: bool,
    outcome: str = "",
    notes: str = "",
) -> Loan:
    """Receive a lent device back and return the updated Loan (status RETURNED).

    ``returned_on`` is a local date (today by default), not before the start nor in the future.
    ``kit_returned`` lists the kit items checked back; items handed over but missing are written
    to the loan's notes and listed by ``loan.missing_kit_items`` for a warning. ``condition`` is a
    Device.Condition value: a damaged device goes IN_REPAIR, otherwise back to AVAILABLE.
    ``data_wiped`` must be True (the staff member confirms the data wipe; the time is recorded).
    ``outcome`` is a Loan.Outcome value. Raises ValidationError when the loan is not active, the
    wipe is not confirmed, or an input is invalid.
    """
    today = timezone.localdate()
    day = returned_on or today
    if not data_wiped:
        raise ValidationError(
            _(
                "Confirm that the device's data has been wiped (factory reset) before "
                "receiving it back."
            ),
            code="wipe_required",
        )
    if condition not in Device.Condition.values:
        raise ValidationError(_("Choose the condition of the device."), code="condition")
    if outcome not in Loan.Outcome.values:
        raise ValidationError(_("Choose a valid outcome."), code="outcome")
    if day > today:
        raise ValidationError(_("The return date cannot be in the future."), code="future")

    def run() -> Loan:
        locked, device = _lock_active_loan(loan)
        if day < locked.start_date:
            raise ValidationError(
                _("The return date cannot be before the loan started (%(start)s).")
                % {"start": format_day(locked.start_date)},
                code="before_start",
            )
        returned = split_kit(",".join(kit_returned))
        missing = [item for item in locked.kit_handed_over_items if item not in returned]
        lines = []
        if missing:
            lines.append(_("Missing at return: %(items)s") % {"items": "、".join(missing)})
        if notes.strip():
            lines.append(notes.strip())
        locked.status = Loan.Status.RETURNED
        locked.returned_on = day
        locked.returned_by = by
        locked.kit_returned = ",".join(
            item for item in locked.kit_handed_over_items if item in returned
        )
        locked.return_condition = condition
        locked.data_wiped_at = timezone.now()
        locked.outcome = outcome
        locked.notes = _append_note(locked.notes, "\n".join(lines))
        locked.save()
        device.condition = condition
        _device_set_status(
            device=device,
            to_status=(
                Device.Status.IN_REPAIR
                if condition == Device.Condition.DAMAGED
                else Device.Status.AVAILABLE
            ),
            by=by,
            note=(
                _("Received back damaged")
                if condition == Device.Condition.DAMAGED
                else _("Received back")
            ),
            extra_fields=["condition"],
        )
        return locked

    return _with_lock_errors(run)


def loan_renew(*, loan: Loan, by) -> Loan:
    """Extend an active loan by its policy's term (days) and return it.

    Uses the loan's own policy (the active one when the loan has none). Raises ValidationError when
    the loan is not active or has used all ``max_renewals``.
    """

    def run() -> Loan:
        locked, _device = _lock_active_loan(loan)
        policy = locked.policy or loan_policy_active()
        if locked.renewals >= policy.max_renewals:
            raise ValidationError(
                _(
                    "This loan has already been renewed %(count)s time(s); the policy allows "
                    "%(max)s. Receive the device back instead."
                )
                % {"count": locked.renewals, "max": policy.max_renewals},
                code="max_renewals",
            )
        locked.due_date = locked.due_date + timedelta(days=policy.term_days)
        locked.renewals += 1
        if locked.due_date >= timezone.localdate():
            locked.overdue_noted_on = None
        locked.save(update_fields=["due_date", "renewals", "overdue_noted_on"])
        return locked

    return _with_lock_errors(run)


def loan_mark_lost(*, loan: Loan, by, notes: str = "") -> Loan:
    """Record that the lent device is lost: loan LOST (outcome lost), device LOST.

    Raises ValidationError when the loan is not active.
    """

    def run() -> Loan:
        locked, device = _lock_active_loan(loan)
        line = _("Reported lost on %(day)s.") % {"day": format_day(timezone.localdate())}
        if notes.strip():
            line = f"{line} {notes.strip()}"
        locked.status = Loan.Status.LOST
        locked.outcome = Loan.Outcome.LOST
        locked.returned_by = by
        locked.notes = _append_note(locked.notes, line)
        locked.save(update_fields=["status", "outcome", "returned_by", "notes"])
        _device_set_status(
            device=device,
            to_status=Device.Status.LOST,
            by=by,
            note=_("Reported lost during a loan"),
        )
        return locked

    return _with_lock_errors(run)


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


def loans_mark_overdue(*, today: date | None = None) -> list[Loan]:
    """Note active loans whose due date is before ``today`` (local date, today by default).

    Returns the loans newly noted by this run (each appears in exactly one run's list, so running
    twice is harmless); they are the follow-up calls to make. Already-noted loans are left alone.
    """
    day = today or timezone.localdate()
    with transaction.atomic():
        ids = list(
            Loan.objects.select_for_update(skip_locked=True)
            .filter(status=Loan.Status.ACTIVE, due_date__lt=day, overdue_noted_on__isnull=True)
            .values_list("id", flat=True)
        )
        Loan.objects.filter(id__in=ids, overdue_noted_on__isnull=True).update(overdue_noted_on=day)
    return list(
        Loan.objects.filter(id__in=ids)
        .select_related("device", "resident", "venue")
        .order_by("due_date", "id")
    )


def loan_check_in_record(
    *,
    loan: Loan,
    by,
    on: date | None = None,
    channel: str,
    functions: Iterable[str] = (),
    difficulties: str = "",
    satisfaction: int,
) -> LoanCheckIn:
    """Record a follow-up check-in on an active loan and return it.

    ``on`` is the local date of the call or class (today by default), not in the future nor before
    the loan started. ``channel`` is a LoanCheckIn.Channel value, ``functions`` LoanCheckIn.Function
    values (stored comma-separated in a fixed order), ``satisfaction`` an integer 1-5. Raises
    ValidationError with a message for the desk when the loan is not active or an input is invalid.
    """
    day = on or timezone.localdate()
    if channel not in LoanCheckIn.Channel.values:
        raise ValidationError(
            _("Choose how the check-in was made: by phone or at a class."), code="channel"
        )
    chosen = set(functions)
    unknown = chosen - set(LoanCheckIn.Function.values)
    if unknown:
        raise ValidationError(
            _("Unknown function: %(items)s.") % {"items": ", ".join(sorted(unknown))},
            code="function",
        )
    if (
        isinstance(satisfaction, bool)
        or not isinstance(satisfaction, int)
        or not (1 <= satisfaction <= 5)
    ):
        raise ValidationError(
            _("Satisfaction must be a whole number from 1 (not satisfied) to 5 (very satisfied)."),
            code="satisfaction",
        )
    if day > timezone.localdate():
        raise ValidationError(_("The check-in date cannot be in the future."), code="future")
    if loan.status != Loan.Status.ACTIVE:
        raise ValidationError(
            _("This loan is not active (it is %(status)s); check-ins are recorded during a loan.")
            % {"status": loan.get_status_display()},
            code="not_active",
        )
    if day < loan.start_date:
        raise ValidationError(
            _("The check-in date cannot be before the loan started (%(start)s).")
            % {"start": format_day(loan.start_date)},
            code="before_start",
        )
    with transaction.atomic():
        return LoanCheckIn.objects.create(
            loan=loan,
            on=day,
            channel=channel,
            functions_used=",".join(v for v in LoanCheckIn.Function.values if v in chosen),
            difficulties=difficulties.strip(),
            satisfaction=satisfaction,
            created_by=by,
        )


def _in_priority_group(resident: Resident, policy: LoanPolicy) -> bool:
    return (policy.priority_living_alone and resident.household == Household.ALONE) or (
        policy.priority_seniors_only and resident.household == Household.SENIORS_ONLY
    )


def loan_application_create(
    *, resident: Resident, policy: LoanPolicy, by, venue=None
) -> LoanApplication:
    """Record ``resident``'s application for a loan under ``policy`` and return it (PENDING).

    ``venue`` (a classes.Venue or None) is where the resident will collect the device; staff see
    the applications of their own venues.

    Whether the resident is in one of the policy's priority groups (living alone, senior-only
    household) is kept on the application. Raises ValidationError when the resident already has an
    open (not withdrawn) application under this policy.
    """
    try:
        with transaction.atomic():
            return LoanApplication.objects.create(
                resident=resident,
                policy=policy,
                venue=venue,
                priority=_in_priority_group(resident, policy),
                created_by=by,
            )
    except IntegrityError as exc:
        raise ValidationError(
            _("%(name)s has already applied for a loan under this policy.")
            % {"name": resident.name},
            code="duplicate_application",
        ) from exc


def loan_lottery_order(*, application_ids: Iterable[int], priority_ids: Iterable[int], seed: int):
    """The drawn order of ``application_ids``: priority ones first, each group shuffled by ``seed``.

    Pure and reproducible: the same ids and seed always give the same order (ids are sorted
    before shuffling, so the order they are passed in does not matter).
    """
    rng = random.Random(seed)
    ids = sorted(set(application_ids))
    priority = set(priority_ids)
    first = [i for i in ids if i in priority]
    rest = [i for i in ids if i not in priority]
    rng.shuffle(first)
    rng.shuffle(rest)
    return first + rest


def loan_lottery_draw(
    *, policy: LoanPolicy, places: int, by, seed: int | None = None
) -> LoanLottery:
    """Draw ``places`` applicants among the PENDING applications under ``policy``.

    Priority-group applicants are drawn first, then the others, each group in a random order set
    by ``seed`` (a fresh random seed when None). The first ``places`` become SELECTED, the rest
    WAITLISTED with positions 1, 2, ... in drawn order. The seed and the drawn order are kept on
    the returned LoanLottery so the draw can be re-run and explained. Raises ValidationError when
    ``places`` is below 1 or no application is pending.
    """
    if places < 1:
        raise ValidationError(_("The number of places must be at least 1."), code="places")
    seed = secrets.randbits(32) if seed is None else seed
    with transaction.atomic():
        pending = list(
            LoanApplication.objects.select_for_update()
            .filter(policy=policy, status=LoanApplication.Status.PENDING)
            .order_by("id")
        )
        if not pending:
            raise ValidationError(
                _("There are no applications waiting for a lottery under this policy."),
                code="no_applications",
            )
        order = loan_lottery_order(
            application_ids=[a.pk for a in pending],
            priority_ids=[a.pk for a in pending if a.priority],
            seed=seed,
        )
        lottery = LoanLottery.objects.create(
            policy=policy, seed=seed, places=places, result=order, held_by=by
        )
        by_id = {a.pk: a for a in pending}
        for position, app_id in enumerate(order, start=1):
            app = by_id[app_id]
            app.lottery = lottery
            app.draw_position = position
            if position <= places:
                app.status = LoanApplication.Status.SELECTED
                app.waitlist_position = None
            else:
                app.status = LoanApplication.Status.WAITLISTED
                app.waitlist_position = position - places
        LoanApplication.objects.bulk_update(
            pending, ["lottery", "draw_position", "status", "waitlist_position"]
        )
    return lottery
