"""Read queries for sessions and registrations. Each returns a queryset with what its page needs."""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from classes.models import Registration, Session, Venue
from residents.models import OwnDevice
from volunteers.models import Assignment


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """Return the aware [start, end) datetimes of ``day`` in the current time zone (JST)."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), tz)
    return start, start + timedelta(days=1)


def active_venues(*, venue_ids=None) -> QuerySet[Venue]:
    """Active venues, limited to ``venue_ids`` (an iterable of ids) unless it is None (all)."""
    venues = Venue.objects.filter(is_active=True)
    return venues if venue_ids is None else venues.filter(pk__in=venue_ids)


def session_list(
    *, start: datetime | None = None, end: datetime | None = None, venue_ids=None
) -> QuerySet[Session]:
    """Sessions starting in [start, end), with venue/topic/organiser and these counts annotated:
    ``registered_count``, ``waitlisted_count``, ``attended_count``, ``supporter_count``.

    ``venue_ids``: an iterable of venue ids to restrict to, or None for all.
    """
    qs = Session.objects.select_related("venue", "topic", "organiser")
    if start is not None:
        qs = qs.filter(starts_at__gte=start)
    if end is not None:
        qs = qs.filter(starts_at__lt=end)
    if venue_ids is not None:
        qs = qs.filter(venue_id__in=venue_ids)
    return qs.annotate(
        registered_count=Count(
            "registrations",
            filter=Q(registrations__status=Registration.Status.REGISTERED),
            distinct=True,
        ),
        waitlisted_count=Count(
            "registrations",
            filter=Q(registrations__status=Registration.Status.WAITLISTED),
            distinct=True,
        ),
        attended_count=Count(
            "registrations",
            filter=Q(registrations__attendance=Registration.Attendance.ATTENDED),
            distinct=True,
        ),
        supporter_count=Count(
            "assignments",
            filter=Q(assignments__status__in=Assignment.ACTIVE_STATUSES),
            distinct=True,
        ),
    ).order_by("starts_at", "id")


def session_registrations(*, session: Session) -> QuerySet[Registration]:
    """Registrations of ``session`` (not cancelled ones last), with residents, in arrival order."""
    return (
        Registration.objects.filter(session=session)
        .select_related("resident")
        .order_by("status", "created_at", "id")
    )


def upcoming_registrations_for(*, residents) -> dict[int, list[Registration]]:
    """Active upcoming registrations of the given residents, keyed by resident id (one query)."""
    ids = [r.pk for r in residents]
    out: dict[int, list[Registration]] = {i: [] for i in ids}
    if not ids:
        return out
    regs = (
        Registration.objects.filter(
            resident_id__in=ids,
            status__in=[Registration.Status.REGISTERED, Registration.Status.WAITLISTED],
            session__ends_at__gte=timezone.now(),
        )
        .select_related("session", "session__venue", "session__topic")
        .order_by("session__starts_at")
    )
    for reg in regs:
        out[reg.resident_id].append(reg)
    return out


# Curriculum topics about the My Number Card and Mynaportal (project/data/curriculum.csv): the
# resident needs the card itself in the room. A03-A06 (cashless, health apps...) share the "A0"
# prefix but not the card, so the codes are listed rather than matched by prefix.
MY_NUMBER_TOPIC_CODES = frozenset({"A01", "A02"})


def what_to_bring_for(*, session: Session, resident) -> list[str]:
    """What staff tell ``resident`` to bring to ``session``, in the order they read it out.

    Their own phone when ``resident.own_device`` is a smartphone or tablet, else a note that a
    loan device is provided; the My Number Card for My Number / Mynaportal topics; then the
    session's and its topic's own ``what_to_bring`` (duplicates dropped). No queries beyond
    ``session.topic`` (select it with the session). Returns translated strings.
    """
    smart = {OwnDevice.ANDROID, OwnDevice.IPHONE, OwnDevice.TABLET}
    items = [
        _("Your own smartphone or tablet")
        if resident.own_device in smart
        else _("A loan device is provided")
    ]
    topic = session.topic if session.topic_id else None
    if topic is not None and topic.code in MY_NUMBER_TOPIC_CODES:
        items.append(_("My Number Card"))
    for extra in (session.what_to_bring, topic.what_to_bring if topic else ""):
        extra = (extra or "").strip()
        if extra and extra not in items:
            items.append(extra)
    return items
