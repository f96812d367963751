"""Calendar feeds (iCalendar, RFC 5545) of sessions: per venue (public) and per supporter (secret).

Feeds are built with the ``icalendar`` package. Every event has a stable UID, a SEQUENCE taken from
``Session.sequence`` (bumped when the time, place, title or status changes), times in Asia/Tokyo
with a VTIMEZONE, and a cancelled session stays in the feed with STATUS:CANCELLED so subscribed
calendars mark it instead of silently keeping the old event.

The public venue feed carries no personal data: no resident, supporter or note appears in it.
"""

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from classes.models import Session, Venue
from classes.selectors import session_list
from volunteers.models import Assignment, Supporter

PRODID = "-//digisupport//Digital-divide support sessions//JA"
# Part of every UID after "@". A constant, not the request's host: UIDs must not change when the
# site is reached under another name.
UID_DOMAIN = "digisupport"
# How far back and ahead a feed reaches: calendars keep past events they already have.
FEED_PAST_DAYS = 60
FEED_FUTURE_DAYS = 400

TOKYO = ZoneInfo("Asia/Tokyo")


def session_uid(session: Session) -> str:
    """The iCalendar UID of ``session`` in public feeds, e.g. ``session-42@digisupport``."""
    return f"session-{session.pk}@{UID_DOMAIN}"


def _feed_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    now = now or timezone.now()
    return now - timedelta(days=FEED_PAST_DAYS), now + timedelta(days=FEED_FUTURE_DAYS)


# --- selectors ---------------------------------------------------------------------------------


def venue_feed_sessions(*, venue: Venue, now: datetime | None = None) -> QuerySet[Session]:
    """Sessions at ``venue`` from 60 days ago to about 13 months ahead, cancelled ones included,
    with ``registered_count`` annotated (for seats left). One query."""
    start, end = _feed_window(now)
    return session_list(start=start, end=end, venue_ids=[venue.pk])


def series_feed_sessions(*, series) -> QuerySet[Session]:
    """Every session of ``series`` (a ``classes.Series``), cancelled ones included, with
    ``registered_count`` annotated. One query."""
    return session_list().filter(series_id=series.pk)


def supporter_feed_assignments(
    *, supporter: Supporter, now: datetime | None = None
) -> QuerySet[Assignment]:
    """The supporter's proposed and confirmed assignments in the feed window, with session, venue
    and topic. One query."""
    start, end = _feed_window(now)
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


# --- building the calendar ---------------------------------------------------------------------


def _new_calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    return cal


def _session_event(
    session: Session, *, uid: str, stamp: datetime, with_seats: bool, extra: Iterable[str] = ()
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("sequence", session.sequence)
    event.add("dtstart", session.starts_at.astimezone(TOKYO))
    event.add("dtend", session.ends_at.astimezone(TOKYO))
    title = session.display_title
    if session.status == Session.Status.CANCELLED:
        title = _("Cancelled: %(title)s") % {"title": title}
    event.add("summary", title)
    location = session.place_label
    venue = session.venue
    if venue is not None and venue.address:
        location = f"{location} ({venue.address})"
    if venue is not None and session.place:
        location = f"{location} {session.place}"
    event.add("location", location)
    event.add("categories", [str(session.get_kind_display())])

    lines = [_("Kind: %(kind)s") % {"kind": session.get_kind_display()}]
    topic = session.topic
    if topic is not None:
        lines.append(_("Topic: %(topic)s") % {"topic": topic.title})
    bring = session.what_to_bring or (topic.what_to_bring if topic is not None else "")
    if bring:
        lines.append(_("What to bring: %(what)s") % {"what": bring})
    if with_seats and session.status == Session.Status.SCHEDULED:
        seats_left = session.seats_left
        if seats_left is not None:
            lines.append(_("Seats left: %(n)s") % {"n": seats_left})
    lines.extend(extra)
    event.add("description", "\n".join(lines))

    if session.status == Session.Status.CANCELLED:
        event.add("status", "CANCELLED")
    return event


def _to_bytes(cal: Calendar) -> bytes:
    # Adds a VTIMEZONE for Asia/Tokyo, which every DTSTART/DTEND refers to (TZID=Asia/Tokyo).
    cal.add_missing_timezones()
    return cal.to_ical()


def venue_feed(*, venue: Venue, now: datetime | None = None) -> bytes:
    """The public iCalendar feed of ``venue`` (UTF-8 bytes). No personal data: title, kind,
    topic, place, times, what to bring and seats left only."""
    stamp = now or timezone.now()
    cal = _new_calendar(venue.name)
    for session in venue_feed_sessions(venue=venue, now=now):
        session.venue = venue
        cal.add_component(
            _session_event(session, uid=session_uid(session), stamp=stamp, with_seats=True)
        )
    return _to_bytes(cal)


def series_feed(*, series, now: datetime | None = None) -> bytes:
    """The public iCalendar feed of one series (UTF-8 bytes); same events and UIDs as the venue
    feed, no personal data."""
    stamp = now or timezone.now()
    name = series.title or (series.topic.title if series.topic_id else series.venue.name)
    cal = _new_calendar(name)
    for session in series_feed_sessions(series=series):
        cal.add_component(
            _session_event(session, uid=session_uid(session), stamp=stamp, with_seats=True)
        )
    return _to_bytes(cal)


def supporter_feed(*, supporter: Supporter, now: datetime | None = None) -> bytes:
    """The supporter's own iCalendar feed (UTF-8 bytes): sessions they are assigned to.

    A proposed assignment is TENTATIVE, a confirmed one CONFIRMED, a cancelled session
    CANCELLED. UIDs are per assignment so they never clash with the venue feed's events.
    """
    stamp = now or timezone.now()
    cal = _new_calendar(_("%(name)s: my sessions") % {"name": supporter.name})
    for assignment in supporter_feed_assignments(supporter=supporter, now=now):
        session = assignment.session
        extra = []
        if session.venue is not None and session.venue.access:
            extra.append(_("Access: %(access)s") % {"access": session.venue.access})
        if assignment.is_lead:
            extra.append(_("You lead this session."))
        if assignment.status == Assignment.Status.PROPOSED:
            extra.append(_("Not yet confirmed: please answer on your assignments page."))
        event = _session_event(
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
    return _to_bytes(cal)
