"""Read queries for sessions and registrations. Each returns a queryset with what its page needs."""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from classes.models import Registration, Session


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """Return the aware [start, end) datetimes of ``day`` in the current time zone (JST)."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), tz)
    return start, start + timedelta(days=1)


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
            filter=Q(assignments__status__in=["proposed", "confirmed"]),
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
