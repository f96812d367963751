"""Read queries of the call lists. Each returns a queryset with what the page or PDF needs."""

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from classes.models import CallListEntry, SeatOffer
from classes.selectors import local_day_bounds

_RELATED = (
    "registration__resident",
    "registration__session__venue",
    "registration__session__topic",
    "called_by",
)


def reminder_entries(*, venue_id: int, day: date) -> QuerySet[CallListEntry]:
    """Reminder entries of sessions at ``venue_id`` starting on ``day`` (JST), by time then kana."""
    start, end = local_day_bounds(day)
    return (
        CallListEntry.objects.filter(
            reason=CallListEntry.Reason.REMINDER,
            registration__session__venue_id=venue_id,
            registration__session__starts_at__gte=start,
            registration__session__starts_at__lt=end,
        )
        .select_related(*_RELATED)
        .order_by(
            "registration__session__starts_at",
            "registration__session_id",
            "registration__resident__search_kana",
            "id",
        )
    )


def tell_entries(*, venue_id: int) -> QuerySet[CallListEntry]:
    """ "Tell them" entries (session cancelled, seat offered) at ``venue_id`` for sessions from
    today on (JST), oldest first."""
    start = local_day_bounds(timezone.localdate())[0]
    return (
        CallListEntry.objects.filter(
            reason__in=[CallListEntry.Reason.SESSION_CANCELLED, CallListEntry.Reason.SEAT_OFFERED],
            registration__session__venue_id=venue_id,
            registration__session__starts_at__gte=start,
        )
        .select_related(*_RELATED)
        .order_by("created_at", "id")
    )


def phone_offers(*, venue_id: int) -> QuerySet[SeatOffer]:
    """Open seat offers at ``venue_id`` that staff must phone about, soonest deadline first."""
    return (
        SeatOffer.objects.filter(
            status=SeatOffer.Status.OPEN,
            channel=SeatOffer.Channel.PHONE,
            session__venue_id=venue_id,
        )
        .select_related("registration__resident", "session__venue", "session__topic")
        .order_by("expires_at", "id")
    )
