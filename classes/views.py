"""Sessions: list, page, create, edit, cancel, attendance and walk-ins. Thin: parse, call a
service or selector, render. Phone registration is in views_phone.py, series in views_series.py."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from classes import selectors, services
from classes.formatting import time_range_ja
from classes.forms import SessionFilterForm, SessionForm
from classes.models import Registration, Session
from classes.view_helpers import (
    CHANGE_ROLES,
    VIEW_ROLES,
    can_change,
    first_error,
    get_session_for_user,
    resident_from,
    resident_search_form,
    tell_promoted,
)
from kernel.confirm import confirm_page, is_confirmed
from kernel.dates import date_full
from kernel.once import AlreadySubmitted, already_saved, submitted_once
from kernel.roles import role_required, user_role, venue_ids_for


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
    session = get_session_for_user(request.user, pk)
    registrations = list(selectors.session_registrations(session=session))
    offers = list(selectors.session_open_offers(session=session))
    # Residents registered again after cancelling: their cancelled row offers no restore.
    active_residents = {
        r.resident_id for r in registrations if r.status != Registration.Status.CANCELLED
    }
    registered = [
        _registration_row(r) for r in registrations if r.status == Registration.Status.REGISTERED
    ]
    waitlisted = [
        _registration_row(r) for r in registrations if r.status == Registration.Status.WAITLISTED
    ]
    # The counts the page shows come from the rows it lists anyway, not from a second count
    # in SQL (selectors.session_list).
    may_change = can_change(request.user, session.venue_id)
    today = timezone.localdate()
    walk_in_form, walk_in_results = resident_search_form(request, allowed=may_change)
    return render(
        request,
        "classes/session_detail.html",
        {
            "session": session,
            "registered": registered,
            "waitlisted": waitlisted,
            "registered_count": len(registered),
            "waitlisted_count": len(waitlisted),
            # Seats held by open offers are not free.
            "seats_left": session.seats_left_after(len(registered) + len(offers)),
            "offers": offers,
            "cancelled": [
                _registration_row(r, active_residents=active_residents)
                for r in registrations
                if r.status == Registration.Status.CANCELLED
            ],
            "restorable": may_change
            and session.status == Session.Status.SCHEDULED
            and session.ends_at > timezone.now(),
            "assignments": list(selectors.session_supporters(session=session)),
            "can_change": may_change,
            "attendance_open": may_change
            and session.status == Session.Status.SCHEDULED
            and timezone.localdate(session.starts_at) <= today,
            "walk_in_form": walk_in_form,
            "walk_in_results": walk_in_results,
        },
    )


@dataclass(frozen=True)
class RegistrationRow:
    """A registration listed on the session page, with the links of its row.

    Each link is reversed when the template asks for it: a row shows two or three of its four
    links (moving needs a series, restoring a cancelled registration)."""

    registration: Registration
    re_registered: bool = False

    @property
    def resident_url(self) -> str:
        return reverse("residents:detail", args=[self.registration.resident_id])

    @property
    def cancel_url(self) -> str:
        return reverse("classes:registration_cancel", args=[self.registration.pk])

    @property
    def move_url(self) -> str:
        return reverse("classes:registration_move", args=[self.registration.pk])

    @property
    def restore_url(self) -> str:
        return reverse("classes:registration_restore", args=[self.registration.pk])


def _registration_row(
    r: Registration, *, active_residents: set[int] | None = None
) -> RegistrationRow:
    """The row of ``r``; for a cancelled one ``active_residents`` (resident ids holding an active
    registration of the session) tells whether the resident registered again."""
    return RegistrationRow(
        registration=r, re_registered=r.resident_id in (active_residents or set())
    )


@role_required(*CHANGE_ROLES)
def session_create(request):
    """Create a session at one of the user's venues."""
    venue_ids = venue_ids_for(request.user)
    form = SessionForm(request.POST or None, venue_ids=venue_ids)
    if request.method == "POST" and form.is_valid():
        try:
            with submitted_once(request) as once:
                session = services.session_create(by=request.user, **form.session_fields())
                once.result_url = reverse("classes:session_detail", args=[session.pk])
        except AlreadySubmitted as done:
            return already_saved(request, done, reverse("classes:session_list"))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The session was created."))
            return redirect("classes:session_detail", pk=session.pk)
    return render(request, "classes/session_form.html", {"form": form, "session": None})


@role_required(*CHANGE_ROLES)
def session_edit(request, pk: int):
    """Edit a session of one of the user's venues."""
    session = get_session_for_user(request.user, pk, change=True)
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
            tell_promoted(request, promoted)
            return redirect("classes:session_detail", pk=session.pk)
    return render(request, "classes/session_form.html", {"form": form, "session": session})


@require_http_methods(["GET", "POST"])
@role_required(*CHANGE_ROLES)
def session_cancel(request, pk: int):
    """Cancel a session: GET (or a POST without ``confirmed``) asks once, naming the session and
    how many residents are registered; the confirmed POST cancels it and everyone registered goes
    on the "tell them" call list."""
    session = get_session_for_user(request.user, pk, change=True)
    back = reverse("classes:session_detail", kwargs={"pk": session.pk})
    if session.status == Session.Status.CANCELLED:
        messages.info(request, _("This session is already cancelled."))
        return redirect(back)
    if not is_confirmed(request):
        active = session.registrations.filter(status__in=services.ACTIVE_STATUSES).count()
        day = date_full(session.starts_at)
        return confirm_page(
            request,
            title=_("Cancel this session?"),
            question=_("Cancel %(title)s on %(day)s at %(place)s?")
            % {"title": session.display_title, "day": day, "place": session.place_label},
            facts=[
                (_("Session"), session.display_title),
                (
                    _("Date and time"),
                    f"{day} {time_range_ja(session.starts_at, session.ends_at)}",
                ),
                (_("Venue"), session.place_label),
                (_("Registered and waitlisted"), str(active)),
            ],
            note=_(
                "Everyone registered goes on the call list to be told. A cancelled session "
                "cannot be reopened here; ask the administrator if it was a mistake."
            ),
            action_label=_("Cancel this session"),
            back_url=back,
        )
    try:
        count = services.session_cancel(session=session, by=request.user)
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.warning(
            request,
            _("The session is cancelled. Please call the %(count)d registered residents.")
            % {"count": count},
        )
    return redirect(back)


@require_POST
@role_required(*CHANGE_ROLES)
def attendance_take(request, pk: int):
    """Save attendance (POST ``attended``: registration ids present; the others are absent)."""
    session = get_session_for_user(request.user, pk, change=True)
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
        messages.error(request, first_error(exc))
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
    session = get_session_for_user(request.user, pk, change=True)
    resident = resident_from(request.POST.get("resident"))
    if resident is None:
        messages.error(request, _("That resident was not found. Please search again."))
        return redirect("classes:session_detail", pk=session.pk)
    try:
        with submitted_once(request):
            services.registration_create(
                session=session, resident=resident, by=request.user, walk_in=True
            )
    except AlreadySubmitted as done:
        return already_saved(request, done, reverse("classes:session_detail", args=[session.pk]))
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(request, _("%(name)s was added as a walk-in.") % {"name": resident.name})
    return redirect("classes:session_detail", pk=session.pk)
