"""Pages for the supporter roster, assigning supporters to sessions, and a supporter's own page.

Roles: administrator and coordinator change supporters and assignments; center staff see the lists
read-only; a supporter sees only their own assignments (403 on the office pages, 404 on another
supporter's assignment).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from classes.models import Session
from classes.selectors import session_list
from kernel.confirm import confirm_page, is_confirmed
from kernel.models import Role
from kernel.once import AlreadySubmitted, already_saved, submitted_once
from kernel.roles import OFFICE_ROLES, can_change_venue, role_required, user_role
from volunteers import selectors, services
from volunteers.forms import (
    AssignForm,
    AvailabilityFormSet,
    SupporterFilterForm,
    SupporterForm,
    weekly_windows,
)
from volunteers.models import Assignment, Supporter
from volunteers.selectors import session_local_day
from volunteers.selectors_mine import session_residents_for_supporter
from volunteers.view_helpers import (
    MANAGER_ROLES,
    PAGE_SIZE,
    error_text,
    joined_windows_text,
    own_supporter,
    own_supporter_or_404,
    query_without_page,
)


def _can_manage(user) -> bool:
    return user_role(user) in MANAGER_ROLES


def _require_manager(user) -> None:
    """403 for office roles that may look but not change (center staff)."""
    if not _can_manage(user):
        raise PermissionDenied


@role_required(*OFFICE_ROLES)
def supporter_list(request):
    """Supporters with their skills and this month's sessions, PAGE_SIZE a page (``?page=``,
    the filters kept); filter by name, kind, skill."""
    form = SupporterFilterForm(request.GET or None)
    filters = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "q": data["q"].strip(),
            "kind": data["kind"],
            "skill_code": data["skill"],
            "active": form.active_value(),
        }
    today = timezone.localdate()
    page = Paginator(selectors.supporter_list(month=today, **filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "supporters": list(page.object_list),
        "page": page,
        "query": query_without_page(request),
        "month": today,
        "can_manage": _can_manage(request.user),
    }
    return render(request, "volunteers/supporter_list.html", context)


@role_required(*OFFICE_ROLES)
def supporter_detail(request, pk: int):
    """One supporter's profile, weekly availability and upcoming assignments."""
    try:
        supporter = selectors.supporter_detail(pk=pk)
    except Supporter.DoesNotExist:
        raise Http404 from None
    context = {
        "supporter": supporter,
        "assignments": selectors.supporter_assignments(supporter=supporter),
        "can_manage": _can_manage(request.user),
    }
    return render(request, "volunteers/supporter_detail.html", context)


def _supporter_form_page(request, supporter: Supporter | None):
    _require_manager(request.user)
    form = SupporterForm(request.POST or None, instance=supporter)
    formset = AvailabilityFormSet(
        request.POST or None, instance=supporter or Supporter(), prefix="availability"
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        fields, weekly = form.supporter_fields(), weekly_windows(formset)
        try:
            with submitted_once(request) as once:
                if supporter is None:
                    saved = services.supporter_create(by=request.user, weekly=weekly, **fields)
                else:
                    saved = services.supporter_update(
                        supporter=supporter, by=request.user, weekly=weekly, **fields
                    )
                once.result_url = reverse("volunteers:supporter_detail", args=[saved.pk])
        except AlreadySubmitted as done:
            return already_saved(request, done, reverse("volunteers:supporter_list"))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": saved.name})
            for text in joined_windows_text(services.weekly_windows_merge(weekly)[1]):
                messages.info(request, text)
            return redirect("volunteers:supporter_detail", pk=saved.pk)
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below."))
    context = {"form": form, "formset": formset, "supporter": supporter}
    return render(request, "volunteers/supporter_form.html", context)


@role_required(*OFFICE_ROLES)
def supporter_create(request):
    """Register a new supporter with skills and weekly availability."""
    return _supporter_form_page(request, None)


@role_required(*OFFICE_ROLES)
def supporter_edit(request, pk: int):
    """Edit a supporter's profile, skills and weekly availability."""
    return _supporter_form_page(request, get_object_or_404(Supporter, pk=pk))


@role_required(*OFFICE_ROLES)
def assign(request, session_pk: int):
    """The session, its assignments (cancel, confirm by phone) and candidates (Assign)."""
    session = session_list().filter(pk=session_pk).first()
    # Staff see the supporters of their own venues' sessions only, as on the session page.
    if session is None or (
        user_role(request.user) == Role.STAFF
        and not can_change_venue(request.user, session.venue_id)
    ):
        raise Http404
    if request.method == "POST":
        _require_manager(request.user)
        form = AssignForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a supporter from the list and try again."))
            return redirect("volunteers:assign", session_pk=session.pk)
        supporter = form.cleaned_data["supporter"]
        try:
            with submitted_once(request):
                assignment = services.assignment_create(
                    session=session,
                    supporter=supporter,
                    by=request.user,
                    is_lead=form.cleaned_data["is_lead"],
                )
        except AlreadySubmitted as done:
            return already_saved(request, done, reverse("volunteers:assign", args=[session.pk]))
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(
                request,
                _("%(name)s was proposed for this session and can now accept or decline.")
                % {"name": supporter.name},
            )
            # Set by assignment_create on the instance it returns.
            for warning in assignment.warnings:  # type: ignore[attr-defined]
                messages.warning(request, warning)
        return redirect("volunteers:assign", session_pk=session.pk)
    context = {
        "session": session,
        "assignments": selectors.session_assignments(session=session),
        "candidates": selectors.candidates_for_session(session=session)
        if session.status == Session.Status.SCHEDULED
        else [],
        "can_manage": _can_manage(request.user),
    }
    return render(request, "volunteers/assign.html", context)


@require_POST
@role_required(*OFFICE_ROLES)
def assignment_cancel(request, pk: int):
    """POST: the coordinator cancels a proposed or confirmed assignment. A POST from the
    assignment page asks once, naming the supporter and the session; the confirmed POST
    (``confirmed=yes``) cancels."""
    _require_manager(request.user)
    assignment = get_object_or_404(
        Assignment.objects.select_related("supporter", "session", "session__venue"), pk=pk
    )
    if not is_confirmed(request):
        session = assignment.session
        name = assignment.supporter.name
        when = timezone.localtime(session.starts_at)
        return confirm_page(
            request,
            title=_("Cancel this assignment?"),
            question=_("Cancel %(name)s for %(title)s on %(day)s?")
            % {
                "name": name,
                "title": session.display_title,
                "day": date_format(when, "DATE_FORMAT"),
            },
            facts=[
                (_("Supporter"), name),
                (_("Session"), session.display_title),
                (_("Date and time"), date_format(when, "DATETIME_FORMAT")),
                (_("Venue"), session.place_label),
                (_("Status"), str(assignment.get_status_display())),
            ],
            note=_("The session will need another supporter if this one was counted."),
            action_label=_("Cancel %(name)s") % {"name": name},
            back_url=reverse("volunteers:assign", kwargs={"session_pk": assignment.session_id}),
        )
    try:
        services.assignment_cancel(assignment=assignment, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("The assignment of %(name)s was cancelled.") % {"name": assignment.supporter.name},
        )
    return redirect("volunteers:assign", session_pk=assignment.session_id)


@require_POST
@role_required(Role.ADMINISTRATOR, Role.COORDINATOR, Role.SUPPORTER)
def assignment_respond(request, pk: int):
    """Accept or decline a proposed assignment: the supporter on their own page, or a coordinator
    for a supporter who answered by phone."""
    is_supporter = user_role(request.user) == Role.SUPPORTER
    qs = Assignment.objects.select_related("supporter")
    if is_supporter:
        qs = qs.filter(supporter__user=request.user)
    assignment = get_object_or_404(qs, pk=pk)
    accept = request.POST.get("answer") == "accept"
    try:
        with submitted_once(request):
            services.assignment_respond(assignment=assignment, accept=accept, by=request.user)
    except AlreadySubmitted as done:
        return already_saved(
            request,
            done,
            reverse("volunteers:my_assignments")
            if is_supporter
            else reverse("volunteers:assign", args=[assignment.session_id]),
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        if is_supporter:
            text = _("Thank you. You accepted.") if accept else _("You declined. Thank you.")
        elif accept:
            text = _("Confirmed for %(name)s.") % {"name": assignment.supporter.name}
        else:
            text = _("Declined for %(name)s.") % {"name": assignment.supporter.name}
        messages.success(request, text)
    if is_supporter:
        return redirect("volunteers:my_assignments")
    return redirect("volunteers:assign", session_pk=assignment.session_id)


@role_required(Role.SUPPORTER)
def my_assignments(request):
    """The supporter's own upcoming assignments, to accept, decline or cancel."""
    supporter = own_supporter(request.user)
    context = {
        "supporter": supporter,
        "assignments": selectors.supporter_assignments(supporter=supporter) if supporter else [],
    }
    return render(request, "volunteers/my_assignments.html", context)


@role_required(Role.SUPPORTER)
def my_assignment_detail(request, pk: int):
    """What one session needs from the supporter: when, where, topic, how many registered."""
    try:
        assignment = selectors.supporter_assignment(
            supporter=own_supporter_or_404(request.user), pk=pk
        )
    except Assignment.DoesNotExist:
        raise Http404 from None
    context = {
        "assignment": assignment,
        "session": assignment.session,
        "co_supporters": Assignment.objects.filter(
            session=assignment.session_id, status__in=Assignment.ACTIVE_STATUSES
        )
        .exclude(pk=assignment.pk)
        .select_related("supporter"),
        # Given names and needs only: no phone, birth date, address or surname (selectors_mine).
        "residents": session_residents_for_supporter(session=assignment.session),
        "is_today": session_local_day(assignment.session) == timezone.localdate(),
    }
    return render(request, "volunteers/my_assignment_detail.html", context)
