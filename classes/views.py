"""Sessions, phone registration and attendance. Thin: parse, call a service or selector, render."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from classes import selectors, services, services_series
from classes.forms import PhoneSearchForm, RegisterForm, SessionFilterForm, SessionForm
from classes.forms_series import SeriesFollowingForm, SeriesForm
from classes.models import Registration, Series, Session
from project.html_rows import url_for_pk
from project.models import Role
from project.redirects import safe_next
from project.roles import can_change_venue, role_required, user_role, venue_ids_for
from residents.models import Resident
from residents.selectors import resident_search

VIEW_ROLES = (Role.ADMINISTRATOR, Role.STAFF, Role.COORDINATOR)
CHANGE_ROLES = (Role.ADMINISTRATOR, Role.STAFF)


def _can_change(user, venue_id: int | None) -> bool:
    """True when the user may change sessions (and their registrations) at ``venue_id``."""
    return user_role(user) in CHANGE_ROLES and can_change_venue(user, venue_id)


def _check_venue_access(user, venue_id: int | None, *, change: bool = False) -> None:
    """404 for staff of another venue (the registrant list is personal data); with ``change``,
    403 unless the user may change things at ``venue_id``."""
    if user_role(user) == Role.STAFF and not can_change_venue(user, venue_id):
        raise Http404
    if change and not _can_change(user, venue_id):
        raise PermissionDenied


def _get_session_for_user(user, pk: int, *, change: bool = False) -> Session:
    """The session if the user may see it (404 otherwise) and, with ``change``, change it (403)."""
    session = get_object_or_404(
        Session.objects.select_related("venue", "topic", "organiser"), pk=pk
    )
    _check_venue_access(user, session.venue_id, change=change)
    return session


def _first_error(exc: ValidationError) -> str:
    """Every message of ``exc`` as one line for ``messages.error``."""
    return " ".join(exc.messages)


def _tell_promoted(request, promoted: Registration | None) -> None:
    """Ask staff to phone the resident who just got a seat from the waitlist, if any."""
    if promoted is not None:
        messages.warning(
            request,
            _("%(name)s moved up from the waitlist and now has a seat. Please call them: %(phone)s")
            % {"name": promoted.resident.name, "phone": promoted.resident.phone or "-"},
        )


def _resident_from(value) -> Resident | None:
    """The resident whose id is the posted or query text ``value``; None when there is none."""
    try:
        return Resident.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        return None


def _resident_search(request, *, allowed: bool) -> tuple[PhoneSearchForm, list | None]:
    """The resident search form of a page and its results (up to 10; None when not searched or
    the user may not change the page)."""
    form = PhoneSearchForm(request.GET or None)
    results = None
    if allowed and form.is_valid() and form.cleaned_data["q"]:
        results = list(resident_search(query=form.cleaned_data["q"], limit=10))
    return form, results


@role_required(*VIEW_ROLES)
def session_list(request):
    """Sessions from a day (default today, JST) for 14 days, filtered by venue and kind."""
    venue_ids = venue_ids_for(request.user)
    form = SessionFilterForm(request.GET or None, venue_ids=venue_ids)
    today = timezone.localdate()
    start_day, days, venue, kind = today, 14, None, ""
    if form.is_valid():
        start_day = form.cleaned_data["start"] or today
        days = form.cleaned_data["days"] or 14
        venue = form.cleaned_data["venue"]
        kind = form.cleaned_data["kind"]
    start = selectors.local_day_bounds(start_day)[0]
    end = selectors.local_day_bounds(start_day + timedelta(days=days - 1))[1]
    sessions = selectors.session_list(start=start, end=end, venue_ids=venue_ids)
    if venue:
        sessions = sessions.filter(venue=venue)
    if kind:
        sessions = sessions.filter(kind=kind)
    return render(
        request,
        "classes/session_list.html",
        {
            "form": form,
            "sessions": sessions[:300],
            "start_day": start_day,
            "end_day": start_day + timedelta(days=days - 1),
            "can_create": user_role(request.user) in CHANGE_ROLES,
        },
    )


@role_required(*VIEW_ROLES)
def session_detail(request, pk: int):
    """One session: facts, registrants, waitlist, attendance and the walk-in search."""
    session = _get_session_for_user(request.user, pk)
    registrations = list(selectors.session_registrations(session=session))
    registered = [r for r in registrations if r.status == Registration.Status.REGISTERED]
    waitlisted = [r for r in registrations if r.status == Registration.Status.WAITLISTED]
    # The counts the page shows come from the rows it lists anyway, not from a second count
    # in SQL (selectors.session_list).
    can_change = _can_change(request.user, session.venue_id)
    _add_registration_links(registrations)
    today = timezone.localdate()
    walk_in_form, walk_in_results = _resident_search(request, allowed=can_change)
    return render(
        request,
        "classes/session_detail.html",
        {
            "session": session,
            "registered": registered,
            "waitlisted": waitlisted,
            "registered_count": len(registered),
            "waitlisted_count": len(waitlisted),
            "seats_left": session.seats_left_after(len(registered)),
            "cancelled": [r for r in registrations if r.status == Registration.Status.CANCELLED],
            "assignments": list(selectors.session_supporters(session=session)),
            "can_change": can_change,
            "attendance_open": can_change
            and session.status == Session.Status.SCHEDULED
            and timezone.localdate(session.starts_at) <= today,
            "walk_in_form": walk_in_form,
            "walk_in_results": walk_in_results,
        },
    )


def _add_registration_links(registrations: list[Registration]) -> None:
    """Set ``resident_url``, ``cancel_url`` and ``move_url`` on each registration.

    Attributes on the model instances because the ``registrant_rows`` tag reads them; they
    become fields of a row dataclass when the rows move into a template.
    """
    resident_url = url_for_pk("residents:detail")
    cancel_url = url_for_pk("classes:registration_cancel")
    move_url = url_for_pk("classes:registration_move")
    for r in registrations:
        r.resident_url = resident_url(r.resident_id)  # type: ignore[attr-defined]
        r.cancel_url = cancel_url(r.pk)  # type: ignore[attr-defined]
        r.move_url = move_url(r.pk)  # type: ignore[attr-defined]


@role_required(*CHANGE_ROLES)
def session_create(request):
    """Create a session at one of the user's venues."""
    venue_ids = venue_ids_for(request.user)
    form = SessionForm(request.POST or None, venue_ids=venue_ids)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(by=request.user, **form.session_fields())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The session was created."))
            return redirect("classes:session_detail", pk=session.pk)
    return render(request, "classes/session_form.html", {"form": form, "session": None})


@role_required(*CHANGE_ROLES)
def session_edit(request, pk: int):
    """Edit a session of one of the user's venues."""
    session = _get_session_for_user(request.user, pk, change=True)
    form = SessionForm(
        request.POST or None, instance=session, venue_ids=venue_ids_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            promoted = services.session_update(
                session=session, by=request.user, **form.session_fields()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The session was saved."))
            _tell_promoted(request, promoted)
            return redirect("classes:session_detail", pk=session.pk)
    return render(request, "classes/session_form.html", {"form": form, "session": session})


@require_POST
@role_required(*CHANGE_ROLES)
def session_cancel(request, pk: int):
    """Cancel a session (POST); everyone registered goes on the "tell them" call list."""
    session = _get_session_for_user(request.user, pk, change=True)
    try:
        count = services.session_cancel(session=session, by=request.user)
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.warning(
            request,
            _("The session is cancelled. Please call the %(count)d registered residents.")
            % {"count": count},
        )
    return redirect("classes:session_detail", pk=session.pk)


# Upcoming sessions listed per page on the phone registration screen.
PHONE_SESSIONS_PAGE = 30
# What the phone screen shows of the residents found (and of the one chosen among them): the
# resident row is wide, and a field left out here would cost a query per row.
PHONE_RESIDENT_FIELDS = (
    "name",
    "name_kana",
    "birth_date",
    "district",
    "phone",
    "own_device",
    "accessibility_needs",
    "consent_given",
    "possible_duplicate_of_id",
)


def _positive_int(value, *, default: int, most: int) -> int:
    """``value`` (query-string text) as an int in [1, most]; ``default`` when it is not one."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return min(max(number, 1), most)


def _with_param(request, name: str, value: int) -> str:
    """The current query string with ``name`` set to ``value``, as ``?...`` for a link."""
    query = request.GET.copy()
    query[name] = str(value)
    return "?" + query.urlencode()


@role_required(*CHANGE_ROLES)
def phone_registration(request):
    """One screen for the whole call: find the resident, pick a session, register."""
    form = PhoneSearchForm(request.GET or None)
    results = None
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
    resident = None
    if request.GET.get("resident"):
        resident = _resident_from(request.GET["resident"])
        if resident is None:
            messages.error(request, _("That resident was not found. Please search again."))
    # Once a resident is chosen the screen is about them: the results stay one link away
    # ("Back to the results") instead of 30 rows to scroll past on every step of the call.
    if query and resident is None:
        results = list(resident_search(query=query, limit=30).only(*PHONE_RESIDENT_FIELDS))
    # Upcoming registrations of everyone listed and of the chosen resident: one query.
    listed = list(results or [])
    if resident is not None and resident not in listed:
        listed.append(resident)
    upcoming_by_resident = selectors.upcoming_registrations_for(residents=listed)
    upcoming_sessions = None
    sessions_next = sessions_previous = ""
    resident_regs = []
    if resident is not None:
        now = timezone.now()
        resident_regs = upcoming_by_resident[resident.pk]
        # The next PHONE_SESSIONS_PAGE sessions, with links to later ones: callers want the
        # next dates, and rendering 200 rows with a form each made this the slowest page.
        sessions_page = _positive_int(request.GET.get("sessions_page"), default=1, most=50)
        offset = (sessions_page - 1) * PHONE_SESSIONS_PAGE
        rows = list(
            selectors.sessions_to_offer(
                start=now,
                end=now + timedelta(days=62),
                venue_ids=venue_ids_for(request.user),
                exclude_ids={r.session_id for r in resident_regs},
            )[offset : offset + PHONE_SESSIONS_PAGE + 1]
        )
        upcoming_sessions = rows[:PHONE_SESSIONS_PAGE]
        if len(rows) > PHONE_SESSIONS_PAGE:
            sessions_next = _with_param(request, "sessions_page", sessions_page + 1)
        if sessions_page > 1:
            sessions_previous = _with_param(request, "sessions_page", sessions_page - 1)
    if results is not None:
        for r in results:
            # Read by the ``phone_resident_rows`` tag (as the registration links above).
            r.upcoming = upcoming_by_resident[r.pk]  # type: ignore[attr-defined]
    return render(
        request,
        "classes/phone.html",
        {
            "form": form,
            "query": query,
            "results": results,
            "resident": resident,
            "resident_regs": resident_regs,
            "upcoming_sessions": upcoming_sessions,
            "sessions_next": sessions_next,
            "sessions_previous": sessions_previous,
        },
    )


@require_POST
@role_required(*CHANGE_ROLES)
def registration_create(request):
    """Register the chosen resident for the chosen session (POST), then show the read-back."""
    form = RegisterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a resident and a session."))
        return redirect("classes:phone")
    session = _get_session_for_user(request.user, form.cleaned_data["session"], change=True)
    resident = get_object_or_404(Resident, pk=form.cleaned_data["resident"])
    try:
        registration = services.registration_create(
            session=session,
            resident=resident,
            by=request.user,
            companion=form.cleaned_data["companion"],
        )
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
        return redirect(f"{reverse('classes:phone')}?resident={resident.pk}")
    return redirect("classes:readback", pk=registration.pk)


@role_required(*CHANGE_ROLES)
def registration_readback(request, pk: int):
    """What staff read back on the phone: date, weekday, time, venue, access, what to bring."""
    registration = get_object_or_404(
        Registration.objects.select_related(
            "session", "session__venue", "session__topic", "resident"
        ),
        pk=pk,
    )
    session = registration.session
    _check_venue_access(request.user, session.venue_id, change=True)
    bring = selectors.what_to_bring_for(session=session, resident=registration.resident)
    return render(
        request,
        "classes/readback.html",
        {
            "registration": registration,
            "session": session,
            "position": services.waitlist_position(registration),
            "what_to_bring": bring,
        },
    )


@require_POST
@role_required(*CHANGE_ROLES)
def registration_cancel(request, pk: int):
    """Cancel a registration (POST); back to ``next`` (a path on this site) or the session."""
    registration = get_object_or_404(
        Registration.objects.select_related("resident", "session"), pk=pk
    )
    session = registration.session
    _check_venue_access(request.user, session.venue_id, change=True)
    try:
        promoted = services.registration_cancel(registration=registration, by=request.user)
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(
            request,
            _("The registration of %(name)s was cancelled.") % {"name": registration.resident.name},
        )
        _tell_promoted(request, promoted)
    return redirect(
        safe_next(request) or reverse("classes:session_detail", kwargs={"pk": session.pk})
    )


@require_POST
@role_required(*CHANGE_ROLES)
def attendance_take(request, pk: int):
    """Save attendance (POST ``attended``: registration ids present; the others are absent)."""
    session = _get_session_for_user(request.user, pk, change=True)
    try:
        attended_ids = [int(v) for v in request.POST.getlist("attended")]
    except ValueError:
        messages.error(request, _("The attendance form was not understood. Please try again."))
        return redirect("classes:session_detail", pk=session.pk)
    try:
        attended, absent = services.attendance_record(
            session=session, attended_ids=attended_ids, by=request.user
        )
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(
            request,
            _("Attendance saved: %(attended)d present, %(absent)d absent.")
            % {"attended": attended, "absent": absent},
        )
    return redirect("classes:session_detail", pk=session.pk)


@require_POST
@role_required(*CHANGE_ROLES)
def walk_in_add(request, pk: int):
    """Add a resident who came without registering (POST ``resident``), counted present."""
    session = _get_session_for_user(request.user, pk, change=True)
    resident = _resident_from(request.POST.get("resident"))
    if resident is None:
        messages.error(request, _("That resident was not found. Please search again."))
        return redirect("classes:session_detail", pk=session.pk)
    try:
        services.registration_create(
            session=session, resident=resident, by=request.user, walk_in=True
        )
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(request, _("%(name)s was added as a walk-in.") % {"name": resident.name})
    return redirect("classes:session_detail", pk=session.pk)


# --- Series (定期開催) -------------------------------------------------------------------------


def _get_series_for_user(user, pk: int, *, change: bool = False) -> Series:
    """The series if the user may see it (404 for staff of another venue) and change it (403)."""
    series = get_object_or_404(Series.objects.select_related("venue", "topic", "organiser"), pk=pk)
    _check_venue_access(user, series.venue_id, change=change)
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
                messages.success(
                    request,
                    _("The series was created with %(count)d sessions.")
                    % {"count": len(plan.dates)},
                )
                return redirect("classes:series_detail", pk=series.pk)
            plan = services_series.series_plan(venue=data["venue"], rule=data["rule"])
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
    can_change = _can_change(request.user, series.venue_id)
    search_form, results = _resident_search(request, allowed=can_change)
    now = timezone.now()
    return render(
        request,
        "classes/series_detail.html",
        {
            "series": series,
            "sessions": sessions,
            "skipped": skipped,
            "can_change": can_change,
            "now": now,
            "search_form": search_form,
            "results": results,
        },
    )


@role_required(*CHANGE_ROLES)
def series_edit_following(request, pk: int):
    """Edit session ``pk`` and the later sessions of its series that have not started."""
    session = _get_session_for_user(request.user, pk, change=True)
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
    resident = _resident_from(request.POST.get("resident"))
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
        messages.error(request, _first_error(exc))
        return redirect("classes:series_detail", pk=series.pk)
    return render(
        request,
        "classes/series_course_result.html",
        {"series": series, "resident": resident, "results": results},
    )


@role_required(*CHANGE_ROLES)
def registration_move(request, pk: int):
    """Move a registration to another date of its series: GET lists the dates with seats left,
    POST (``session``) moves it and shows the read-back of the new registration."""
    registration = get_object_or_404(
        Registration.objects.select_related("resident", "session__venue", "session__topic"), pk=pk
    )
    session = registration.session
    _check_venue_access(request.user, session.venue_id, change=True)
    if session.series_id is None:
        raise Http404
    if request.method == "POST":
        try:
            target_pk = int(request.POST.get("session", ""))
        except ValueError:
            messages.error(request, _("Choose the date to move to."))
            return redirect("classes:registration_move", pk=registration.pk)
        target = _get_session_for_user(request.user, target_pk, change=True)
        try:
            new, promoted = services.registration_move(
                registration=registration, to_session=target, by=request.user
            )
        except ValidationError as exc:
            messages.error(request, _first_error(exc))
            return redirect("classes:registration_move", pk=registration.pk)
        messages.success(
            request,
            _("%(name)s was moved to the new date.") % {"name": registration.resident.name},
        )
        _tell_promoted(request, promoted)
        return redirect("classes:readback", pk=new.pk)
    dates = [
        s
        for s in selectors.session_list(start=timezone.now())
        .filter(series_id=session.series_id, status=Session.Status.SCHEDULED)
        .exclude(pk=session.pk)
        if s.seats_left is None or s.seats_left > 0
    ]
    return render(
        request,
        "classes/registration_move.html",
        {"registration": registration, "session": session, "dates": dates},
    )
