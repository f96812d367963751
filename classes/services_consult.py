"""Consultation desks (相談会: appointment slots) and salons (サロン: counted walk-ins).

A consultation session is cut into slots of ``Session.slot_minutes`` from ``starts_at``; a slot is
booked once (the database refuses a second booking, the session row lock keeps the check and the
write together). Times are aware datetimes; the grid is computed in UTC and shown in JST.

Who came to a consultation desk is recorded one way, as for every session: the resident's
``Registration`` and its attendance. A named booking holds (or makes) the resident's registration,
recording what the consultation was about marks it attended, and freeing the slot cancels it
while no attendance is recorded. The ``Consultation`` row adds the slot, the category and the
outcome; an anonymous walk-up has only that row and counts as a visit without a name. The reports
(docs/report_figures.md) count from these rows.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from classes.models import Consultation, Registration, Session
from classes.services import registration_cancel
from classes.services_offers import seat_offers_withdraw
from kernel.dates import datetime_full
from kernel.locking import bounded_lock_wait
from residents.models import Resident


@dataclass(frozen=True)
class Slot:
    """One slot of the grid: its start and end (aware) and the booking, if any."""

    start: datetime
    end: datetime
    consultation: Consultation | None

    @property
    def is_free(self) -> bool:
        """True when nobody has booked the slot."""
        return self.consultation is None


def slot_starts(session: Session) -> list[datetime]:
    """Starts of every whole slot of ``session`` (aware datetimes, ``slot_minutes`` apart).

    A remainder shorter than one slot at the end of the session is not a slot.
    """
    step = timedelta(minutes=session.slot_minutes)
    starts = []
    current = session.starts_at
    while current + step <= session.ends_at:
        starts.append(current)
        current += step
    return starts


def consultation_slots(*, session: Session) -> list[Slot]:
    """The slot grid of ``session`` with each slot's booking (one query)."""
    booked = {
        c.slot_start: c
        for c in Consultation.objects.filter(session=session).select_related("resident")
    }
    step = timedelta(minutes=session.slot_minutes)
    return [Slot(start=s, end=s + step, consultation=booked.get(s)) for s in slot_starts(session)]


def _lock_session(session_id: int) -> Session:
    with bounded_lock_wait(
        _("Someone else is booking at this consultation desk right now. Please try again.")
    ):
        return Session.objects.select_for_update().get(pk=session_id)


def consultation_book(
    *,
    session: Session,
    resident: Resident | None,
    slot_start: datetime,
    category: str = "",
    by=None,
) -> Consultation:
    """Book the slot starting at ``slot_start`` (aware) of a consultation ``session``.

    ``resident`` may be None for an anonymous walk-up. Returns the new Consultation.
    Raises ValidationError when the session is not a consultation desk or is cancelled, the time
    is not the start of one of its slots, the slot is taken (also when another desk took it a
    moment ago), or the resident already holds a slot in this session.
    """
    if timezone.is_naive(slot_start):
        raise ValidationError(_("The slot time is not understood. Please choose a slot again."))
    if category not in Consultation.Category.values:
        raise ValidationError(_("Choose a category from the list."))
    with transaction.atomic():
        locked = _lock_session(session.pk)
        if locked.kind != Session.Kind.CONSULTATION:
            raise ValidationError(_("Only a consultation desk has appointment slots."))
        if locked.status == Session.Status.CANCELLED:
            raise ValidationError(_("This session is cancelled."))
        if slot_start not in slot_starts(locked):
            local = timezone.localtime(slot_start)
            raise ValidationError(
                _(
                    "%(time)s is not the start of a %(minutes)d-minute slot of this "
                    "consultation desk. Please choose a slot from the list."
                )
                % {"time": datetime_full(local), "minutes": locked.slot_minutes}
            )
        taken_msg = _("The %(time)s slot was just taken. Please choose another slot.") % {
            "time": timezone.localtime(slot_start).strftime("%H:%M")
        }
        if Consultation.objects.filter(session=locked, slot_start=slot_start).exists():
            raise ValidationError(taken_msg, code="taken")
        if resident is not None:
            own = Consultation.objects.filter(session=locked, resident=resident).first()
            if own is not None:
                raise ValidationError(
                    _("%(name)s already has the %(time)s slot of this consultation desk.")
                    % {
                        "name": resident.name,
                        "time": timezone.localtime(own.slot_start).strftime("%H:%M"),
                    }
                )
        try:
            with transaction.atomic():
                consultation = Consultation.objects.create(
                    session=locked,
                    resident=resident,
                    slot_start=slot_start,
                    category=category,
                    created_by=by if getattr(by, "pk", None) else None,
                )
        except IntegrityError as exc:  # the unique (session, slot_start) constraint
            raise ValidationError(taken_msg, code="taken") from exc
        if resident is not None:
            _hold_registration(locked, resident, by)
        return consultation


def _hold_registration(session: Session, resident: Resident, by) -> None:
    """Give ``resident`` a seat on the locked consultation ``session``: their registration,
    made when there is none, moved off the waitlist when they were waiting (a slot is a seat).
    A seat offer they held is withdrawn: they have their seat, so it is not held twice."""
    current = (
        Registration.objects.filter(session=session, resident=resident)
        .exclude(status=Registration.Status.CANCELLED)
        .first()
    )
    if current is None:
        Registration.objects.create(
            session=session,
            resident=resident,
            status=Registration.Status.REGISTERED,
            created_by=by if getattr(by, "pk", None) else None,
        )
    elif current.status == Registration.Status.WAITLISTED:
        current.status = Registration.Status.REGISTERED
        current.save(update_fields=["status"])
        seat_offers_withdraw(session=session, registration_id=current.pk)


def consultation_record(
    *, consultation: Consultation, category: str, resolved: bool, note: str = "", by=None
) -> Consultation:
    """Record what a consultation was about and whether it was resolved. Returns it, saved.

    A named consultation took place when it is recorded: the resident's registration on the
    session is marked attended (the attendance the reports count). Raises ValidationError for a category that is not in the list or a note over 200 characters.
    """
    if category not in Consultation.Category.values:
        raise ValidationError(_("Choose a category from the list."))
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError(_("The note is too long: at most 200 characters, please."))
    with transaction.atomic():
        current = Consultation.objects.select_for_update().get(pk=consultation.pk)
        current.category, current.resolved, current.note = category, resolved, note
        current.save(update_fields=["category", "resolved", "note"])
        if current.resident_id is not None:
            Registration.objects.filter(
                session_id=current.session_id, resident_id=current.resident_id
            ).exclude(status=Registration.Status.CANCELLED).update(
                attendance=Registration.Attendance.ATTENDED
            )
    consultation.category, consultation.resolved, consultation.note = category, resolved, note
    return consultation


def consultation_cancel(*, consultation: Consultation, by=None) -> None:
    """Free the slot of ``consultation`` (deletes the booking; nothing happens if it is gone).

    The resident's registration on the session is cancelled with it (``registration_cancel``,
    which offers a freed seat to the waitlist), unless their attendance is already recorded.
    """
    with transaction.atomic():
        deleted, _rows = Consultation.objects.filter(pk=consultation.pk).delete()
        if not deleted or consultation.resident_id is None:
            return
        registration = (
            Registration.objects.filter(
                session_id=consultation.session_id,
                resident_id=consultation.resident_id,
                attendance=Registration.Attendance.UNKNOWN,
            )
            .exclude(status=Registration.Status.CANCELLED)
            .first()
        )
        if registration is not None:
            registration_cancel(registration=registration, by=by)


def salon_walk_ins_count(
    *, session: Session, add: int = 0, set_to: int | None = None, by=None
) -> int:
    """Add ``add`` (may be negative) anonymous walk-ins to a salon, or set the count to ``set_to``.

    Returns the new count. Each change is one atomic UPDATE, so two staff clicking "+1" at the
    same moment count two. Raises ValidationError when the session is not a salon, is cancelled,
    is on a later day (walk-ins are counted on the day, JST), or the count would go below zero.
    """
    if session.kind != Session.Kind.SALON:
        raise ValidationError(_("Walk-ins are counted for salons only."))
    if session.status == Session.Status.CANCELLED:
        raise ValidationError(_("This session is cancelled."))
    if timezone.localdate(session.starts_at) > timezone.localdate():
        raise ValidationError(_("Walk-ins can be counted from the day of the salon."))
    negative = _("The number of walk-ins cannot be negative.")
    with transaction.atomic():
        rows = Session.objects.filter(pk=session.pk)
        if set_to is not None:
            if set_to < 0:
                raise ValidationError(negative)
            rows.update(walk_in_count=set_to)
        elif (
            rows.filter(walk_in_count__gte=-add).update(walk_in_count=F("walk_in_count") + add) == 0
        ):
            raise ValidationError(negative)
        session.walk_in_count = rows.values_list("walk_in_count", flat=True).get()
    return session.walk_in_count
