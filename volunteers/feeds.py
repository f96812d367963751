"""A supporter's own calendar feed (iCalendar, RFC 5545), reached by a secret link key.

Built from the session events of ``classes.feeds`` (same times, places and SEQUENCE), with UIDs per
assignment (``assignment-<pk>@digisupport``) so they never clash with the public venue feed's.
"""

import secrets
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from classes.feeds import UID_DOMAIN, calendar_bytes, feed_window, new_calendar, session_event
from classes.models import Session
from volunteers.models import Assignment, Supporter


def supporter_feed_assignments(
    *, supporter: Supporter, now: datetime | None = None
) -> QuerySet[Assignment]:
    """The supporter's proposed and confirmed assignments in the feed window, with session, venue
    and topic. One query."""
    start, end = feed_window(now)
    return (
        Assignment.objects.filter(
            supporter=supporter,
            status__in=Assignment.ACTIVE_STATUSES,
            session__starts_at__gte=start,
            session__starts_at__lt=end,
        )
        .select_related("session__venue", "session__topic")
        .order_by("session__starts_at", "id")
    )


def supporter_for_feed_token(token: str) -> Supporter | None:
    """The active supporter whose calendar link key is ``token``, or None (wrong or reset key)."""
    if not token:
        return None
    return Supporter.objects.filter(feed_token=token, is_active=True).first()


# --- services ----------------------------------------------------------------------------------


def supporter_feed_token_reset(*, supporter: Supporter) -> str:
    """Give ``supporter`` a new random calendar link key and return it.

    The old link stops working at once (its feed answers 404). 256 random bits, URL-safe.
    """
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        Supporter.objects.filter(pk=supporter.pk).update(feed_token=token)
    supporter.feed_token = token
    return token


def supporter_feed_token_ensure(*, supporter: Supporter) -> str:
    """Return the supporter's calendar link key, creating one the first time it is needed."""
    if supporter.feed_token:
        return supporter.feed_token
    with transaction.atomic():
        locked = Supporter.objects.select_for_update().get(pk=supporter.pk)
        if not locked.feed_token:
            locked.feed_token = secrets.token_urlsafe(32)
            locked.save(update_fields=["feed_token"])
    supporter.feed_token = locked.feed_token
    return locked.feed_token


def supporter_feed(*, supporter: Supporter, now: datetime | None = None) -> bytes:
    """The supporter's own iCalendar feed (UTF-8 bytes): sessions they are assigned to.

    A proposed assignment is TENTATIVE, a confirmed one CONFIRMED, a cancelled session
    CANCELLED. UIDs are per assignment so they never clash with the venue feed's events.
    """
    stamp = now or timezone.now()
    cal = new_calendar(_("%(name)s: my sessions") % {"name": supporter.name})
    for assignment in supporter_feed_assignments(supporter=supporter, now=now):
        session = assignment.session
        extra = []
        if session.venue is not None and session.venue.access:
            extra.append(_("Access: %(access)s") % {"access": session.venue.access})
        if assignment.is_lead:
            extra.append(_("You lead this session."))
        if assignment.status == Assignment.Status.PROPOSED:
            extra.append(_("Not yet confirmed: please answer on your assignments page."))
        event = session_event(
            session,
            uid=f"assignment-{assignment.pk}@{UID_DOMAIN}",
            stamp=stamp,
            with_seats=False,
            extra=extra,
        )
        if session.status != Session.Status.CANCELLED:
            confirmed = assignment.status == Assignment.Status.CONFIRMED
            event.add("status", "CONFIRMED" if confirmed else "TENTATIVE")
        cal.add_component(event)
    return calendar_bytes(cal)
