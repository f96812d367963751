"""The dashboard: what a center needs to see when the day starts."""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from project.models import Role
from project.roles import ALL_ROLES, role_required, user_role, venue_ids_for
from project.selectors import DASHBOARD_ROWS, dashboard_overview
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


def healthz(request):
    """``GET /healthz``: "ok" as text/plain, for the load balancer and the compose healthcheck.

    No database query, no session and no login, so it answers while the database is busy; the
    load benchmark (``manage.py bench_load``) uses it as the floor of this stack.
    """
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
