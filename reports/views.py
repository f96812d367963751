"""Printed reports, served as PDF."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from project.models import Role
from project.roles import role_required, venue_ids_for
from reports.attendance import AttendanceSheetRenderer
from reports.selectors import attendance_sheet_sessions


@role_required(Role.ADMINISTRATOR, Role.COORDINATOR, Role.STAFF)
def attendance_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The attendance sheet (出席簿) of session ``pk`` as an inline PDF.

    Staff see only their venues' sessions (404 otherwise: residents of other venues stay
    hidden); supporters get 403.
    """
    sessions = attendance_sheet_sessions(venue_ids=venue_ids_for(request.user))
    session = get_object_or_404(sessions, pk=pk)
    renderer = AttendanceSheetRenderer(session)
    response = HttpResponse(renderer.render(), content_type="application/pdf")
    file_name = f"attendance-{renderer.starts:%Y-%m-%d}-{session.pk}.pdf"
    response["Content-Disposition"] = f'inline; filename="{file_name}"'
    # It lists residents' names and ages: keep it out of shared caches and the browser cache.
    response["Cache-Control"] = "private, no-store"
    return response
