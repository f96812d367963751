"""The dashboard: what a center needs to see when the day starts."""

from datetime import timedelta

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from classes.selectors import local_day_bounds, session_list
from loans.selectors import loans_due_soon, loans_overdue
from project.models import Role
from project.roles import ALL_ROLES, role_required, user_role, venue_ids_for
from volunteers.selectors import sessions_understaffed
from volunteers.selectors_replies import late_cancellations


@role_required(*ALL_ROLES)
def dashboard(request):
    """GET: today's and this week's sessions, loans due soon or overdue, understaffed sessions
    (and late cancellations for administrators and coordinators), limited to the user's venues.
    Days are Asia/Tokyo. Supporters are sent to their own assignments page."""
    if user_role(request.user) == Role.SUPPORTER:
        return redirect("volunteers:my_assignments")
    today = timezone.localdate()
    venue_ids = venue_ids_for(request.user)
    day_start, day_end = local_day_bounds(today)
    week_end = local_day_bounds(today + timedelta(days=6))[1]
    context = {
        "today": today,
        "today_sessions": session_list(start=day_start, end=day_end, venue_ids=venue_ids),
        "week_sessions": session_list(start=day_end, end=week_end, venue_ids=venue_ids)[:50],
        "due_soon": loans_due_soon(today=today, days=7, venue_ids=venue_ids)[:50],
        "overdue": loans_overdue(today=today, venue_ids=venue_ids)[:50],
        # Supporters who cancelled less than 48 hours before a session (coordinator's alert).
        "late_cancellations": late_cancellations()[:20]
        if user_role(request.user) in (Role.ADMINISTRATOR, Role.COORDINATOR)
        else [],
        "understaffed": sessions_understaffed(start=day_start, end=week_end, venue_ids=venue_ids)[
            :50
        ],
    }
    return render(request, "dashboard.html", context)


def healthz(request):
    """``GET /healthz``: "ok" as text/plain, for the load balancer and the compose healthcheck.

    No database query, no session and no login, so it answers while the database is busy; the
    load benchmark (``manage.py bench_load``) uses it as the floor of this stack.
    """
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
