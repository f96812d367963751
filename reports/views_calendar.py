"""The printable monthly calendar of a venue (PDF)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from classes.models import Venue
from kernel.date_ranges import RECORD_DATES, years_of
from kernel.roles import OFFICE_ROLES, role_required
from reports.calendar_pdf import VenueMonthCalendarRenderer, venue_month_sessions


@role_required(*OFFICE_ROLES)
def venue_calendar(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    """The venue's sessions of ``year``/``month`` as a large-print A4 PDF (inline).

    Sessions are public information, so staff may print any venue's calendar; supporters get
    403 and an impossible month 404.
    """
    venue = get_object_or_404(Venue, pk=pk)
    first_year, last_year = years_of(RECORD_DATES)
    if not (1 <= month <= 12 and first_year <= year <= last_year):
        raise Http404
    sessions = venue_month_sessions(venue=venue, year=year, month=month)
    renderer = VenueMonthCalendarRenderer(venue, year, month, sessions)
    response = HttpResponse(renderer.render(), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="calendar-{venue.code}-{year}-{month:02d}.pdf"'
    )
    return response
