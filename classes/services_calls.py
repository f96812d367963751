"""State changes for the call lists: the day-before reminders and the "tell them" calls.

Residents mostly have no email: staff phone them from a list. A resident with an email address
who consented to data use gets the reminder by email instead; sending is claimed atomically on
the entry row so that running the sender twice sends once.
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from classes import services
from classes.models import CallListEntry, Registration, Session
from classes.selectors import local_day_bounds
from kernel.mail import mail_claim_free, mail_render

Status = CallListEntry.Status
Reason = CallListEntry.Reason

# Which ticks make sense for which reason: nobody is "reminded" of a cancelled session.
ALLOWED_STATUSES = {
    Reason.REMINDER: (Status.REMINDED, Status.NO_ANSWER, Status.CANCELLED_BY_RESIDENT),
    Reason.SESSION_CANCELLED: (Status.TOLD, Status.NO_ANSWER),
    Reason.SEAT_OFFERED: (Status.TOLD, Status.NO_ANSWER, Status.CANCELLED_BY_RESIDENT),
}


def call_list_prepare(*, day: date, venue_ids=None) -> int:
    """Create the reminder entries for the registered residents of sessions starting on ``day``.

    ``day`` is a calendar day in JST (a session at 00:30 JST belongs to that day); ``venue_ids``
    limits to those venues (None: all). Safe to call again: existing entries are kept.
    Returns how many entries were created.
    """
    start, end = local_day_bounds(day)
    registrations = Registration.objects.filter(
        status=Registration.Status.REGISTERED,
        session__status=Session.Status.SCHEDULED,
        session__starts_at__gte=start,
        session__starts_at__lt=end,
    ).exclude(call_entries__reason=Reason.REMINDER)
    if venue_ids is not None:
        registrations = registrations.filter(session__venue_id__in=venue_ids)
    entries = [
        CallListEntry(registration_id=pk, reason=Reason.REMINDER)
        for pk in registrations.values_list("pk", flat=True)
    ]
    # ignore_conflicts: two staff opening the list at once both try to create the same rows.
    created = CallListEntry.objects.bulk_create(entries, ignore_conflicts=True)
    return len(created)


def call_entry_mark(*, entry: CallListEntry, status: str, by=None, note: str = "") -> CallListEntry:
    """Record the outcome of a call: ``status`` is a CallListEntry.Status value.

    ``cancelled_by_resident`` cancels the registration through ``services.registration_cancel``,
    so its seat is offered to the first resident on the waitlist (``services_offers``).
    Raises ValidationError for a status that does not fit the entry's reason, or when the
    registration cannot be cancelled.
    """
    allowed = ALLOWED_STATUSES[Reason(entry.reason)]
    if status not in allowed:
        raise ValidationError(_("Please choose the result of the call."))
    with transaction.atomic():
        locked = CallListEntry.objects.select_for_update().get(pk=entry.pk)
        if status == Status.CANCELLED_BY_RESIDENT:
            registration = locked.registration
            if registration.status != Registration.Status.CANCELLED:
                services.registration_cancel(registration=registration, by=by)
        locked.status = status
        locked.called_at = timezone.now()
        locked.called_by = by if getattr(by, "pk", None) else None
        locked.note = note.strip()[:200]
        locked.save(update_fields=["status", "called_at", "called_by", "note"])
    return locked


def reminders_due(*, now=None) -> list[int]:
    """Prepare tomorrow's reminders (JST) and return the ids of those to send by email now.

    Due: reminder entries of tomorrow's scheduled sessions whose resident has an email address
    and consented, not sent yet and not already settled by phone.
    """
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    call_list_prepare(day=tomorrow)
    start, end = local_day_bounds(tomorrow)
    return list(
        _email_candidates(now=now)
        .filter(
            registration__session__starts_at__gte=start,
            registration__session__starts_at__lt=end,
        )
        .values_list("pk", flat=True)
    )


def _email_candidates(*, now=None) -> QuerySet[CallListEntry]:
    """Reminder entries to email: never claimed, or claimed longer than REMINDER_CLAIM_TIMEOUT
    seconds ago by a worker that died before the send finished (status still "to call")."""
    return CallListEntry.objects.filter(
        mail_claim_free("sent_at", now=now or timezone.now()),
        reason=Reason.REMINDER,
        status=Status.TO_CALL,
        registration__status=Registration.Status.REGISTERED,
        registration__session__status=Session.Status.SCHEDULED,
        registration__resident__consent_given=True,
    ).exclude(registration__resident__email="")


def reminder_email_text(entry: CallListEntry) -> tuple[str, str]:
    """Subject and body of the reminder email for ``entry``, in the active language (the
    sender, ``reminder_send``, makes it ``RESIDENT_LANGUAGE``, the program's default: Japanese).

    Dates and times are local (Asia/Tokyo); the access, what-to-bring and phone lines appear
    only when the session or venue has them. Reads ``entry.registration`` with its resident and
    session (venue, topic); the text is in ``templates/classes/email/reminder_{subject,message}.txt``.
    """
    session = entry.registration.session
    return mail_render(
        template="classes/email/reminder",
        context={
            "session": session,
            "venue": session.venue,
            "resident": entry.registration.resident,
        },
    )


def reminder_send(*, entry_id: int) -> bool:
    """Send the reminder email of entry ``entry_id`` unless it is already sent or not due.

    The entry is claimed with one UPDATE (``sent_at`` set where it is NULL) before the mail goes
    out, so concurrent or repeated runs send once. Returns True when this call sent it.
    The send is finished when the status becomes "reminded". A claim left by a worker killed in
    between (status still "to call") may be claimed again after REMINDER_CLAIM_TIMEOUT seconds, so
    the reminder is not lost: at least once, and at most once unless the worker dies in the
    milliseconds between the mail server accepting the message and that status update (SMTP and
    PostgreSQL cannot commit together; docs/reliability.md).
    When sending fails the claim is released, the error is stored in ``last_error`` (shown to
    staff on the call list) and the exception is raised again so the caller can retry.
    """
    now = timezone.now()
    if not _email_candidates(now=now).filter(pk=entry_id).exists():
        return False
    # The claim itself tests only this row's own columns: PostgreSQL re-checks those against the
    # newest row version when a concurrent claim commits first (conditions inside the joined
    # subquery an UPDATE with related filters produces are not re-checked).
    claimed = CallListEntry.objects.filter(
        mail_claim_free("sent_at", now=now), pk=entry_id, status=Status.TO_CALL
    ).update(sent_at=now, send_attempts=F("send_attempts") + 1)
    if not claimed:
        return False
    entry = CallListEntry.objects.select_related(
        "registration__resident", "registration__session__venue", "registration__session__topic"
    ).get(pk=entry_id)
    with translation.override(settings.RESIDENT_LANGUAGE):
        subject, body = reminder_email_text(entry)
    try:
        # Outside any transaction: the claim above is already committed, no lock is held.
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [entry.registration.resident.email])
    except Exception as exc:
        CallListEntry.objects.filter(pk=entry_id).update(
            sent_at=None, last_error=f"{type(exc).__name__}: {exc}"[:1000]
        )
        raise
    CallListEntry.objects.filter(pk=entry_id).update(
        status=Status.REMINDED, called_at=timezone.now(), last_error=""
    )
    return True
