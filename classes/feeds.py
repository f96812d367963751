"""Calendar feeds (iCalendar, RFC 5545) of sessions: per venue and per series (public).

The supporter's own feed (secret link) is built from the same parts in ``volunteers.feeds``.

Feeds are built with the ``icalendar`` package. Every event has a stable UID, a SEQUENCE taken from
``Session.sequence`` (bumped when the time, place, title or status changes), times in Asia/Tokyo
with a VTIMEZONE, and a cancelled session stays in the feed with STATUS:CANCELLED so subscribed
calendars mark it instead of silently keeping the old event.

The public venue feed carries no personal data: no resident, supporter or note appears in it.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from classes.models import Session, Venue
from classes.selectors import session_list

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


def feed_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) of what a feed lists: FEED_PAST_DAYS before ``now`` (aware; default now) to
    FEED_FUTURE_DAYS after it."""
    now = now or timezone.now()
    return now - timedelta(days=FEED_PAST_DAYS), now + timedelta(days=FEED_FUTURE_DAYS)


# --- selectors ---------------------------------------------------------------------------------


def venue_feed_sessions(*, venue: Venue, now: datetime | None = None) -> QuerySet[Session]:
    """Sessions at ``venue`` from 60 days ago to about 13 months ahead, cancelled ones included,
    with ``registered_count`` annotated (for seats left). One query."""
    start, end = feed_window(now)
    return session_list(start=start, end=end, venue_ids=[venue.pk])


def series_feed_sessions(*, series) -> QuerySet[Session]:
    """Every session of ``series`` (a ``classes.Series``), cancelled ones included, with
    ``registered_count`` annotated. One query."""
    return session_list().filter(series_id=series.pk)


# --- building the calendar ---------------------------------------------------------------------


def new_calendar(name: str) -> Calendar:
    """An empty published VCALENDAR named ``name`` (the calendar app's display name), in the
    project's time zone."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    return cal


def session_event(
    session: Session, *, uid: str, stamp: datetime, with_seats: bool, extra: Iterable[str] = ()
) -> Event:
    """One VEVENT for ``session``: ``uid`` as given, DTSTAMP ``stamp`` (aware), times in
    Asia/Tokyo, SEQUENCE from the session, STATUS:CANCELLED when cancelled; ``with_seats`` adds the
    seats left to the description, ``extra`` adds lines after it. Reads venue and topic."""
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


def calendar_bytes(cal: Calendar) -> bytes:
    """``cal`` as iCalendar bytes (UTF-8, CRLF lines), with the VTIMEZONE its events need."""
    # Adds a VTIMEZONE for Asia/Tokyo, which every DTSTART/DTEND refers to (TZID=Asia/Tokyo).
    cal.add_missing_timezones()
    return cal.to_ical()


def venue_feed(*, venue: Venue, now: datetime | None = None) -> bytes:
    """The public iCalendar feed of ``venue`` (UTF-8 bytes). No personal data: title, kind,
    topic, place, times, what to bring and seats left only."""
    stamp = now or timezone.now()
    cal = new_calendar(venue.name)
    for session in venue_feed_sessions(venue=venue, now=now):
        session.venue = venue
        cal.add_component(
            session_event(session, uid=session_uid(session), stamp=stamp, with_seats=True)
        )
    return calendar_bytes(cal)


def series_feed(*, series, now: datetime | None = None) -> bytes:
    """The public iCalendar feed of one series (UTF-8 bytes); same events and UIDs as the venue
    feed, no personal data."""
    stamp = now or timezone.now()
    name = series.title or (series.topic.title if series.topic_id else series.venue.name)
    cal = new_calendar(name)
    for session in series_feed_sessions(series=series):
        cal.add_component(
            session_event(session, uid=session_uid(session), stamp=stamp, with_seats=True)
        )
    return calendar_bytes(cal)
