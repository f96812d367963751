"""State changes for supporters and their assignments (配置).

Every function runs in one transaction and raises ``ValidationError`` with a message the coordinator
(or the supporter) can act on; nothing is saved when it raises.
"""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from classes.models import Session
from project.locking import bounded_lock_wait
from volunteers.models import Assignment, Skill, Supporter
from volunteers.selectors import active_assignments, local_month_bounds, session_local_day
from volunteers.skills import STANDARD_SKILLS


def _friendly_lock_timeout():
    return bounded_lock_wait(
        _(
            "Someone else is changing this supporter's assignments right now. "
            "Please try again in a moment."
        )
    )


def _session_label(session: Session) -> str:
    local = timezone.localtime(session.starts_at, timezone.get_default_timezone())
    return f"{date_format(local, 'Y/n/j H:i')} {session.display_title}"


def assignment_create(
    *, session: Session, supporter: Supporter, by: Any, is_lead: bool = False
) -> Assignment:
    """Propose ``supporter`` for ``session``; the supporter (or the coordinator for them) then
    confirms or declines with ``assignment_respond``.

    Locks the supporter row (PostgreSQL ``SELECT ... FOR UPDATE``, 3 s timeout) so two coordinators
    cannot book the same person twice at once. Session times are aware datetimes; the monthly
    maximum counts the supporter's active assignments in the session's JST calendar month.

    Returns the new Assignment (status PROPOSED). Its ``warnings`` attribute lists what the
    coordinator should know but that does not block (session already fully staffed, insurance).

    Raises ValidationError: supporter inactive, session cancelled, supporter already on this session,
    supporter already on another session overlapping in time (a session starting exactly when
    another ends does not overlap), monthly maximum reached, or the lock could not be had.
    """
    with transaction.atomic(), _friendly_lock_timeout():
        # Lock first, check after: the checks below read what the lock protects.
        supporter = Supporter.objects.select_for_update().get(pk=supporter.pk)
        session = Session.objects.select_related("topic", "venue").get(pk=session.pk)

        if not supporter.is_active:
            raise ValidationError(
                _("%(name)s is no longer active. Reactivate the supporter first.")
                % {"name": supporter.name}
            )
        if session.status == Session.Status.CANCELLED:
            raise ValidationError(_("This session is cancelled; supporters cannot be assigned."))

        mine = active_assignments().filter(supporter=supporter)
        if mine.filter(session=session).exists():
            raise ValidationError(
                _("%(name)s is already assigned to this session.") % {"name": supporter.name}
            )
        clash = (
            mine.filter(
                session__starts_at__lt=session.ends_at, session__ends_at__gt=session.starts_at
            )
            .select_related("session__topic")
            .first()
        )
        if clash is not None:
            raise ValidationError(
                _(
                    "%(name)s is already assigned to another session at that time: %(other)s. "
                    "Cancel that assignment first or choose someone else."
                )
                % {"name": supporter.name, "other": _session_label(clash.session)}
            )
        month_start, month_end = local_month_bounds(session_local_day(session))
        month_count = mine.filter(
            session__starts_at__gte=month_start, session__starts_at__lt=month_end
        ).count()
        if month_count >= supporter.max_sessions_per_month:
            raise ValidationError(
                _(
                    "%(name)s has reached the monthly maximum of %(max)d sessions in "
                    "%(month)s. Choose someone else or raise the maximum on the profile."
                )
                % {
                    "name": supporter.name,
                    "max": supporter.max_sessions_per_month,
                    "month": date_format(month_start.date(), "YEAR_MONTH_FORMAT"),
                }
            )

        warnings: list[str] = []
        staffed = active_assignments().filter(session=session).count()
        if session.supporters_needed and staffed >= session.supporters_needed:
            warnings.append(
                _(
                    "This session already had the %(needed)d supporters it needs; "
                    "%(name)s was added as an extra."
                )
                % {"needed": session.supporters_needed, "name": supporter.name}
            )
        day = session_local_day(session)
        if supporter.insurance_valid_until is None or supporter.insurance_valid_until < day:
            warnings.append(
                _("%(name)s has no volunteer insurance valid on the day of this session.")
                % {"name": supporter.name}
            )

        try:
            # A savepoint keeps the outer transaction usable if the database refuses the row.
            with transaction.atomic():
                assignment = Assignment.objects.create(
                    session=session,
                    supporter=supporter,
                    status=Assignment.Status.PROPOSED,
                    is_lead=is_lead,
                    created_by=by if getattr(by, "is_authenticated", False) else None,
                )
        except IntegrityError as exc:
            # The partial unique constraint: someone assigned them to this session a moment ago.
            raise ValidationError(
                _("%(name)s is already assigned to this session.") % {"name": supporter.name}
            ) from exc
    assignment.warnings = warnings  # type: ignore[attr-defined]
    return assignment


def assignment_cancel(*, assignment: Assignment, by: Any) -> Assignment:
    """Cancel a proposed or confirmed assignment, freeing the supporter's time.

    Raises ValidationError when the assignment was already cancelled or declined.
    """
    with transaction.atomic():
        updated = Assignment.objects.filter(
            pk=assignment.pk, status__in=Assignment.ACTIVE_STATUSES
        ).update(status=Assignment.Status.CANCELLED, cancelled_at=timezone.now())
        if not updated:
            raise ValidationError(_("This assignment was already cancelled or declined."))
    assignment.refresh_from_db()
    return assignment


def assignment_respond(*, assignment: Assignment, accept: bool, by: Any) -> Assignment:
    """The supporter's answer to a proposed assignment: PROPOSED -> CONFIRMED (``accept``) or
    DECLINED. A coordinator may answer for a supporter who replied by phone.

    Raises ValidationError when the assignment is no longer waiting for an answer or the session
    was cancelled.
    """
    with transaction.atomic():
        session_status = (
            Session.objects.filter(pk=assignment.session_id).values_list("status", flat=True).get()
        )
        if session_status == Session.Status.CANCELLED:
            raise ValidationError(_("This session was cancelled; there is nothing to answer."))
        new_status = Assignment.Status.CONFIRMED if accept else Assignment.Status.DECLINED
        updated = Assignment.objects.filter(
            pk=assignment.pk, status=Assignment.Status.PROPOSED
        ).update(status=new_status, responded_at=timezone.now())
        if not updated:
            raise ValidationError(
                _(
                    "This assignment is no longer waiting for an answer. "
                    "Please contact the coordinator if something changed."
                )
            )
    assignment.refresh_from_db()
    return assignment


def assignment_check_in(
    *, assignment: Assignment, by: Any, at: datetime | None = None
) -> Assignment:
    """Record that a confirmed supporter arrived (``at``: aware datetime, default now).

    Raises ValidationError unless the assignment is confirmed and not yet checked in.
    """
    at = at or timezone.now()
    with transaction.atomic():
        updated = Assignment.objects.filter(
            pk=assignment.pk, status=Assignment.Status.CONFIRMED, checked_in_at__isnull=True
        ).update(checked_in_at=at)
        if not updated:
            raise ValidationError(
                _("Only a confirmed assignment that is not checked in yet can be checked in.")
            )
    assignment.refresh_from_db()
    return assignment


def assignment_check_out(
    *, assignment: Assignment, by: Any, at: datetime | None = None
) -> Assignment:
    """Record that a checked-in supporter left (``at``: aware datetime, default now).

    Raises ValidationError when not checked in, already checked out, or ``at`` is not after check-in.
    """
    at = at or timezone.now()
    with transaction.atomic():
        current = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if current.checked_in_at is None or current.checked_out_at is not None:
            raise ValidationError(_("Only a checked-in supporter can be checked out."))
        if at <= current.checked_in_at:
            raise ValidationError(_("The check-out time must be after the check-in time."))
        current.checked_out_at = at
        current.save(update_fields=["checked_out_at"])
    return current


def skill_seed_standard() -> list[Skill]:
    """Create the standard skills (iPhone, Android, tablet, LINE, My Number, scam awareness, lead)
    that are missing. Safe to run again: existing skills, even renamed ones, are left as they are."""
    with transaction.atomic():
        return [
            Skill.objects.get_or_create(code=code, defaults={"name": name})[0]
            for code, name in STANDARD_SKILLS
        ]


def supporter_save(*, supporter_form: Any, availability_formset: Any) -> Supporter:
    """Save a validated supporter form and its weekly-availability formset together, so a failure
    in one leaves neither half-saved. Both must have passed ``is_valid()``."""
    with transaction.atomic():
        supporter = supporter_form.save()
        availability_formset.instance = supporter
        availability_formset.save()
    return supporter
