"""State changes of device loans: lend (checkout), receive back (return), renew, mark lost, overdue.

A device is scarce: every change that depends on a device's status locks the device row first
(``select_for_update``), then checks, then writes, all in one transaction. The partial unique
constraint ``loan_one_active_per_device`` is the last line of defence. On PostgreSQL a lock that cannot
be had within ``kernel.locking.LOCK_TIMEOUT`` becomes a "try again" message instead of a hung request.
"""

from collections.abc import Iterable
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loans.models import Device, Loan, LoanCheckIn, split_kit
from loans.services_devices import (
    _bounded_device_lock_wait,
    _check_no_other_reservation,
    _check_resident_eligible,
    _device_set_status,
    _device_transfer,
    _lock_device,
    _on_loan_error,
    _reserved_for_other_error,
    _unavailable_error,
    _with_lock_errors,
    format_day,
    loan_policy_active,
)
from loans.services_documents import loan_signature_fields
from residents.models import Resident


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


def _join_kit(items: Iterable[str]) -> str:
    text = ",".join(split_kit(",".join(items)))
    max_length = Loan._meta.get_field("kit_handed_over").max_length
    assert max_length is not None, "kit_handed_over is a CharField with a max_length"
    if len(text) > max_length:
        raise ValidationError(_("The kit list is too long to record."), code="kit_too_long")
    return text


def loan_checkout(
    *,
    device: Device,
    resident: Resident,
    venue,
    by,
    signed_by: str,
    proxy_signer_name: str = "",
    proxy_signer_relation: str = "",
    unsigned_reason: str = "",
    usage_data_consent: bool = False,
    start_date: date | None = None,
    term_days: int | None = None,
    kit: Iterable[str] | None = None,
) -> Loan:
    """Hand ``device`` over to ``resident`` at ``venue`` (a classes.Venue); return the new active
    Loan.

    ``signed_by`` (a Loan.Signer value) says who signed the loan agreement: the resident, a proxy
    (``proxy_signer_name`` and ``proxy_signer_relation`` required) or nobody yet (NONE: then
    ``unsigned_reason`` is required and kept on the loan). ``usage_data_consent`` is the
    resident's separate, optional consent to de-identified usage data analysis.
    ``start_date`` is a local (JST) date, today by default; ``term_days`` defaults to the active
    policy's term, so the due date is ``start_date + term_days`` days. ``kit`` lists the kit items
    handed over (all of ``device.kit_items`` when None). ``by`` is the acting user. A device whose
    home venue is not ``venue`` moves to ``venue`` (a transfer in its history): it comes back there.

    The device row is locked while its status is checked, so two desks lending the same device at
    the same moment get one loan and one clear message. Raises ValidationError when the
    signature is neither recorded nor excused by a reason (or a proxy lacks a name or
    relationship), there is no active policy, the device is not available (on loan, in repair, retired, lost), the resident
    is not eligible (under the policy's minimum age, already holding the maximum number of
    loans, recorded as living outside the city or owning a smartphone when the policy requires
    it), the device is reserved for someone else, the due date would not be after the start, or
    the device is busy (lock timeout).
    """
    signature = loan_signature_fields(
        signed_by=signed_by,
        proxy_signer_name=proxy_signer_name,
        proxy_signer_relation=proxy_signer_relation,
        unsigned_reason=unsigned_reason,
    )
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
                usage_data_consent=usage_data_consent,
                created_by=by,
                **signature,
            )
            if venue is not None and locked.home_venue_id != venue.pk:
                _device_transfer(device=locked, to_venue=venue, by=by)
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
    device.home_venue_id = locked.home_venue_id
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
