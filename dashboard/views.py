"""The dashboard: what a center needs to see when the day starts."""

from django.shortcuts import redirect, render
from django.utils import timezone

from dashboard.selectors import DASHBOARD_ROWS, dashboard_overview
from kernel.models import Role
from kernel.roles import ALL_ROLES, role_required, user_role, venue_ids_for
from volunteers.selectors_replies import late_cancellations


@role_required(*ALL_ROLES)
def dashboard(request):
    """GET: today's and this week's sessions, loans due soon or overdue, understaffed sessions
    (and late cancellations for administrators and coordinators), limited to the user's venues.
    Days are Asia/Tokyo. Supporters are sent to their own assignments page."""
    if user_role(request.user) == Role.SUPPORTER:
        return redirect("volunteers:my_assignments")
    role = user_role(request.user)
    today = timezone.localdate()
    overview = dashboard_overview(
        today=today,
        venue_ids=venue_ids_for(request.user),
        # Coordinators do not handle loans; their dashboard has no loan lists.
        loans=role != Role.COORDINATOR,
        rows=DASHBOARD_ROWS,
    )
    context = {
        "today": today,
        "overview": overview,
        "rows": DASHBOARD_ROWS,
        "can_assign": role in (Role.ADMINISTRATOR, Role.COORDINATOR),
        # Supporters who cancelled less than 48 hours before a session (coordinator's alert).
        "late_cancellations": late_cancellations()[:20]
        if role in (Role.ADMINISTRATOR, Role.COORDINATOR)
        else [],
    }
    return render(request, "dashboard.html", context)
