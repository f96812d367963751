"""Seat offers: staff record a resident's answer from the call list, and the public page the
offer mail links to. Thin: parse, call ``services_offers.seat_offer_answer``, render.

The public page needs no login. It shows only the session's title, date, time and place and the
resident's given name; it decides nothing on GET (a mail scanner following the link changes
nothing), only its POST does, once. Answered 429 past ``SEAT_OFFER_PAGE_RATE`` requests a
minute from one address, 404 for any link that is not a real one.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from classes import services_offers
from classes.formatting import time_range
from classes.models import SeatOffer
from classes.view_helpers import first_error
from classes.views_calls import CALL_ROLES
from kernel.confirm import confirm_page, is_confirmed
from kernel.dates import date_full, datetime_full
from kernel.once import AlreadySubmitted, already_saved, submitted_once
from kernel.rate_limit import rate_limited
from kernel.roles import can_change_venue, role_required
from residents.normalize import clean_name, given_part


@require_POST
@role_required(*CALL_ROLES)
def offer_answer(request, pk: int):
    """Record the answer staff got on the phone (POST ``answer``: accept, decline, no_answer).

    A decline cancels the resident's waitlisted registration, so it asks once first (the
    confirmation page posts back with ``confirmed=yes``). Back to the call list.
    """
    offer = get_object_or_404(
        SeatOffer.objects.select_related(
            "registration__resident", "session__venue", "session__topic"
        ),
        pk=pk,
    )
    if not can_change_venue(request.user, offer.session.venue_id):
        raise Http404  # staff of another venue may not see this resident
    answer = request.POST.get("answer", "")
    back = _call_list_url(offer)
    resident = offer.registration.resident
    if answer == services_offers.DECLINE and not is_confirmed(request):
        session = offer.session
        return confirm_page(
            request,
            title=_("Record a decline?"),
            question=_("%(name)s does not take the seat at %(title)s on %(day)s?")
            % {
                "name": resident.name,
                "title": session.display_title,
                "day": date_full(session.starts_at),
            },
            facts=[
                (_("Resident"), resident.name),
                (_("Session"), session.display_title),
                (
                    _("Date and time"),
                    f"{date_full(session.starts_at)} "
                    f"{time_range(session.starts_at, session.ends_at)}",
                ),
                (_("Venue"), session.place_label),
            ],
            note=_(
                "Their place on the waitlist is cancelled and the seat is offered to the next "
                "in line."
            ),
            action_label=_("Record the decline"),
            back_url=back,
            hidden={"answer": services_offers.DECLINE},
        )
    try:
        # A double click sends the form's one-time token twice: the second is not recorded.
        with submitted_once(request) as once:
            result = services_offers.seat_offer_answer(offer=offer, answer=answer, by=request.user)
            once.result_url = back
    except AlreadySubmitted as done:
        return already_saved(request, done, back)
    except ValidationError as exc:
        messages.error(request, first_error(exc))
        return redirect(back)
    _tell_staff(request, result, resident.name, answer)
    return redirect(back)


def _tell_staff(request, result: services_offers.AnswerResult, name: str, answer: str) -> None:
    offer = result.offer
    if not result.applied:
        messages.info(
            request,
            _("The offer to %(name)s was already closed: %(status)s. Nothing was changed.")
            % {"name": name, "status": offer.get_status_display()},
        )
    elif answer == services_offers.ACCEPT:
        messages.success(request, _("%(name)s accepted and now has a seat.") % {"name": name})
    elif answer == services_offers.DECLINE:
        messages.success(request, _("Recorded that %(name)s declined.") % {"name": name})
    else:
        messages.success(
            request,
            _("Recorded the call without answer. The offer stays open until %(deadline)s.")
            % {"deadline": datetime_full(timezone.localtime(offer.expires_at))},
        )
    for new in result.next_offers:
        messages.warning(
            request,
            _("The seat is now offered to %(name)s, next in line, until %(deadline)s.")
            % {
                "name": new.registration.resident.name,
                "deadline": datetime_full(timezone.localtime(new.expires_at)),
            },
        )


def _call_list_url(offer: SeatOffer) -> str:
    return f"{reverse('classes:call_list')}?venue={offer.session.venue_id}"


def _private(response: HttpResponse) -> HttpResponse:
    # The link is the resident's key: never cached, never sent on as a referrer, not indexed.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_http_methods(["GET", "POST"])
def offer_page(request, token: str):
    """The page the offer mail links to: the session and two buttons (参加します / 辞退します).

    GET only shows; POST ``answer`` (accept or decline) decides, once. No login.
    """
    if rate_limited(request, scope="seat-offer", limit=settings.SEAT_OFFER_PAGE_RATE):
        response = render(request, "classes/offer_busy.html", status=429)
        response["Retry-After"] = "60"
        return _private(response)
    offer = services_offers.seat_offer_for_token(token)
    if offer is None:
        raise Http404
    applied = None
    if request.method == "POST":
        answer = request.POST.get("answer", "")
        if answer not in (services_offers.ACCEPT, services_offers.DECLINE):
            answer = ""
        if answer:
            try:
                result = services_offers.seat_offer_answer(
                    offer=offer, answer=answer, via=SeatOffer.Via.LINK
                )
            except ValidationError:
                # Busy: the page says to try again in a moment.
                applied = False
            else:
                offer, applied = result.offer, result.applied
    session = offer.session
    response = render(
        request,
        "classes/offer_page.html",
        {
            "offer": offer,
            "given_name": given_part(clean_name(offer.registration.resident.name)),
            "title": session.display_title,
            "starts_at": session.starts_at,
            "ends_at": session.ends_at,
            "place": session.place_label,
            "is_open": offer.status == SeatOffer.Status.OPEN and offer.expires_at > timezone.now(),
            "applied": applied,
        },
    )
    return _private(response)
