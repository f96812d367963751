"""Phone registration (電話受付): find the caller, register them, read the booking back, cancel or
move a registration to another date of its series."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from classes import selectors, services
from classes.formatting import time_range
from classes.forms import PhoneSearchForm, RegisterForm
from classes.models import Registration, Session
from classes.view_helpers import (
    CHANGE_ROLES,
    check_venue_access,
    first_error,
    get_session_for_user,
    resident_from,
    tell_promoted,
)
from kernel.confirm import confirm_page, is_confirmed
from kernel.dates import date_full
from kernel.once import AlreadySubmitted, already_saved, submitted_once
from kernel.redirects import safe_next
from kernel.roles import role_required, venue_ids_for
from residents.models import Resident
from residents.selectors import new_resident_prefill, resident_search

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


@dataclass(frozen=True)
class ResidentRow:
    """A resident found by the search, with their upcoming registrations."""

    resident: Resident
    upcoming: list[Registration]


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
        resident = resident_from(request.GET["resident"])
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
    result_rows = None
    new_resident_url = ""
    if results is not None:
        result_rows = [ResidentRow(r, upcoming_by_resident[r.pk]) for r in results]
        phone_url = reverse("classes:phone")
        new_resident_url = (
            reverse("residents:create")
            + "?"
            + urlencode({"next": phone_url, **new_resident_prefill(query)})
        )
    return render(
        request,
        "classes/phone.html",
        {
            "form": form,
            "query": query,
            "results": result_rows,
            "new_resident_url": new_resident_url,
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
    session = get_session_for_user(request.user, form.cleaned_data["session"], change=True)
    resident = get_object_or_404(Resident, pk=form.cleaned_data["resident"])
    try:
        with submitted_once(request) as once:
            registration = services.registration_create(
                session=session,
                resident=resident,
                by=request.user,
                companion=form.cleaned_data["companion"],
            )
            once.result_url = reverse("classes:readback", args=[registration.pk])
    except AlreadySubmitted as done:
        return already_saved(request, done, reverse("classes:phone"))
    except ValidationError as exc:
        messages.error(request, first_error(exc))
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
    check_venue_access(request.user, session.venue_id, change=True)
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


def _registration_facts(registration: Registration) -> list[tuple[str, str]]:
    """Who and what a confirmation page names: resident, session, date and time, place."""
    session = registration.session
    return [
        (_("Name"), f"{registration.resident.name}（{registration.resident.name_kana}）"),
        (_("Session"), session.display_title),
        (
            _("Date and time"),
            f"{date_full(session.starts_at)} {time_range(session.starts_at, session.ends_at)}",
        ),
        (_("Venue"), session.place_label),
        (_("Status"), str(registration.get_status_display())),
    ]


@require_http_methods(["GET", "POST"])
@role_required(*CHANGE_ROLES)
def registration_cancel(request, pk: int):
    """Cancel a registration: GET (or a POST without ``confirmed``) asks once, naming the
    resident and the session; the confirmed POST cancels. Back to ``next`` (a path on this
    site) or the session."""
    registration = get_object_or_404(
        Registration.objects.select_related("resident", "session", "session__venue"), pk=pk
    )
    session = registration.session
    check_venue_access(request.user, session.venue_id, change=True)
    back = safe_next(request) or reverse("classes:session_detail", kwargs={"pk": session.pk})
    if registration.status == Registration.Status.CANCELLED:
        messages.info(request, _("This registration is already cancelled."))
        return redirect(back)
    if not is_confirmed(request):
        name = registration.resident.name
        held_seat = registration.status == Registration.Status.REGISTERED
        return confirm_page(
            request,
            title=_("Cancel this registration?"),
            question=_("Cancel the registration of %(name)s for %(title)s on %(day)s?")
            % {"name": name, "title": session.display_title, "day": date_full(session.starts_at)},
            facts=_registration_facts(registration),
            note=(
                _(
                    "The seat goes to the first person on the waitlist. The cancellation can be "
                    "undone from the session page (Cancelled registrations)."
                )
                if held_seat
                else _(
                    "The cancellation can be undone from the session page "
                    "(Cancelled registrations)."
                )
            ),
            action_label=_("Cancel the registration of %(name)s") % {"name": name},
            back_url=back,
            hidden={"next": back},
        )
    try:
        promoted = services.registration_cancel(registration=registration, by=request.user)
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(
            request,
            _(
                "The registration of %(name)s was cancelled. To undo it, use Restore under "
                "Cancelled registrations on the session page."
            )
            % {"name": registration.resident.name},
        )
        tell_promoted(request, promoted)
    return redirect(back)


@require_POST
@role_required(*CHANGE_ROLES)
def registration_restore(request, pk: int):
    """Undo a cancellation (POST): the seat back if one is free, else first on the waitlist;
    the message says which. Back to the session page."""
    registration = get_object_or_404(
        Registration.objects.select_related("resident", "session"), pk=pk
    )
    session = registration.session
    check_venue_access(request.user, session.venue_id, change=True)
    try:
        services.registration_restore(registration=registration, by=request.user)
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        name = registration.resident.name
        if registration.status == Registration.Status.REGISTERED:
            messages.success(
                request,
                _("The registration of %(name)s is restored, with a seat.") % {"name": name},
            )
        else:
            messages.warning(
                request,
                _(
                    "The registration of %(name)s is restored, but the seats are full: "
                    "%(name)s is now first on the waitlist (no seat yet)."
                )
                % {"name": name},
            )
    return redirect("classes:session_detail", pk=session.pk)


@role_required(*CHANGE_ROLES)
def registration_move(request, pk: int):
    """Move a registration to another date of its series: GET lists the dates with seats left,
    POST (``session``) moves it and shows the read-back of the new registration."""
    registration = get_object_or_404(
        Registration.objects.select_related("resident", "session__venue", "session__topic"), pk=pk
    )
    session = registration.session
    check_venue_access(request.user, session.venue_id, change=True)
    if session.series_id is None:
        raise Http404
    if request.method == "POST":
        try:
            target_pk = int(request.POST.get("session", ""))
        except ValueError:
            messages.error(request, _("Choose the date to move to."))
            return redirect("classes:registration_move", pk=registration.pk)
        target = get_session_for_user(request.user, target_pk, change=True)
        try:
            new, promoted = services.registration_move(
                registration=registration, to_session=target, by=request.user
            )
        except ValidationError as exc:
            messages.error(request, first_error(exc))
            return redirect("classes:registration_move", pk=registration.pk)
        messages.success(
            request,
            _("%(name)s was moved to the new date.") % {"name": registration.resident.name},
        )
        tell_promoted(request, promoted)
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
