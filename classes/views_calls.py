"""The call lists: day-before reminders and "tell them" calls, per venue. Thin views."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from classes import selectors, selectors_calls, services_calls
from classes.call_list_pdf import CallListRenderer
from classes.models import CallListEntry, Venue
from classes.view_helpers import first_error
from kernel.date_ranges import date_from_query
from kernel.models import Role
from kernel.roles import can_change_venue, role_required, venue_ids_for

CALL_ROLES = (Role.ADMINISTRATOR, Role.STAFF)


@dataclass(frozen=True)
class CallRow:
    """One row of a call list: the entry and the results staff may record for its reason."""

    entry: CallListEntry
    result_choices: Sequence[tuple[str, str | Promise]]


def _call_rows(entries: list[CallListEntry]) -> list[CallRow]:
    rows = []
    for entry in entries:
        allowed = services_calls.ALLOWED_STATUSES[CallListEntry.Reason(entry.reason)]
        choices = [c for c in CallListEntry.Status.choices if c[0] in allowed]
        rows.append(CallRow(entry, choices))
    return rows


def _venue_and_day(request) -> tuple[Venue | None, date, list]:
    """The venue (404 when the user may not see it) and day asked for; day defaults to tomorrow."""
    venues = list(selectors.active_venues(venue_ids=venue_ids_for(request.user)))
    day, problem = date_from_query(
        request.GET, "day", default=timezone.localdate() + timedelta(days=1)
    )
    if problem:
        messages.error(request, problem)
    raw_venue = request.GET.get("venue", "")
    if not raw_venue:
        return (venues[0] if venues else None), day, venues
    if not raw_venue.isdigit():
        raise Http404
    venue = next((v for v in venues if v.pk == int(raw_venue)), None)
    if venue is None:
        raise Http404
    return venue, day, venues


def _list_url(venue_id: int | None, day: date) -> str:
    """The call list of ``day`` at the venue, or at the first venue for a session without one."""
    params = {"day": day.isoformat()}
    if venue_id is not None:
        params = {"venue": str(venue_id), **params}
    query = urlencode(params)
    return f"{reverse('classes:call_list')}?{query}"


@role_required(*CALL_ROLES)
def call_list(request):
    """The call list of one venue and day: seat offers to ask about (every open phone offer of
    the venue, soonest deadline first), reminders for that day, then "tell them" calls."""
    venue, day, venues = _venue_and_day(request)
    reminders: list[CallRow] = []
    tell: list[CallRow] = []
    offers: list = []
    if venue is not None:
        offers = list(selectors_calls.phone_offers(venue_id=venue.pk))
        services_calls.call_list_prepare(day=day, venue_ids=[venue.pk])
        reminders = _call_rows(list(selectors_calls.reminder_entries(venue_id=venue.pk, day=day)))
        tell = _call_rows(list(selectors_calls.tell_entries(venue_id=venue.pk)))
    return render(
        request,
        "classes/call_list.html",
        {
            "venue": venue,
            "venues": venues,
            "day": day,
            "reminders": reminders,
            "tell": tell,
            "offers": offers,
        },
    )


@role_required(*CALL_ROLES)
def call_list_pdf(request):
    """The reminder call list of one venue and day as a printable PDF."""
    venue, day, _venues = _venue_and_day(request)
    if venue is None:
        raise Http404
    services_calls.call_list_prepare(day=day, venue_ids=[venue.pk])
    entries = list(selectors_calls.reminder_entries(venue_id=venue.pk, day=day))
    pdf = CallListRenderer(venue=venue, day=day, entries=entries).render()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="call-list-{venue.code}-{day}.pdf"'
    return response


@require_POST
@role_required(*CALL_ROLES)
def call_entry_update(request, pk: int):
    """Record the result of one call (POST ``status``, ``note``), back to the list."""
    entry = get_object_or_404(
        CallListEntry.objects.select_related("registration__session", "registration__resident"),
        pk=pk,
    )
    session = entry.registration.session
    if not can_change_venue(request.user, session.venue_id):
        raise Http404  # staff of another venue may not see this resident
    try:
        services_calls.call_entry_mark(
            entry=entry,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
            by=request.user,
        )
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(
            request,
            _("Saved the call to %(name)s.") % {"name": entry.registration.resident.name},
        )
    # Back to the list the call was ticked on (a "tell them" row may be for another day).
    day, _problem = date_from_query(
        request.POST, "day", default=timezone.localdate(session.starts_at)
    )
    return redirect(_list_url(session.venue_id, day))
