"""Calendar feed pages: the public venue and series feeds and the office's list of them.

Feeds are fetched by calendar programs without a login and carry no personal data. The supporter's
secret feed and calendar link pages are in ``volunteers.views_feeds``.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from classes import feeds
from classes.models import Series, Venue
from kernel.roles import OFFICE_ROLES, role_required

CALENDAR_CONTENT_TYPE = "text/calendar; charset=utf-8"


def calendar_response(body: bytes, *, file_name: str, private: bool) -> HttpResponse:
    """An iCalendar body (UTF-8 bytes) as an inline .ics download; ``private`` keeps it out of
    shared caches (a feed whose URL is its password)."""
    response = HttpResponse(body, content_type=CALENDAR_CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{file_name}"'
    # The supporter feed's URL is its password: keep it out of shared caches.
    response["Cache-Control"] = "private, no-store" if private else "public, max-age=900"
    return response


@require_GET
def venue_feed(request: HttpRequest, pk: int) -> HttpResponse:
    """Public iCalendar feed of an active venue's sessions (no login; no personal data)."""
    venue = get_object_or_404(Venue, pk=pk, is_active=True)
    return calendar_response(
        feeds.venue_feed(venue=venue), file_name=f"venue-{venue.pk}.ics", private=False
    )


@require_GET
def series_feed(request: HttpRequest, pk: int) -> HttpResponse:
    """Public iCalendar feed of one series (定期開催) at an active venue (no login)."""
    series = get_object_or_404(
        Series.objects.select_related("venue", "topic"), pk=pk, venue__is_active=True
    )
    return calendar_response(
        feeds.series_feed(series=series), file_name=f"series-{series.pk}.ics", private=False
    )


@role_required(*OFFICE_ROLES)
def calendar_index(request: HttpRequest) -> HttpResponse:
    """Venues with their public calendar feed and this month's printable calendar."""
    today = timezone.localdate()
    venues = Venue.objects.filter(is_active=True)
    rows = [
        {
            "venue": venue,
            "feed_url": request.build_absolute_uri(reverse("classes:venue_feed", args=[venue.pk])),
        }
        for venue in venues
    ]
    context = {"rows": rows, "year": today.year, "month": today.month}
    return render(request, "classes/calendar_index.html", context)
