"""State changes for sessions and registrations.

Seats are scarce: every change that can take or free a seat locks the session row first
(``select_for_update``), so concurrent staff on the phone can never overbook a class. A seat
that frees is never handed to the waitlist here: it is held by a seat offer for the first in line
(``classes.services_offers.seat_offers_make``), and seats held by open offers count as taken.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Field, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from classes.models import CallListEntry, Registration, SeatOffer, Session
from classes.services_offers import (
    LINE_ORDER,
    seat_offers_make,
    seat_offers_withdraw,
    seats_held,
    seats_taken,
)
from classes.services_offers import lock_session as _lock_session
from kernel.dates import datetime_full
from kernel.locking import bounded_lock_wait
from residents.models import Resident

ACTIVE_STATUSES = (Registration.Status.REGISTERED, Registration.Status.WAITLISTED)


def _check_free_to_register(locked: Session, resident: Resident) -> None:
    """Refuse (ValidationError) when ``resident`` already holds an active registration for the
    locked session, or one for another session at an overlapping time."""
    active = Registration.objects.filter(resident=resident, status__in=ACTIVE_STATUSES)
    if active.filter(session=locked).exists():
        raise ValidationError(
            _("%(name)s is already registered for this session.") % {"name": resident.name}
        )
    clash = (
        active.filter(
            Q(session__starts_at__lt=locked.ends_at) & Q(session__ends_at__gt=locked.starts_at)
        )
        .exclude(session__status=Session.Status.CANCELLED)
        .select_related("session", "session__venue")
        .first()
    )
    if clash is not None:
        other = timezone.localtime(clash.session.starts_at)
        raise ValidationError(
            _(
                "%(name)s is already registered for %(title)s at %(place)s on %(when)s, "
                "which overlaps this session."
            )
            % {
                "name": resident.name,
                "title": clash.session.display_title,
                "place": clash.session.place_label,
                "when": datetime_full(other),
            }
        )


def registration_create(
    *, session: Session, resident: Resident, by=None, companion: str = "", walk_in: bool = False
) -> Registration:
    """Register ``resident`` for ``session``: a seat if one is free, else the waitlist.

    Returns the new Registration (status REGISTERED or WAITLISTED). Walk-ins (``walk_in=True``) are
    counted present and always get a place: they are already in the room.
    Raises ValidationError when the session is cancelled or over, the resident is already registered
    for it, or the resident is registered for another session at an overlapping time.
    """
    with transaction.atomic():
        locked = _lock_session(session.pk)
        if locked.status == Session.Status.CANCELLED:
            raise ValidationError(_("This session is cancelled."))
        if not walk_in and locked.ends_at <= timezone.now():
            raise ValidationError(_("This session is already over."))
        _check_free_to_register(locked, resident)
        if walk_in or locked.seats is None:
            status = Registration.Status.REGISTERED
        else:
            # Seats held by open offers are taken: nobody else gets a held seat.
            taken = seats_taken(locked.pk)
            status = (
                Registration.Status.REGISTERED
                if taken < locked.seats
                else Registration.Status.WAITLISTED
            )
        try:
            with transaction.atomic():
                return Registration.objects.create(
                    session=locked,
                    resident=resident,
                    status=status,
                    companion=companion.strip(),
                    is_walk_in=walk_in,
                    attendance=Registration.Attendance.ATTENDED if walk_in else "",
                    created_by=by if getattr(by, "pk", None) else None,
                )
        except IntegrityError as exc:  # the partial unique constraint: a double click
            raise ValidationError(
                _("%(name)s is already registered for this session.") % {"name": resident.name}
            ) from exc


def registration_cancel(*, registration: Registration, by=None) -> SeatOffer | None:
    """Cancel ``registration``. When it held a seat (or a seat offer), the seat is offered to the
    first in line (``seat_offers_make``); nobody is moved off the waitlist without their yes.

    Returns the first new SeatOffer (so staff can tell who was offered the seat), or None.
    Raises ValidationError when it is already cancelled.
    """
    with transaction.atomic():
        locked = _lock_session(registration.session_id)
        current = Registration.objects.select_for_update().get(pk=registration.pk)
        held_seat = _cancel_locked(current)
        registration.status, registration.cancelled_at = current.status, current.cancelled_at
        held_offer = seat_offers_withdraw(session=locked, registration_id=current.pk)
        if not (held_seat or held_offer):
            return None
        offers = seat_offers_make(session=locked)
        return offers[0] if offers else None


def registration_restore(*, registration: Registration, by=None) -> Registration:
    """Undo the cancellation of ``registration``: back to a seat when one is free, else first in
    line on the waitlist.

    Under the session's lock the seats that are free are first offered to the waitlist (the same
    ``seat_offers_make`` a cancellation runs, so nobody already waiting is overtaken); a seat
    still free after that (none is offered within the cutoff before the start) goes to the
    restored registration (status REGISTERED), else it waits ahead of
    everyone (status WAITLISTED, ``queued_at`` just before the first in line). A session without
    a seat limit always has a seat. ``registration`` is updated in place and returned; check its
    ``status`` to tell the resident which. The companion note and attendance are kept.
    Raises ValidationError, changing nothing, when it is not cancelled, the session is cancelled
    or over, or the resident has registered again meanwhile (for this session or an
    overlapping one); "try again" when the lock cannot be had within 3 s.
    """
    with transaction.atomic():
        locked = _lock_session(registration.session_id)
        current = (
            Registration.objects.select_for_update()
            .select_related("resident")
            .get(pk=registration.pk)
        )
        if current.status != Registration.Status.CANCELLED:
            raise ValidationError(_("This registration is not cancelled."))
        if locked.status == Session.Status.CANCELLED:
            raise ValidationError(_("This session is cancelled."))
        if locked.ends_at <= timezone.now():
            raise ValidationError(_("This session is already over."))
        _check_free_to_register(locked, current.resident)
        seat_offers_make(session=locked)
        if locked.seats is None or seats_taken(locked.pk) < locked.seats:
            current.status = Registration.Status.REGISTERED
        else:
            first = (
                Registration.objects.filter(session=locked, status=Registration.Status.WAITLISTED)
                .annotate(line=Coalesce("queued_at", "created_at"))
                .order_by(*LINE_ORDER)
                .values_list("line", flat=True)
                .first()
            )
            current.status = Registration.Status.WAITLISTED
            mine = current.queued_at or current.created_at
            if first is not None and first <= mine:
                current.queued_at = first - timedelta(milliseconds=1)
        current.cancelled_at = None
        current.save(update_fields=["status", "cancelled_at", "queued_at"])
    registration.status = current.status
    registration.cancelled_at = current.cancelled_at
    registration.queued_at = current.queued_at
    return registration


def _cancel_locked(current: Registration) -> bool:
    """Mark the locked registration ``current`` cancelled; True when it held a seat.

    Raises ValidationError when it is already cancelled. The caller holds the session row lock.
    """
    if current.status == Registration.Status.CANCELLED:
        raise ValidationError(_("This registration is already cancelled."))
    held_seat = current.status == Registration.Status.REGISTERED
    current.status = Registration.Status.CANCELLED
    current.cancelled_at = timezone.now()
    current.save(update_fields=["status", "cancelled_at"])
    return held_seat


# What staff set on a session (the edit form's fields); everything else on the row (status,
# walk-in count, series, calendar revision) belongs to other services and is never written here.
SESSION_FIELDS = (
    "kind",
    "title",
    "topic",
    "venue",
    "place",
    "organiser",
    "starts_at",
    "ends_at",
    "seats",
    "supporters_needed",
    "lead_needed",
    "required_skills",
    "residents_per_supporter",
    "what_to_bring",
    "notes",
)
_SESSION_LONGEST = timedelta(hours=12)


def _session_apply(session: Session, fields: dict[str, Any]) -> list[str]:
    """Set ``fields`` (names from SESSION_FIELDS, ``required_skills`` left out) on ``session`` and
    check the result; return the names whose value changed, in SESSION_FIELDS order.

    Raises TypeError for a name outside SESSION_FIELDS (a programming error, not user input), and
    ValidationError when the end is not after the start or more than 12 hours later, there is
    neither a venue nor a place, or a class has no seats.
    """
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"not settable through session services: {sorted(unknown)}")
    changed = []
    for name in SESSION_FIELDS:
        if name not in fields or name == "required_skills":
            continue
        value, field = fields[name], Session._meta.get_field(name)
        assert isinstance(field, Field), "SESSION_FIELDS are concrete fields"
        # Foreign keys are compared by id: reading the related row would cost a query each.
        new = getattr(value, "pk", value) if field.is_relation else value
        if getattr(session, field.attname) != new:
            setattr(session, name, value)
            changed.append(name)
    if session.ends_at <= session.starts_at:
        raise ValidationError(_("The end time must be after the start time."))
    if session.ends_at - session.starts_at > _SESSION_LONGEST:
        raise ValidationError(_("A session cannot last more than 12 hours."))
    if session.venue_id is None and not session.place.strip():
        raise ValidationError({"venue": _("Choose a venue, or for a caravan enter the place.")})
    if session.kind == Session.Kind.CLASS and not session.seats:
        raise ValidationError({"seats": _("A class needs a number of seats.")})
    return changed


def session_create(*, starts_at: datetime, ends_at: datetime, by=None, **fields: Any) -> Session:
    """Create a session from staff input and return it (status SCHEDULED).

    ``starts_at``, ``ends_at``: aware datetimes (shown in JST). ``fields``: other names from
    SESSION_FIELDS; ``topic``, ``venue``, ``organiser`` are model instances or None;
    ``seats`` None means no limit; ``required_skills`` an iterable of ``volunteers.Skill``.
    ``by``: the staff user (sessions do not record who made them).
    Raises ValidationError (by field where a field is to blame) as ``_session_apply`` says, and
    TypeError for a name outside SESSION_FIELDS.
    """
    skills = fields.pop("required_skills", None)
    session = Session()
    _session_apply(session, {**fields, "starts_at": starts_at, "ends_at": ends_at})
    with transaction.atomic():
        session.save()
        if skills is not None:
            session.required_skills.set(skills)
    return session


def session_update(*, session: Session, by=None, **changes: Any) -> SeatOffer | None:
    """Change the staff-set fields of ``session`` (names from SESSION_FIELDS, as in
    ``session_create``) under the session's lock.

    The row is read again under the lock and only the fields whose value differs are written, so
    what other desks committed meanwhile (a cancellation, walk-ins counted, registrations) stays.
    Fewer seats than residents already hold are refused (ValidationError on ``seats``); fewer
    than those plus the seats open offers hold withdraw the newest offers (those residents stay
    on the waitlist). More seats, or no limit, are offered to the waitlist in order of arrival
    (``seat_offers_make``). Returns the first new SeatOffer for staff to tell, or None.
    Raises ValidationError as ``_session_apply`` says, or "try again" when the lock cannot be had
    within 3 s; TypeError for a name outside SESSION_FIELDS. ``session`` itself is not changed.
    """
    skills = changes.pop("required_skills", None)
    with transaction.atomic():
        locked = _lock_session(session.pk)
        changed = _session_apply(locked, changes)
        if locked.seats is not None:
            taken = Registration.objects.filter(
                session=locked, status=Registration.Status.REGISTERED
            ).count()
            if locked.seats < taken:
                raise ValidationError(
                    {
                        "seats": _(
                            "%(taken)s residents already hold a seat. Keep at least %(taken)s "
                            "seats, or cancel registrations first."
                        )
                        % {"taken": taken}
                    }
                )
            seat_offers_withdraw(session=locked, over=taken + seats_held(locked.pk) - locked.seats)
        if changed:
            locked.save(update_fields=changed)
        if skills is not None:
            locked.required_skills.set(skills)
        offers = seat_offers_make(session=locked)
        return offers[0] if offers else None


def attendance_record(*, session: Session, attended_ids: Iterable[int], by=None) -> tuple[int, int]:
    """Take attendance: registrations in ``attended_ids`` are ATTENDED, the other seated ones ABSENT.

    Returns (attended, absent) counts. Raises ValidationError for a cancelled session or one that
    has not started yet (attendance is taken on the day), or when another save of the same
    session holds it longer than the lock wait (``kernel.locking``; "try again").
    """
    if session.status == Session.Status.CANCELLED:
        raise ValidationError(_("This session is cancelled."))
    if timezone.localdate(session.starts_at) > timezone.localdate():
        raise ValidationError(_("Attendance can be taken from the day of the session."))
    ids = {int(i) for i in attended_ids}
    with transaction.atomic():
        # One save at a time per session: two tablets saving at once would each mark some rows
        # present and then the rest absent, in opposite orders, and deadlock.
        with bounded_lock_wait(
            _("Someone else is saving this session's attendance right now. Please try again.")
        ):
            Session.objects.select_for_update().only("pk").get(pk=session.pk)
        seated = Registration.objects.filter(session=session, status=Registration.Status.REGISTERED)
        attended = seated.filter(pk__in=ids).update(attendance=Registration.Attendance.ATTENDED)
        absent = seated.exclude(pk__in=ids).update(attendance=Registration.Attendance.ABSENT)
    return attended, absent


def session_cancel(*, session: Session, by=None) -> int:
    """Cancel a session. Its registrations stay (so staff can call everyone); returns how many."""
    with transaction.atomic():
        locked = _lock_session(session.pk)
        if locked.status == Session.Status.CANCELLED:
            raise ValidationError(_("This session is already cancelled."))
        locked.status = Session.Status.CANCELLED
        locked.save(update_fields=["status"])
        session.status = locked.status
        seat_offers_withdraw(session=locked)
        active = Registration.objects.filter(session=locked, status__in=ACTIVE_STATUSES)
        # Everyone registered must be told by phone: "the session is cancelled".
        CallListEntry.objects.bulk_create(
            [
                CallListEntry(registration=r, reason=CallListEntry.Reason.SESSION_CANCELLED)
                for r in active
            ],
            ignore_conflicts=True,
        )
        return len(active)


def waitlist_position(registration: Registration) -> int | None:
    """1-based place in the waitlist of a WAITLISTED registration, else None (one query)."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    mine = registration.queued_at or registration.created_at
    return (
        Registration.objects.filter(
            session_id=registration.session_id,
            status=Registration.Status.WAITLISTED,
        )
        .alias(line=Coalesce("queued_at", "created_at"))
        .filter(Q(line__lt=mine) | Q(line=mine, id__lt=registration.id))
        .count()
        + 1
    )


def registration_move(
    *, registration: Registration, to_session: Session, by=None
) -> tuple[Registration, SeatOffer | None]:
    """Move ``registration`` to ``to_session``, another date of the same series, in one step.

    The old registration is cancelled (its seat is offered to the first in line on the old
    session's waitlist, ``seat_offers_make``) and a new one is made on ``to_session`` with the same rules as ``registration_create``
    (a seat if free, else the waitlist; no double or overlapping registration). The companion note
    is carried over. Returns (new registration, first new SeatOffer of the old session or None).
    Raises ValidationError, changing nothing, when the sessions are not of one series, the target
    is cancelled or has started, the registration is not active, or the new one would be refused.
    """
    from_id = registration.session_id
    if to_session.pk == from_id:
        raise ValidationError(_("Choose a different date to move to."))
    with transaction.atomic():
        # Always lock in the same order (lower pk first) so two moves in opposite directions
        # cannot deadlock each other.
        locked = {pk: _lock_session(pk) for pk in sorted((from_id, to_session.pk))}
        old_session, target = locked[from_id], locked[to_session.pk]
        if old_session.series_id is None or old_session.series_id != target.series_id:
            raise ValidationError(
                _("A registration can only be moved to another date of the same series.")
            )
        if target.status == Session.Status.CANCELLED:
            raise ValidationError(_("The chosen date is cancelled. Please choose another date."))
        if target.starts_at <= timezone.now():
            raise ValidationError(
                _("The chosen date has already started or is over. Please choose a future date.")
            )
        current = (
            Registration.objects.select_for_update()
            .select_related("resident")
            .get(pk=registration.pk)
        )
        held_seat = _cancel_locked(current)
        # Same checks as a new registration; a refusal rolls back the cancellation above too.
        new = registration_create(
            session=target, resident=current.resident, by=by, companion=current.companion
        )
        held_offer = seat_offers_withdraw(session=old_session, registration_id=current.pk)
        offers = seat_offers_make(session=old_session) if held_seat or held_offer else []
    registration.status, registration.cancelled_at = current.status, current.cancelled_at
    return new, (offers[0] if offers else None)
