"""Calendar feed pages: the public venue feed, the supporter's secret feed, and the page that shows
(and resets) a supporter's calendar link.

Feeds are fetched by calendar programs without a login: the venue feed is public (no personal
data); the supporter feed is found by the random key in its URL (404 for a wrong or reset key).
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from classes import feeds
from classes.models import Series, Venue
from project.models import Role
from project.roles import OFFICE_ROLES, role_required
from volunteers.models import Supporter

CALENDAR_CONTENT_TYPE = "text/calendar; charset=utf-8"


def _calendar_response(body: bytes, *, file_name: str, private: bool) -> HttpResponse:
    response = HttpResponse(body, content_type=CALENDAR_CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{file_name}"'
    # The supporter feed's URL is its password: keep it out of shared caches.
    response["Cache-Control"] = "private, no-store" if private else "public, max-age=900"
    return response


@require_GET
def venue_feed(request: HttpRequest, pk: int) -> HttpResponse:
    """Public iCalendar feed of an active venue's sessions (no login; no personal data)."""
    venue = get_object_or_404(Venue, pk=pk, is_active=True)
    return _calendar_response(
        feeds.venue_feed(venue=venue), file_name=f"venue-{venue.pk}.ics", private=False
    )


@require_GET
def series_feed(request: HttpRequest, pk: int) -> HttpResponse:
    """Public iCalendar feed of one series (定期開催) at an active venue (no login)."""
    series = get_object_or_404(
        Series.objects.select_related("venue", "topic"), pk=pk, venue__is_active=True
    )
    return _calendar_response(
        feeds.series_feed(series=series), file_name=f"series-{series.pk}.ics", private=False
    )


@require_GET
def supporter_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A supporter's iCalendar feed, found by the secret key in the URL; 404 otherwise."""
    supporter = feeds.supporter_for_feed_token(token)
    if supporter is None:
        raise Http404
    return _calendar_response(
        feeds.supporter_feed(supporter=supporter), file_name="my-sessions.ics", private=True
    )


def _calendar_link_page(request: HttpRequest, supporter: Supporter, *, own: bool) -> HttpResponse:
    if request.method == "POST":
        feeds.supporter_feed_token_reset(supporter=supporter)
        messages.success(
            request,
            _(
                "A new calendar link was made. The old link no longer works: add the new one to the calendar app."
            ),
        )
        return redirect(request.path)
    token = feeds.supporter_feed_token_ensure(supporter=supporter)
    feed_url = request.build_absolute_uri(reverse("classes:supporter_feed", args=[token]))
    context = {
        "supporter": supporter,
        "own": own,
        "feed_url": feed_url,
        "webcal_url": "webcal://" + feed_url.split("://", 1)[1],
    }
    return render(request, "classes/calendar_link.html", context)


@role_required(Role.SUPPORTER)
def my_calendar_link(request: HttpRequest) -> HttpResponse:
    """The logged-in supporter's own calendar link, with a "reset my calendar link" button."""
    assert request.user.is_authenticated, "role_required lets only logged-in users through"
    supporter = Supporter.objects.filter(user=request.user, is_active=True).first()
    if supporter is None:
        raise Http404
    return _calendar_link_page(request, supporter, own=True)


@role_required(Role.ADMINISTRATOR, Role.COORDINATOR)
def supporter_calendar_link(request: HttpRequest, pk: int) -> HttpResponse:
    """A supporter's calendar link for the coordinator, who may reset it (e.g. a lost phone)."""
    supporter = get_object_or_404(Supporter, pk=pk)
    return _calendar_link_page(request, supporter, own=False)


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
