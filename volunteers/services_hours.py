"""Hours: check-in and check-out per assignment, and the coordinator's approval of the minutes.

Times are aware datetimes; "the day" of a session is its JST calendar date. Every function runs
in one transaction and raises ``ValidationError`` with a message a person can act on.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from classes.models import Session
from kernel.locking import bounded_lock_wait
from volunteers.models import MAX_APPROVED_MINUTES, Assignment
from volunteers.selectors import session_local_day


def _busy():
    return bounded_lock_wait(
        _("Someone else is recording this assignment right now. Please try again in a moment.")
    )


def _local_time(at: datetime) -> str:
    return time_format(timezone.localtime(at, timezone.get_default_timezone()), "H:i")


def _check_recordable(current: Assignment, at: datetime, now: datetime) -> None:
    """Reasons nobody may record a time on this assignment (status, session, approval, clock)."""
    if current.session.status == Session.Status.CANCELLED:
        raise ValidationError(_("This session was cancelled; there is nothing to record."))
    if current.status == Assignment.Status.DECLINED:
        raise ValidationError(_("This assignment was declined; there is nothing to check in."))
    if current.status == Assignment.Status.CANCELLED:
        raise ValidationError(_("This assignment was cancelled; there is nothing to check in."))
    if current.status == Assignment.Status.PROPOSED:
        raise ValidationError(
            _("This assignment is not accepted yet. Accept it first, then check in.")
        )
    if current.hours_approved_at is not None:
        raise ValidationError(
            _("The hours of this assignment are already approved and can no longer change.")
        )
    if at > now:
        raise ValidationError(_("A time in the future cannot be recorded."))
    if timezone.localtime(at, timezone.get_default_timezone()).date() != session_local_day(
        current.session
    ):
        raise ValidationError(
            _("Check-in and check-out can only be recorded on the session's day.")
        )


def hours_check_in(*, assignment: Assignment, by: Any, at: datetime | None = None) -> Assignment:
    """Record that the supporter arrived, at ``at`` (aware; default now).

    Raises ValidationError: the assignment is declined, cancelled or not yet accepted; the session
    is cancelled; already checked in; hours already approved; ``at`` in the future or not on the
    session's JST day.
    """
    now = timezone.now()
    at = at or now
    with transaction.atomic(), _busy():
        current = (
            Assignment.objects.select_for_update().select_related("session").get(pk=assignment.pk)
        )
        _check_recordable(current, at, now)
        if current.checked_in_at is not None:
            raise ValidationError(
                _("Already checked in at %(time)s.") % {"time": _local_time(current.checked_in_at)}
            )
        current.checked_in_at = at
        current.save(update_fields=["checked_in_at"])
    return current


def hours_check_out(*, assignment: Assignment, by: Any, at: datetime | None = None) -> Assignment:
    """Record that the supporter left, at ``at`` (aware; default now).

    Raises ValidationError: as ``hours_check_in``, and also when not checked in yet, already
    checked out, or ``at`` not after the check-in time.
    """
    now = timezone.now()
    at = at or now
    with transaction.atomic(), _busy():
        current = (
            Assignment.objects.select_for_update().select_related("session").get(pk=assignment.pk)
        )
        _check_recordable(current, at, now)
        if current.checked_in_at is None:
            raise ValidationError(_("Check in first: there is no check-in to close."))
        if current.checked_out_at is not None:
            raise ValidationError(
                _("Already checked out at %(time)s.")
                % {"time": _local_time(current.checked_out_at)}
            )
        if at <= current.checked_in_at:
            raise ValidationError(
                _("The check-out time must be after the check-in time (%(time)s).")
                % {"time": _local_time(current.checked_in_at)}
            )
        current.checked_out_at = at
        current.save(update_fields=["checked_out_at"])
    return current


def worked_minutes(assignment: Assignment) -> int | None:
    """Whole minutes between check-in and check-out (rounded down, at most 720), or None."""
    return assignment.worked_minutes


def _validate_minutes(minutes: int) -> None:
    if not 0 <= minutes <= MAX_APPROVED_MINUTES:
        raise ValidationError(
            _("Approved minutes must be between 0 and %(max)d (12 hours).")
            % {"max": MAX_APPROVED_MINUTES}
        )


def hours_approve(*, assignment: Assignment, by: Any, minutes: int | None = None) -> Assignment:
    """Approve the hours of one checked-out assignment: ``minutes`` (0..720), by default the
    checked-in span. Sets ``approved_minutes``, ``hours_approved_at`` (now) and ``_by``.

    Raises ValidationError: minutes out of range, not checked out yet, already approved.
    """
    if minutes is not None:
        _validate_minutes(minutes)
    with transaction.atomic(), _busy():
        current = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if current.hours_approved_at is not None:
            raise ValidationError(_("These hours were already approved."))
        if current.status != Assignment.Status.CONFIRMED or current.checked_out_at is None:
            raise ValidationError(
                _("Only a confirmed assignment with check-in and check-out can be approved.")
            )
        current.approved_minutes = worked_minutes(current) if minutes is None else minutes
        current.hours_approved_at = timezone.now()
        current.hours_approved_by = by if getattr(by, "is_authenticated", False) else None
        current.save(update_fields=["approved_minutes", "hours_approved_at", "hours_approved_by"])
    return current


def hours_approve_many(
    *, assignment_ids: Iterable[int], by: Any, minutes: dict[int, int] | None = None
) -> int:
    """Approve several assignments at once, each with ``minutes[id]`` when given, else its
    checked-in span. All or nothing: one invalid row (see ``hours_approve``) raises
    ValidationError naming the supporter, and none is approved. Returns how many were approved.
    """
    minutes = minutes or {}
    ids = sorted(set(assignment_ids))
    if not ids:
        raise ValidationError(_("Tick at least one row to approve."))
    with transaction.atomic():
        rows = {a.pk: a for a in Assignment.objects.select_related("supporter").filter(pk__in=ids)}
        for pk in ids:
            row = rows.get(pk)
            if row is None:
                raise ValidationError(
                    _("One of the ticked rows no longer exists. Reload the page.")
                )
            try:
                hours_approve(assignment=row, by=by, minutes=minutes.get(pk))
            except ValidationError as exc:
                raise ValidationError(
                    _("%(name)s: %(error)s")
                    % {"name": row.supporter.name, "error": " ".join(exc.messages)}
                ) from exc
    return len(ids)
