"""Pages for hours: check-in/out (the supporter on the day, center staff for their venues), the
supporter's own hours, and the coordinator's approval list.

Roles: a supporter reaches only their own assignments (404 otherwise); center staff only sessions
at their venues (404 for other venues); approving hours is for the administrator and coordinator
(403 for everyone else).
"""

from datetime import date, datetime, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from classes.models import Session
from classes.selectors import session_list
from kernel.date_ranges import month_from_query
from kernel.models import Role
from kernel.once import AlreadySubmitted, already_saved, submitted_once
from kernel.redirects import safe_next
from kernel.roles import ALL_ROLES, OFFICE_ROLES, role_required, user_role, venue_ids_for
from volunteers import selectors_hours, services_hours
from volunteers.forms_hours import CheckTimeForm, PeriodForm, parse_approvals
from volunteers.models import Assignment
from volunteers.selectors import session_local_day
from volunteers.view_helpers import (
    MANAGER_ROLES,
    PAGE_SIZE,
    error_text,
    own_supporter_or_404,
    query_without_page,
)


def _assignment_for(user, pk: int) -> Assignment:
    """The assignment ``pk`` if this user may record its times, else 404: a supporter's own,
    a session at one of the staff member's venues, anything for administrator/coordinator."""
    qs = Assignment.objects.select_related("session", "supporter")
    if user_role(user) == Role.SUPPORTER:
        qs = qs.filter(supporter__user=user)
    else:
        venue_ids = venue_ids_for(user)
        if venue_ids is not None:
            qs = qs.filter(session__venue_id__in=venue_ids)
    assignment = qs.filter(pk=pk).first()
    if assignment is None:
        raise Http404
    return assignment


@require_POST
@role_required(*ALL_ROLES)
def assignment_check(request, pk: int):
    """Check a supporter in or out now (or, for office roles, at a time given that day)."""
    assignment = _assignment_for(request.user, pk)
    is_supporter = user_role(request.user) == Role.SUPPORTER
    fallback = (
        reverse("volunteers:my_assignment_detail", args=[assignment.pk])
        if is_supporter
        else reverse("volunteers:session_check_in", args=[assignment.session_id])
    )
    form = CheckTimeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give a valid time, like 13:30, or leave it empty."))
        return redirect(safe_next(request, fallback))
    at = None
    given = form.cleaned_data["time"]
    if given is not None and not is_supporter:
        at = timezone.make_aware(
            datetime.combine(session_local_day(assignment.session), given),
            timezone.get_default_timezone(),
        )
    name = assignment.supporter.name
    try:
        with submitted_once(request):
            if form.cleaned_data["action"] == "in":
                services_hours.hours_check_in(assignment=assignment, by=request.user, at=at)
                messages.success(request, _("%(name)s checked in.") % {"name": name})
            else:
                services_hours.hours_check_out(assignment=assignment, by=request.user, at=at)
                messages.success(request, _("%(name)s checked out.") % {"name": name})
    except AlreadySubmitted as done:
        return already_saved(request, done, safe_next(request, fallback))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect(safe_next(request, fallback))


@role_required(*OFFICE_ROLES)
def session_check_in(request, session_pk: int):
    """Check-in and check-out of the confirmed supporters of one session (staff: own venues)."""
    session = session_list(venue_ids=venue_ids_for(request.user)).filter(pk=session_pk).first()
    if session is None:
        raise Http404
    rows = list(selectors_hours.session_check_ins(session=session))
    context = {
        "session": session,
        "rows": rows,
        "is_today": session_local_day(session) == timezone.localdate(),
        "is_cancelled": session.status == Session.Status.CANCELLED,
        "form": CheckTimeForm(),
    }
    return render(request, "volunteers/session_check_in.html", context)


@role_required(Role.SUPPORTER)
def my_hours(request):
    """The supporter's sessions of one month (``?month=YYYY-MM``) with times and approved hours."""
    supporter = own_supporter_or_404(request.user)
    # ``?month=YYYY-MM``; this month when empty, malformed or years away (with a message).
    first, problem = month_from_query(
        request.GET, "month", default=timezone.localdate().replace(day=1)
    )
    if problem:
        messages.error(request, problem)
    period = PeriodForm.this_month_initial(first)
    summary = selectors_hours.supporter_hours(
        supporter=supporter, date_from=period["date_from"], date_to=period["date_to"]
    )
    previous = (first.replace(day=1) - timedelta(days=1)).replace(day=1)
    following = period["date_to"] + timedelta(days=1)
    context = {
        "supporter": supporter,
        "month": first,
        "summary": summary,
        "previous": previous,
        "following": following,
        "today": timezone.localdate(),
    }
    return render(request, "volunteers/my_hours.html", context)


@role_required(*MANAGER_ROLES)
def hours_approval(request):
    """Checked-out assignments not yet approved in a period, PAGE_SIZE a page (``?page=``, the
    period kept); approve one or many of the page shown (POST to the same address)."""
    data = request.GET if request.GET else None
    form = PeriodForm(data, initial=_default_period())
    if form.is_bound and form.is_valid():
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    else:
        initial = _default_period()
        date_from, date_to = initial["date_from"], initial["date_to"]
    # A page at a time, approved a page at a time: the ticked rows must be on the page shown.
    page = Paginator(
        selectors_hours.hours_to_approve(date_from=date_from, date_to=date_to), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    if request.method == "POST":
        ids, minutes, errors = parse_approvals(request.POST, {row.pk for row in rows})
        if not ids and not errors:
            errors.append(_("Tick at least one row to approve."))
        if errors:
            for error in dict.fromkeys(errors):
                messages.error(request, error)
        else:
            try:
                count = services_hours.hours_approve_many(
                    assignment_ids=ids, by=request.user, minutes=minutes
                )
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("Approved the hours of %(n)d rows.") % {"n": count})
                return redirect(request.get_full_path())
    context = {
        "form": form,
        "rows": rows,
        "page": page,
        "query": query_without_page(request),
        "date_from": date_from,
        "date_to": date_to,
        "max_minutes": services_hours.MAX_APPROVED_MINUTES,
    }
    return render(request, "volunteers/hours_approval.html", context)


def _default_period() -> dict[str, date]:
    """The last 31 days up to today (hours are approved after the fact)."""
    today = timezone.localdate()
    return {"date_from": today - timedelta(days=31), "date_to": today}
