"""Seat offers: the one way a freed seat reaches the waitlist.

Every change that can free a seat (a cancellation, more seats on a session or a series, a
registration moved to another date, a restore that finds the seat taken, a decline, an expired
offer) ends with ``seat_offers_make`` under the session's row lock. It holds each free seat with
an open ``SeatOffer`` for the next in line; nobody moves off the waitlist until someone says yes
(``seat_offer_answer``: the resident through the mail link, or staff on the phone).

Rules:
- the window is the venue's ``offer_window_hours`` (``SEAT_OFFER_WINDOW_HOURS`` away from a
  venue). For residents reached by phone it never ends in the quiet hours
  (``SEAT_OFFER_QUIET_START``-``SEAT_OFFER_QUIET_END``, local time) nor on a day the venue is
  closed (a ``VenueClosure`` or a Japanese public holiday, the days series skip): it moves to
  the next morning the venue is open. No window outlasts the session's start.
- no offer is made within ``SEAT_OFFER_CUTOFF_HOURS`` of the start: the seat stays free for
  walk-ins (and for staff registering someone directly).
- a decline cancels that waitlisted registration; no answer in time moves the registration to
  the end of the line. Either way the seat goes to the next in line.
- open offers count as taken seats (``seats_taken``), so no one else can take a held seat.
"""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial

import jpholiday
from celery import current_app
from django.conf import settings
from django.core import signing
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from classes.models import Registration, Session, VenueClosure
from classes.models_offers import SeatOffer
from kernel.audit import audit_record
from kernel.locking import bounded_lock_wait
from kernel.mail import mail_claim_free, mail_render
from kernel.models import AuditAction
from kernel.tasks_util import enqueue

# The waitlist's order: the time a registration joined the line (``queued_at`` when a restore or
# an expired offer set it, else when it was made), then the id.
LINE_ORDER = (Coalesce("queued_at", "created_at").asc(), "id")
MAIL_TASK = "classes.tasks.send_seat_offer_mail"
_LINK_SALT = "classes.seat-offer-link"
# Days searched for an open morning before giving up (a venue closed for months).
_OPEN_DAY_SEARCH = 60

Answer = str
ACCEPT: Answer = "accept"
DECLINE: Answer = "decline"
NO_ANSWER: Answer = "no_answer"
ANSWERS = (ACCEPT, DECLINE, NO_ANSWER)


def lock_session(session_id: int) -> Session:
    """Lock and return the session row; a lock not had within 3 s becomes a 'try again' message."""
    with bounded_lock_wait(
        _("Someone else is registering for this session right now. Please try again.")
    ):
        return Session.objects.select_for_update().get(pk=session_id)


# --- the window ---------------------------------------------------------------------------------


def _clock(value: str, name: str) -> time:
    try:
        hour, minute = (int(p) for p in value.split(":"))
        return time(hour, minute)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{name} must be HH:MM (24-hour local time), got {value!r}."
        ) from exc


def quiet_hours() -> tuple[time, time]:
    """(start, end) of the night quiet hours from settings, local wall-clock times."""
    return (
        _clock(settings.SEAT_OFFER_QUIET_START, "SEAT_OFFER_QUIET_START"),
        _clock(settings.SEAT_OFFER_QUIET_END, "SEAT_OFFER_QUIET_END"),
    )


def _is_quiet(moment: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # across midnight, the usual 20:00-09:00


def venue_closed_days(*, venue_id: int | None, start: date, days: int) -> set[date]:
    """Days from ``start`` (for ``days`` days) on which ``venue_id`` is closed: its closures and
    Japanese public holidays (the days series skip). One query."""
    end = start + timedelta(days=days)
    closed = {start + timedelta(days=n) for n in range(days)}
    closed = {d for d in closed if jpholiday.is_holiday(d)}
    if venue_id is not None:
        closed.update(
            VenueClosure.objects.filter(
                venue_id=venue_id, date__gte=start, date__lt=end
            ).values_list("date", flat=True)
        )
    return closed


def offer_deadline(*, session: Session, now: datetime, channel: str) -> datetime:
    """When an offer made at ``now`` (aware) for ``session`` must be answered by (aware).

    ``now`` plus the venue's window. For PHONE offers an end in the quiet hours or on a day the
    venue is closed moves to the end of the quiet hours (the morning) of the next open day.
    Never later than the session's start.
    """
    hours = session.venue.offer_window_hours if session.venue is not None else None
    end = now + timedelta(hours=hours or settings.SEAT_OFFER_WINDOW_HOURS)
    if channel == SeatOffer.Channel.PHONE:
        quiet_start, quiet_end = quiet_hours()
        local = timezone.localtime(end)
        day, clock = local.date(), local.time()
        closed = venue_closed_days(venue_id=session.venue_id, start=day, days=_OPEN_DAY_SEARCH)
        quiet = _is_quiet(clock, quiet_start, quiet_end)
        if quiet or day in closed:
            # In the small hours the morning is today's; in the evening, or in the daytime of a
            # closed day, it is the next day's. Then skip the days the venue is closed.
            if not (quiet and clock < quiet_end):
                day += timedelta(days=1)
            for _n in range(_OPEN_DAY_SEARCH):
                if day not in closed:
                    break
                day += timedelta(days=1)
            tz = timezone.get_current_timezone()
            end = timezone.make_aware(datetime.combine(day, quiet_end), tz)
    return min(end, session.starts_at)


def offer_cutoff(session: Session) -> datetime:
    """The moment (aware) after which no seat of ``session`` is offered any more."""
    return session.starts_at - timedelta(hours=settings.SEAT_OFFER_CUTOFF_HOURS)


# --- counting -----------------------------------------------------------------------------------


def seats_held(session_id: int) -> int:
    """How many seats of the session open offers hold (one query)."""
    return SeatOffer.objects.filter(session_id=session_id, status=SeatOffer.Status.OPEN).count()


def seats_taken(session_id: int) -> int:
    """Seats taken: registered residents plus seats held by open offers (one query)."""
    registered = Registration.objects.filter(
        session_id=session_id, status=Registration.Status.REGISTERED
    )
    held = SeatOffer.objects.filter(session_id=session_id, status=SeatOffer.Status.OPEN)
    return registered.count() + held.count()


# --- making and withdrawing offers -------------------------------------------------------------


def seat_offers_make(*, session: Session, now: datetime | None = None) -> list[SeatOffer]:
    """Offer every free seat of the locked ``session`` to the next in line; return the new
    offers, first in line first (empty when there is no free seat, nobody waiting, the session
    is cancelled, or it starts within ``SEAT_OFFER_CUTOFF_HOURS``).

    The caller holds the session's row lock (``lock_session``) inside ``transaction.atomic()``.
    A session without a seat limit offers a place to everyone waiting (nobody is moved without
    a yes). Mail offers are mailed after the commit (``seat_offer_mail_send``).
    """
    now = now or timezone.now()
    if session.status == Session.Status.CANCELLED or now >= offer_cutoff(session):
        return []
    waiting = (
        Registration.objects.filter(session=session, status=Registration.Status.WAITLISTED)
        .exclude(seat_offers__status=SeatOffer.Status.OPEN)
        .select_related("resident")
        .order_by(*LINE_ORDER)
    )
    if session.seats is not None:
        free = session.seats - seats_taken(session.pk)
        if free <= 0:
            return []
        waiting = waiting[:free]
    offers = []
    for registration in waiting:
        resident = registration.resident
        channel = (
            SeatOffer.Channel.MAIL
            if resident.email and resident.consent_given
            else SeatOffer.Channel.PHONE
        )
        offers.append(
            SeatOffer.objects.create(
                session=session,
                registration=registration,
                channel=channel,
                expires_at=offer_deadline(session=session, now=now, channel=channel),
                link_key=secrets.token_urlsafe(24),
            )
        )
    for offer in offers:
        if offer.channel == SeatOffer.Channel.MAIL:
            transaction.on_commit(partial(_queue_mail, offer.pk))
    return offers


def _queue_mail(offer_id: int) -> None:
    # By name: the task module imports this one. If it cannot be queued, the beat scan mails it.
    enqueue(current_app.tasks[MAIL_TASK], offer_id)


def seat_offers_withdraw(
    *, session: Session, registration_id: int | None = None, over: int | None = None
) -> int:
    """Withdraw open offers of the locked ``session``: the one of ``registration_id`` (its
    registration was cancelled), the newest ``over`` ones (seats were taken away), or with
    neither every open offer (the session is cancelled). Returns how many were withdrawn."""
    open_offers = SeatOffer.objects.filter(session=session, status=SeatOffer.Status.OPEN)
    if registration_id is not None:
        open_offers = open_offers.filter(registration_id=registration_id)
    elif over is not None:
        if over <= 0:
            return 0
        ids = list(open_offers.order_by("-created_at", "-id").values_list("pk", flat=True)[:over])
        open_offers = open_offers.filter(pk__in=ids)
    return open_offers.update(
        status=SeatOffer.Status.WITHDRAWN,
        decided_at=timezone.now(),
        decided_via=SeatOffer.Via.SYSTEM,
    )


# --- answers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerResult:
    """What ``seat_offer_answer`` did: ``offer`` as it is now, ``applied`` True when this call
    recorded the answer (False: it was already decided or had run out, see ``offer.status``),
    ``next_offers`` the offers made to the next in line."""

    offer: SeatOffer
    applied: bool
    next_offers: list[SeatOffer]


def seat_offer_answer(
    *, offer: SeatOffer, answer: Answer, by=None, via: str = SeatOffer.Via.STAFF
) -> AnswerResult:
    """Record the resident's answer to ``offer``: ACCEPT (the registration gets the held seat),
    DECLINE (the waitlisted registration is cancelled, the seat goes to the next in line) or
    NO_ANSWER (staff called and reached nobody; the offer stays open until its deadline).

    ``via``: SeatOffer.Via.LINK for the mail link (``by`` None), STAFF for the call list.
    Under the session's lock the offer is read again: an answer to an offer already decided
    changes nothing (``applied`` False), so two staff, a double click or a link used twice
    make one outcome. An offer past its deadline is expired here (and the seat offered on).
    Audited. Raises ValidationError for an unknown answer, NO_ANSWER on a mail offer, or
    "try again" when the lock cannot be had within 3 s.
    """
    if answer not in ANSWERS:
        raise ValidationError(_("Please choose the resident's answer."))
    now = timezone.now()
    with transaction.atomic():
        locked = lock_session(offer.session_id)
        current = (
            SeatOffer.objects.select_for_update().select_related("registration").get(pk=offer.pk)
        )
        if current.status != SeatOffer.Status.OPEN:
            return AnswerResult(current, False, [])
        if current.expires_at <= now:
            return AnswerResult(current, False, _expire_locked(locked, current, now))
        if answer == NO_ANSWER:
            if current.channel != SeatOffer.Channel.PHONE:
                raise ValidationError(
                    _("This offer was sent by email; there is no call to record.")
                )
            current.no_answer_count += 1
            current.last_called_at = now
            current.save(update_fields=["no_answer_count", "last_called_at"])
            _audit(current, "no answer", by)
            return AnswerResult(current, True, [])
        registration = current.registration
        current.decided_at = now
        current.decided_via = via
        current.decided_by = by if getattr(by, "pk", None) else None
        next_offers: list[SeatOffer] = []
        if answer == ACCEPT:
            current.status = SeatOffer.Status.ACCEPTED
            current.save(update_fields=["status", "decided_at", "decided_via", "decided_by"])
            registration.status = Registration.Status.REGISTERED
            registration.save(update_fields=["status"])
        else:
            current.status = SeatOffer.Status.DECLINED
            current.save(update_fields=["status", "decided_at", "decided_via", "decided_by"])
            registration.status = Registration.Status.CANCELLED
            registration.cancelled_at = now
            registration.save(update_fields=["status", "cancelled_at"])
            next_offers = seat_offers_make(session=locked, now=now)
        _audit(current, current.status, by)
        return AnswerResult(current, True, next_offers)


def _audit(offer: SeatOffer, what: str, by) -> None:
    via = offer.decided_via or SeatOffer.Via.STAFF
    audit_record(
        action=AuditAction.CHANGE,
        object_type="classes.seatoffer",
        object_id=offer.pk,
        summary=f"seat offer: {what} ({via})",
        user=by if getattr(by, "pk", None) else None,
        resident_ids=[offer.registration.resident_id],
    )


def _expire_locked(session: Session, offer: SeatOffer, now: datetime) -> list[SeatOffer]:
    """Expire the locked open ``offer``: its registration goes to the end of the line, the
    seat to the next in line. Returns the new offers."""
    offer.status = SeatOffer.Status.EXPIRED
    offer.decided_at = now
    offer.decided_via = SeatOffer.Via.SYSTEM
    offer.save(update_fields=["status", "decided_at", "decided_via"])
    Registration.objects.filter(
        pk=offer.registration_id, status=Registration.Status.WAITLISTED
    ).update(queued_at=now)
    return seat_offers_make(session=session, now=now)


def seat_offers_expire(*, now: datetime | None = None) -> int:
    """The beat scan: expire every open offer whose deadline has passed and offer its seat on.

    Each offer is expired in its own transaction under its session's lock and read again there,
    so a second run, or two runs at once, expire nothing twice. Returns how many this run
    expired. Also queues the mails of mail offers not sent yet (a queue that was down).
    """
    now = now or timezone.now()
    due = list(
        SeatOffer.objects.filter(status=SeatOffer.Status.OPEN, expires_at__lte=now)
        .order_by("expires_at", "id")
        .values_list("pk", "session_id")
    )
    expired = 0
    for offer_id, session_id in due:
        with transaction.atomic():
            locked = lock_session(session_id)
            current = (
                SeatOffer.objects.select_for_update()
                .filter(pk=offer_id, status=SeatOffer.Status.OPEN, expires_at__lte=now)
                .first()
            )
            if current is None:
                continue
            _expire_locked(locked, current, now)
            expired += 1
    for offer_id in seat_offers_mail_due(now=now):
        _queue_mail(offer_id)
    return expired


# --- the mail link -------------------------------------------------------------------------------


def seat_offer_link_token(offer: SeatOffer) -> str:
    """The one-time link's token for ``offer``: its id and secret key, signed with SECRET_KEY."""
    return signing.Signer(salt=_LINK_SALT).sign_object([offer.pk, offer.link_key], compress=True)


def seat_offer_for_token(token: str) -> SeatOffer | None:
    """The offer a link token names, or None when the token is forged, malformed or stale."""
    try:
        offer_id, key = signing.Signer(salt=_LINK_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(offer_id, int) or not isinstance(key, str):
        return None
    offer = (
        SeatOffer.objects.select_related(
            "session__venue", "session__topic", "registration__resident"
        )
        .filter(pk=offer_id, channel=SeatOffer.Channel.MAIL)
        .first()
    )
    if offer is None or not secrets.compare_digest(offer.link_key, key):
        return None
    return offer


def seat_offers_mail_due(*, now: datetime | None = None) -> list[int]:
    """Ids of open mail offers whose mail is not sent and nobody is sending at ``now`` (aware;
    default now): never claimed, its send failed, or claimed more than ``REMINDER_CLAIM_TIMEOUT``
    seconds ago by a worker that died before the send finished (``kernel.mail``)."""
    return list(
        SeatOffer.objects.filter(
            mail_claim_free("mail_claimed_at", now=now or timezone.now()),
            mail_sent_at__isnull=True,
            status=SeatOffer.Status.OPEN,
            channel=SeatOffer.Channel.MAIL,
        ).values_list("pk", flat=True)
    )


def seat_offer_mail_text(offer: SeatOffer, link: str) -> tuple[str, str]:
    """Subject and body of the offer mail for ``offer``, in the active language (the sender,
    ``seat_offer_mail_send``, makes it ``RESIDENT_LANGUAGE``, the program's default: Japanese).

    ``link`` is the absolute URL of the one-time page. Dates and times are local (Asia/Tokyo).
    Reads ``offer.session`` (with its venue and topic) and ``offer.registration.resident``;
    the text is in ``templates/classes/email/seat_offer_{subject,message}.txt``.
    """
    session = offer.session
    return mail_render(
        template="classes/email/seat_offer",
        context={
            "offer": offer,
            "session": session,
            "venue": session.venue,
            "resident": offer.registration.resident,
            "link": link,
        },
    )


def seat_offer_mail_send(*, offer_id: int) -> bool:
    """Mail the one-time link of open mail offer ``offer_id``; True when this call sent it.

    Claimed with one UPDATE (``mail_claimed_at`` set where the claim is free, ``mail_sent_at``
    still NULL) before sending, outside any transaction, so repeated or concurrent runs send
    once; ``mail_sent_at`` is set once the mail server accepted the message. A failed send
    releases the claim, stores the error (shown on the session page) and raises again, so the
    task retries and the beat scan finds it. A claim left by a worker killed in between is free
    again after ``REMINDER_CLAIM_TIMEOUT`` seconds (the reminders' rule, ``kernel.mail``), and the
    beat scan (``seat_offers_expire``) mails it then: at least once, and twice only if the worker
    dies in the moment between the server accepting the message and the ``mail_sent_at`` update.
    """
    now = timezone.now()
    claimed = SeatOffer.objects.filter(
        mail_claim_free("mail_claimed_at", now=now),
        pk=offer_id,
        mail_sent_at__isnull=True,
        status=SeatOffer.Status.OPEN,
        channel=SeatOffer.Channel.MAIL,
    ).update(mail_claimed_at=now)
    if not claimed:
        return False
    offer = SeatOffer.objects.select_related(
        "session__venue", "session__topic", "registration__resident"
    ).get(pk=offer_id)
    path = reverse("classes:offer_page", args=[seat_offer_link_token(offer)])
    with translation.override(settings.RESIDENT_LANGUAGE):
        subject, body = seat_offer_mail_text(offer, f"{settings.SITE_URL}{path}")
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [offer.registration.resident.email])
    except Exception as exc:
        # Only this call's claim: a worker slower than the timeout must not free a newer one.
        SeatOffer.objects.filter(pk=offer_id, mail_claimed_at=now).update(
            mail_claimed_at=None, mail_error=f"{type(exc).__name__}: {exc}"[:300]
        )
        raise
    SeatOffer.objects.filter(pk=offer_id).update(mail_sent_at=timezone.now(), mail_error="")
    return True
