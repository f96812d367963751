"""Series (定期開催): list, create, a series' page, changing the dates that follow, registering for
the whole course."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from classes import selectors, services_series
from classes.forms_series import SeriesFollowingForm, SeriesForm
from classes.models import Series
from classes.view_helpers import (
    CHANGE_ROLES,
    VIEW_ROLES,
    can_change,
    check_venue_access,
    first_error,
    get_session_for_user,
    resident_from,
    resident_search_form,
)
from kernel.once import AlreadySubmitted, already_saved, submitted_once
from kernel.roles import role_required, user_role, venue_ids_for

# --- Series (定期開催) -------------------------------------------------------------------------


def _get_series_for_user(user, pk: int, *, change: bool = False) -> Series:
    """The series if the user may see it (404 for staff of another venue) and change it (403)."""
    series = get_object_or_404(Series.objects.select_related("venue", "topic", "organiser"), pk=pk)
    check_venue_access(user, series.venue_id, change=change)
    return series


@role_required(*VIEW_ROLES)
def series_list(request):
    """Series (定期開催) of the user's venues, newest first (at most 200)."""
    series = Series.objects.select_related("venue", "topic").order_by("-first_date", "id")
    venue_ids = venue_ids_for(request.user)
    if venue_ids is not None:
        series = series.filter(venue_id__in=venue_ids)
    return render(
        request,
        "classes/series_list.html",
        {"series_list": series[:200], "can_create": user_role(request.user) in CHANGE_ROLES},
    )


@role_required(*CHANGE_ROLES)
def series_create(request):
    """Step 1 "preview": the dates to create and the skipped ones; step 2 "save" creates them."""
    form = SeriesForm(request.POST or None, venue_ids=venue_ids_for(request.user))
    plan = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("action") == "save":
                # A double click on "Create the sessions" creates the series once.
                with submitted_once(request) as once:
                    series, plan = services_series.series_create(
                        venue=data["venue"],
                        rule=data["rule"],
                        start_time=data["start_time"],
                        end_time=data["end_time"],
                        kind=data["kind"],
                        title=data["title"],
                        topic=data["topic"],
                        organiser=data["organiser"],
                        seats=data["seats"],
                        supporters_needed=data["supporters_needed"],
                        what_to_bring=data["what_to_bring"],
                        by=request.user,
                    )
                    once.result_url = reverse("classes:series_detail", args=[series.pk])
                messages.success(
                    request,
                    _("The series was created with %(count)d sessions.")
                    % {"count": len(plan.dates)},
                )
                return redirect("classes:series_detail", pk=series.pk)
            plan = services_series.series_plan(venue=data["venue"], rule=data["rule"])
        except AlreadySubmitted as done:
            return already_saved(request, done, reverse("classes:series_list"))
        except ValidationError as exc:
            form.add_error(None, exc)
            plan = None
    return render(request, "classes/series_form.html", {"form": form, "plan": plan})


@role_required(*VIEW_ROLES)
def series_detail(request, pk: int):
    """A series: its sessions, skipped dates and the whole-course registration search."""
    series = _get_series_for_user(request.user, pk)
    sessions = list(selectors.session_list().filter(series=series).order_by("starts_at", "id"))
    try:
        skipped = services_series.series_plan(
            venue=series.venue, rule=services_series.series_rule(series)
        ).skipped
    except ValidationError:
        skipped = []
    may_change = can_change(request.user, series.venue_id)
    search_form, results = resident_search_form(request, allowed=may_change)
    now = timezone.now()
    return render(
        request,
        "classes/series_detail.html",
        {
            "series": series,
            "sessions": sessions,
            "skipped": skipped,
            "can_change": may_change,
            "now": now,
            "search_form": search_form,
            "results": results,
        },
    )


@role_required(*CHANGE_ROLES)
def series_edit_following(request, pk: int):
    """Edit session ``pk`` and the later sessions of its series that have not started."""
    session = get_session_for_user(request.user, pk, change=True)
    if session.series_id is None:
        raise Http404
    start = timezone.localtime(session.starts_at)
    end = timezone.localtime(session.ends_at)
    form = SeriesFollowingForm(
        request.POST or None,
        initial={
            "start_time": start.time(),
            "end_time": end.time(),
            "seats": session.seats,
            "supporters_needed": session.supporters_needed,
            "what_to_bring": session.what_to_bring,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            count = services_series.series_update_following(
                session=session, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("%(count)d sessions of the series were changed.") % {"count": count}
            )
            return redirect("classes:series_detail", pk=session.series_id)
    return render(request, "classes/series_edit_following.html", {"form": form, "session": session})


@require_POST
@role_required(*CHANGE_ROLES)
def series_register_course(request, pk: int):
    """Register one resident for every future session of the series; show each outcome."""
    series = _get_series_for_user(request.user, pk, change=True)
    resident = resident_from(request.POST.get("resident"))
    if resident is None:
        messages.error(request, _("That resident was not found. Please search again."))
        return redirect("classes:series_detail", pk=series.pk)
    try:
        results = services_series.series_register_course(
            series=series,
            resident=resident,
            by=request.user,
            companion=request.POST.get("companion", "")[:100],
        )
    except ValidationError as exc:
        messages.error(request, first_error(exc))
        return redirect("classes:series_detail", pk=series.pk)
    return render(
        request,
        "classes/series_course_result.html",
        {"series": series, "resident": resident, "results": results},
    )
