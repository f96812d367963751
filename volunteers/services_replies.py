"""State changes for supporters' answers: withdrawing from an assignment, asking a replacement,
and the emails that follow (sent by Celery tasks after the transaction commits).

Every state change runs in one transaction and raises ``ValidationError`` with a message the
supporter or coordinator can act on; nothing is saved when it raises.
"""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from classes.models import Session
from kernel.dates import datetime_full
from kernel.locking import bounded_lock_wait
from kernel.models import Role
from volunteers import services
from volunteers.models import Assignment, AvailabilityException, Supporter
from volunteers.selectors import active_assignments
from volunteers.selectors_replies import exception_conflicts, is_late
from volunteers.skills import LEAD_SKILL_CODE

REASON_MAX_LENGTH = 300


def _session_text(session: Session) -> str:
    tz = timezone.get_default_timezone()
    start = timezone.localtime(session.starts_at, tz)
    end = timezone.localtime(session.ends_at, tz)
    return (
        f"{datetime_full(start)}–{date_format(end, 'H:i')} "
        f"{session.display_title} / {session.place_label}"
    )


def _link(path: str) -> str:
    """``path`` made absolute with ``settings.SITE_URL`` (e.g. ``https://digi.example.jp``) when
    set; a bare path otherwise (mail is built outside a request, so the host is unknown)."""
    base = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    return base + path


def assignment_withdraw(*, assignment: Assignment, by: Any, reason: str = "") -> Assignment:
    """The supporter steps back from one of their assignments.

    A proposed assignment becomes DECLINED, a confirmed one CANCELLED; ``responded_at`` (and
    ``cancelled_at`` for a cancellation) are set to the same instant, which marks the cancellation
    as the supporter's own. The slot is free again at once (only active assignments count).

    When a confirmed assignment is cancelled less than 48 hours before the start, every
    coordinator with an email address is alerted after the commit (the reason, at most 300
    characters, goes into that email only: no field stores it). Returns the updated assignment;
    its ``is_late`` attribute says whether the alert went out.

    Raises ValidationError: already declined or cancelled, session cancelled, the session has
    already started (then the supporter should phone the center), or the reason is too long.
    """
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("Please keep the reason under %(max)d characters.") % {"max": REASON_MAX_LENGTH}
        )
    now = timezone.now()
    busy = _("Someone else is changing this assignment right now. Please try again in a moment.")
    with transaction.atomic(), bounded_lock_wait(busy):
        current = (
            Assignment.objects.select_for_update().select_related("session").get(pk=assignment.pk)
        )
        session = current.session
        if session.status == Session.Status.CANCELLED:
            raise ValidationError(_("This session was cancelled; there is nothing to cancel."))
        if current.status not in Assignment.ACTIVE_STATUSES:
            raise ValidationError(_("This assignment was already cancelled or declined."))
        if now >= session.starts_at:
            raise ValidationError(
                _(
                    "This session has already started. Please phone the center or the "
                    "coordinator instead."
                )
            )
        was_confirmed = current.status == Assignment.Status.CONFIRMED
        current.responded_at = now
        if was_confirmed:
            current.status = Assignment.Status.CANCELLED
            current.cancelled_at = now
        else:
            current.status = Assignment.Status.DECLINED
        current.save(update_fields=["status", "responded_at", "cancelled_at"])
        late = was_confirmed and is_late(session=session, at=now)
        if late:
            from kernel.tasks_util import enqueue
            from volunteers.tasks import send_late_cancellation_alert

            transaction.on_commit(
                lambda: enqueue(send_late_cancellation_alert, current.pk, reason),
            )
    current.is_late = late  # type: ignore[attr-defined]
    return current


def replacement_ask(*, session: Session, supporter: Supporter, by: Any) -> Assignment:
    """Ask ``supporter`` to help at ``session`` (the one-click "Ask" next to a replacement).

    Creates a PROPOSED assignment through ``services.assignment_create`` (same locking and checks:
    active, free at that time, under the monthly maximum). A supporter with an email address is
    emailed after the commit, and ``notified_at`` is set when that email is claimed (see
    ``assignment_request_email_send``); without an address ``notified_at`` is set at once (they
    see the request on their page). Asking the same person twice is refused by the
    one-active-assignment rule, so a double click sends one email.

    When the session needs a lead, has none among its active assignments and ``supporter`` has
    the lead skill, they are asked as the lead (the replacement list offers only people who can
    lead when that is the last open position).

    Returns the assignment (``warnings`` as in ``assignment_create``). Raises ValidationError
    with the reason when the supporter cannot be asked.
    """
    with transaction.atomic():
        as_lead = (
            session.lead_needed
            and not active_assignments().filter(session=session, is_lead=True).exists()
            and supporter.skills.filter(code=LEAD_SKILL_CODE).exists()
        )
        assignment = services.assignment_create(
            session=session, supporter=supporter, by=by, is_lead=as_lead
        )
        if supporter.email:
            from kernel.tasks_util import enqueue
            from volunteers.tasks import send_assignment_request

            transaction.on_commit(lambda: enqueue(send_assignment_request, assignment.pk))
        else:
            assignment.notified_at = timezone.now()
            assignment.save(update_fields=["notified_at"])
    return assignment


def assignment_request_email_send(*, assignment_id: int) -> bool:
    """Email the supporter of a proposed assignment asking them to answer, once.

    The assignment is claimed with one UPDATE (``notified_at`` set where it is empty, status still
    PROPOSED, session not cancelled) before the mail goes out, so a repeated or concurrent run
    sends nothing. If sending fails the claim is undone and the error raised, so a retry sends
    again. Returns True when this call sent the email; False when there was nothing to send
    (already notified, answered, session cancelled, or no email address).
    """
    now = timezone.now()
    claimed = (
        Assignment.objects.filter(
            pk=assignment_id, status=Assignment.Status.PROPOSED, notified_at__isnull=True
        )
        .exclude(session__status=Session.Status.CANCELLED)
        .update(notified_at=now)
    )
    if not claimed:
        return False
    assignment = Assignment.objects.select_related(
        "supporter", "session__venue", "session__topic"
    ).get(pk=assignment_id)
    if not assignment.supporter.email:
        return False  # they see the request on their own page
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Can you help at %(session)s?") % {"session": assignment.session.display_title}
        body = "\n".join(
            [
                _("Dear %(name)s,") % {"name": assignment.supporter.name},
                "",
                _("The coordinator would like to ask you to help at this session:"),
                _session_text(assignment.session),
                "",
                _("Please accept or decline on your page: %(path)s")
                % {"path": _link(reverse("volunteers:my_assignments"))},
            ]
        )
    try:
        # Outside any transaction: the claim above is committed, no lock is held.
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [assignment.supporter.email])
    except Exception:
        Assignment.objects.filter(pk=assignment_id, notified_at=now).update(notified_at=None)
        raise
    return True


def coordinator_emails() -> list[str]:
    """Email addresses of active users with the coordinator role, sorted, without blanks."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, profile__role=Role.COORDINATOR)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    return sorted(set(users))


def late_cancellation_alert_send(*, assignment_id: int, reason: str = "") -> bool:
    """Email the coordinators that a supporter cancelled less than 48 hours before a session.

    Returns False (nothing sent) when the assignment is no longer cancelled, no coordinator has
    an email address, or this cancellation was already emailed (the task delivered twice); the
    late-cancellation list on the dashboard shows it either way. The cancellation is claimed
    before the mail goes out and released if sending fails (so a retry sends it): a worker
    killed between the two loses the mail, never repeats it.
    """
    recipients = coordinator_emails()
    if not recipients:
        return False
    unsent = Q(late_alert_sent_for__isnull=True) | ~Q(late_alert_sent_for=F("cancelled_at"))
    claimed = (
        Assignment.objects.filter(
            pk=assignment_id, status=Assignment.Status.CANCELLED, cancelled_at__isnull=False
        )
        .filter(unsent)
        .update(late_alert_sent_for=F("cancelled_at"))
    )
    if not claimed:
        return False
    assignment = Assignment.objects.select_related(
        "supporter", "session__venue", "session__topic"
    ).get(pk=assignment_id)
    try:
        _late_cancellation_mail(assignment, reason, recipients)
    except Exception:
        Assignment.objects.filter(pk=assignment_id).update(late_alert_sent_for=None)
        raise
    return True


def _late_cancellation_mail(assignment: Assignment, reason: str, recipients: list[str]) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Late cancellation: %(name)s, %(session)s") % {
            "name": assignment.supporter.name,
            "session": assignment.session.display_title,
        }
        lines = [
            _("%(name)s cancelled less than 48 hours before the session:")
            % {"name": assignment.supporter.name},
            _session_text(assignment.session),
        ]
        if reason:
            lines += ["", _("Reason given: %(reason)s") % {"reason": reason}]
        lines += [
            "",
            _("Find a replacement (least recently asked first): %(path)s")
            % {"path": _link(reverse("volunteers:replacements", args=[assignment.session_id]))},
        ]
    send_mail(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, recipients)


def exception_requests_decline(
    *, exception: AvailabilityException, assignment_ids: Iterable[int], by: Any
) -> list[Assignment]:
    """Step back from the requests and accepted assignments that a day off falls on.

    Takes those among ``assignment_ids`` that ``exception`` (``available=False``) falls on
    (``selectors_replies.exception_conflicts``; other ids are ignored) and withdraws each through
    ``assignment_withdraw``, exactly as when the supporter cancels one by one: a request becomes
    DECLINED, an accepted assignment CANCELLED, and a cancellation less than 48 hours ahead
    alerts the coordinators after the commit. The exception's reason is the reason given.
    All or nothing. Returns the withdrawn assignments (each with ``is_late``).

    Raises ValidationError: none of the ids is such a request, or one can no longer be
    withdrawn (its message says which session).
    """
    wanted = set(assignment_ids)
    conflicts = exception_conflicts(supporter=exception.supporter, exceptions=[exception])
    chosen = [a for a in conflicts.get(exception.pk, []) if a.pk in wanted]
    if not chosen:
        raise ValidationError(_("Tick at least one of the requests on these days to decline it."))
    with translation.override(settings.LANGUAGE_CODE):
        reason = exception.reason or _("Not available on these days (a day off was added).")
    withdrawn = []
    with transaction.atomic():
        for a in chosen:
            try:
                withdrawn.append(assignment_withdraw(assignment=a, by=by, reason=reason))
            except ValidationError as exc:
                raise ValidationError(
                    f"{_session_text(a.session)}: {' '.join(exc.messages)}"
                ) from exc
    return withdrawn
