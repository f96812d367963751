"""State changes for supporters and their assignments (配置).

Every function runs in one transaction and raises ``ValidationError`` with a message the coordinator
(or the supporter) can act on; nothing is saved when it raises.
"""

from collections.abc import Iterable
from datetime import datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from classes.models import Session
from kernel.dates import datetime_full
from kernel.locking import bounded_lock_wait
from volunteers.models import Assignment, Availability, Skill, Supporter
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
    return f"{datetime_full(local)} {session.display_title}"


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


# What the office sets on a supporter (the roster form's fields); the login and the calendar
# link key belong to other services and are never written here.
SUPPORTER_FIELDS = (
    "name",
    "name_kana",
    "kind",
    "organisation",
    "skills",
    "languages",
    "training_completed_on",
    "insurance_valid_until",
    "email",
    "phone",
    "home_district",
    "max_sessions_per_month",
    "desired_sessions_per_month",
    "is_active",
)
# One weekly window: (weekday, start, end); Monday is 0, times are JST wall-clock times.
WeeklyWindow = tuple[int, time, time]


def _supporter_apply(supporter: Supporter, fields: dict[str, Any]) -> list[str]:
    """Set ``fields`` (names from SUPPORTER_FIELDS, ``skills`` left out) on ``supporter`` and
    check the result; return the names whose value changed, in SUPPORTER_FIELDS order.

    Raises TypeError for a name outside SUPPORTER_FIELDS (a programming error) and
    ValidationError (dict by field) for a value the model refuses (no name, a bad email).
    """
    unknown = set(fields) - set(SUPPORTER_FIELDS)
    if unknown:
        raise TypeError(f"not settable through supporter services: {sorted(unknown)}")
    changed = []
    for name in SUPPORTER_FIELDS:
        if name in fields and name != "skills" and getattr(supporter, name) != fields[name]:
            setattr(supporter, name, fields[name])
            changed.append(name)
    supporter.full_clean(exclude=["user", "feed_token"], validate_unique=False)
    return changed


def weekly_windows_merge(
    windows: Iterable[WeeklyWindow],
) -> tuple[list[WeeklyWindow], list[WeeklyWindow]]:
    """Join the windows of one weekday that overlap or touch (9:00-12:00 and 11:00-15:00, or
    9:00-12:00 and 12:00-15:00, become 9:00-15:00; a window given twice becomes one), so that a
    session across the join fits. Returns (all windows after joining, by weekday then start;
    the joined windows made of more than one entered window). Pure: reads and writes nothing."""
    result: list[WeeklyWindow] = []
    joined: list[WeeklyWindow] = []
    parts = 0
    for weekday, start, end in sorted(windows):
        if result and result[-1][0] == weekday and start <= result[-1][2]:
            last = result[-1]
            result[-1] = (weekday, last[1], max(last[2], end))
            parts += 1
            continue
        if parts > 1:
            joined.append(result[-1])
        result.append((weekday, start, end))
        parts = 1
    if parts > 1:
        joined.append(result[-1])
    return result, joined


def _weekly_set(supporter: Supporter, windows: Iterable[WeeklyWindow]) -> list[WeeklyWindow]:
    """Make the supporter's weekly pattern exactly ``windows``, overlapping or touching ones
    joined (``weekly_windows_merge``): rows already there stay, the others are deleted, the
    missing ones created. Returns the joined windows. Raises ValidationError for a weekday
    outside 0-6 or a window that does not end after it starts. The caller holds the
    supporter's lock."""
    entered = list(windows)
    for weekday, start, end in entered:
        if weekday not in Availability.Weekday.values:
            raise ValidationError(_("A weekday is not valid."))
        if end <= start:
            raise ValidationError(_("The end time must be after the start time."))
    wanted, joined = weekly_windows_merge(entered)
    stale = []
    for row in Availability.objects.filter(supporter=supporter):
        key = (row.weekday, row.start_time, row.end_time)
        if key in wanted:
            wanted.remove(key)
        else:
            stale.append(row.pk)
    if stale:
        Availability.objects.filter(pk__in=stale).delete()
    Availability.objects.bulk_create(
        Availability(supporter=supporter, weekday=weekday, start_time=start, end_time=end)
        for weekday, start, end in wanted
    )
    return joined


def _busy_supporter():
    return bounded_lock_wait(
        _("Someone else is changing this supporter right now. Please try again in a moment.")
    )


def supporter_create(
    *, by: Any = None, weekly: Iterable[WeeklyWindow] = (), **fields: Any
) -> Supporter:
    """Add a supporter to the roster and return it.

    ``fields``: names from SUPPORTER_FIELDS (``name`` required; ``skills`` an iterable of Skill;
    dates are local dates). ``weekly``: the weekly availability windows. ``by``: the office user
    (supporters do not record who added them). Nothing is saved when it raises: ValidationError
    (dict by field) for what the model refuses or a bad window, TypeError for an unknown name.
    """
    skills = fields.pop("skills", None)
    supporter = Supporter()
    _supporter_apply(supporter, fields)
    with transaction.atomic():
        supporter.save()
        if skills is not None:
            supporter.skills.set(skills)
        _weekly_set(supporter, weekly)
    return supporter


def supporter_update(
    *,
    supporter: Supporter,
    by: Any = None,
    weekly: Iterable[WeeklyWindow] | None = None,
    **changes: Any,
) -> Supporter:
    """Change a supporter's profile (names from SUPPORTER_FIELDS, as in ``supporter_create``)
    and, unless ``weekly`` is None, replace their weekly availability with ``weekly``.

    Locks the supporter row (3 s timeout, the lock ``assignment_create`` takes), reads it again
    and writes only the fields whose value differs, so a calendar link reset or a login linked
    meanwhile stays. Returns the supporter as saved. Raises ValidationError as
    ``supporter_create`` does, or "try again" when the lock cannot be had; nothing is saved then.
    """
    skills = changes.pop("skills", None)
    with transaction.atomic():
        with _busy_supporter():
            locked = Supporter.objects.select_for_update().get(pk=supporter.pk)
        changed = _supporter_apply(locked, changes)
        if changed:
            locked.save(update_fields=changed)
        if skills is not None:
            locked.skills.set(skills)
        if weekly is not None:
            _weekly_set(locked, weekly)
    return locked


def availability_weekly_set(
    *, supporter: Supporter, windows: Iterable[WeeklyWindow], by: Any = None
) -> list[WeeklyWindow]:
    """Replace the supporter's weekly availability with ``windows`` (see WeeklyWindow), under the
    supporter's lock; windows of one weekday that overlap or touch are saved as one. ``by``: the
    supporter themself or an office user. Returns the windows made by joining several (empty:
    saved as entered), to tell the person. Raises ValidationError for a bad window or "try
    again" when the lock cannot be had; nothing changes then."""
    with transaction.atomic():
        with _busy_supporter():
            locked = Supporter.objects.select_for_update().get(pk=supporter.pk)
        return _weekly_set(locked, windows)
