"""A supporter's calendar link: the secret feed itself, the supporter's own link page and the
coordinator's copy of it (both can make a new link, which ends the old one)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from classes.views_feeds import calendar_response
from kernel.models import Role
from kernel.roles import role_required
from volunteers import feeds
from volunteers.models import Supporter


@require_GET
def supporter_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A supporter's iCalendar feed, found by the secret key in the URL; 404 otherwise."""
    supporter = feeds.supporter_for_feed_token(token)
    if supporter is None:
        raise Http404
    return calendar_response(
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
    feed_url = request.build_absolute_uri(reverse("volunteers:supporter_feed", args=[token]))
    context = {
        "supporter": supporter,
        "own": own,
        "feed_url": feed_url,
        "webcal_url": "webcal://" + feed_url.split("://", 1)[1],
    }
    return render(request, "volunteers/calendar_link.html", context)


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
