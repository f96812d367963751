"""Consultation desk slot grid and salon walk-in count. Thin: parse, call a service, render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from classes import services_consult
from classes.forms_consult import ConsultationBookForm, ConsultationRecordForm, WalkInCountForm
from classes.models import Consultation, Session
from classes.view_helpers import (
    CHANGE_ROLES,
    VIEW_ROLES,
    can_change,
    first_error,
    get_session_for_user,
    resident_from,
    resident_search_form,
)
from kernel.confirm import confirm_page, is_confirmed
from kernel.dates import date_full
from kernel.once import AlreadySubmitted, already_saved, submitted_once
from kernel.roles import role_required


def _get_kind_session(user, pk: int, kind: str, *, change: bool = False) -> Session:
    """The session of ``kind`` the user may see (404 otherwise) and, with ``change``, change (403)."""
    session = get_session_for_user(user, pk, change=change)
    if session.kind != kind:
        raise Http404
    return session


@role_required(*VIEW_ROLES)
def consult_slots(request, pk: int):
    """The slot grid: free slots can be booked for the chosen resident (or a walk-up), booked
    slots get their category and outcome recorded."""
    session = _get_kind_session(request.user, pk, Session.Kind.CONSULTATION)
    may_change = can_change(request.user, session.venue_id)
    search_form, results = resident_search_form(request, allowed=may_change)
    chosen = None
    if request.GET.get("resident"):
        chosen = resident_from(request.GET["resident"])
        if chosen is None:
            messages.error(request, _("That resident was not found. Please search again."))
    return render(
        request,
        "classes/consult_slots.html",
        {
            "session": session,
            "slots": services_consult.consultation_slots(session=session),
            "can_change": may_change,
            "search_form": search_form,
            "results": results,
            "chosen": chosen,
            "categories": Consultation.Category.choices,
        },
    )


@require_POST
@role_required(*CHANGE_ROLES)
def consult_book(request, pk: int):
    """Book a free slot (POST ``slot``, optional ``resident`` and ``category``)."""
    session = _get_kind_session(request.user, pk, Session.Kind.CONSULTATION, change=True)
    form = ConsultationBookForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The slot was not understood. Please choose a slot again."))
        return redirect("classes:consult_slots", pk=session.pk)
    resident = None
    if form.cleaned_data["resident"]:
        resident = resident_from(form.cleaned_data["resident"])
        if resident is None:
            messages.error(request, _("That resident was not found. Please search again."))
            return redirect("classes:consult_slots", pk=session.pk)
    slots_url = reverse("classes:consult_slots", args=[session.pk])
    try:
        with submitted_once(request) as once:
            services_consult.consultation_book(
                session=session,
                resident=resident,
                slot_start=form.cleaned_data["slot"],
                category=form.cleaned_data["category"] or "",
                by=request.user,
            )
            once.result_url = slots_url
    except AlreadySubmitted as done:
        return already_saved(request, done, slots_url)
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(
            request,
            _("The %(time)s slot is booked for %(name)s.")
            % {
                "time": _local_hm(form.cleaned_data["slot"]),
                "name": resident.name if resident else _("a walk-up"),
            },
        )
    return redirect("classes:consult_slots", pk=session.pk)


def _local_hm(value) -> str:
    return timezone.localtime(value).strftime("%H:%M")


@require_POST
@role_required(*CHANGE_ROLES)
def consult_record(request, pk: int):
    """Record a booked consultation's category, outcome and note (POST)."""
    consultation = get_object_or_404(Consultation, pk=pk)
    session = _get_kind_session(
        request.user, consultation.session_id, Session.Kind.CONSULTATION, change=True
    )
    form = ConsultationRecordForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a category from the list."))
        return redirect("classes:consult_slots", pk=session.pk)
    try:
        services_consult.consultation_record(
            consultation=consultation, by=request.user, **form.cleaned_data
        )
    except ValidationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(
            request,
            _("The %(time)s consultation was recorded.")
            % {"time": _local_hm(consultation.slot_start)},
        )
    return redirect("classes:consult_slots", pk=session.pk)


@require_POST
@role_required(*CHANGE_ROLES)
def consult_cancel(request, pk: int):
    """Free a booked slot: a POST from the slots page asks once, naming who and when; the
    confirmed POST frees it."""
    consultation = get_object_or_404(Consultation.objects.select_related("resident"), pk=pk)
    session = _get_kind_session(
        request.user, consultation.session_id, Session.Kind.CONSULTATION, change=True
    )
    if not is_confirmed(request):
        who = consultation.resident.name if consultation.resident else _("a walk-up")
        hm = _local_hm(consultation.slot_start)
        return confirm_page(
            request,
            title=_("Free this consultation slot?"),
            question=_("Free the %(time)s slot booked for %(name)s on %(day)s?")
            % {"time": hm, "name": who, "day": date_full(consultation.slot_start)},
            facts=[
                (_("Name"), who),
                (_("Session"), session.display_title),
                (_("Date and time"), f"{date_full(consultation.slot_start)} {hm}"),
            ],
            note=_("The booking and its note are removed; the slot can be booked again."),
            action_label=_("Free the slot of %(name)s") % {"name": who},
            back_url=reverse("classes:consult_slots", kwargs={"pk": session.pk}),
        )
    services_consult.consultation_cancel(consultation=consultation, by=request.user)
    messages.success(
        request,
        _("The %(time)s slot is free again.") % {"time": _local_hm(consultation.slot_start)},
    )
    return redirect("classes:consult_slots", pk=session.pk)


@role_required(*VIEW_ROLES)
def salon_count(request, pk: int):
    """Count anonymous walk-ins at a salon: "+1" as people come in, or type the number."""
    session = _get_kind_session(
        request.user, pk, Session.Kind.SALON, change=request.method == "POST"
    )
    form = WalkInCountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                count = services_consult.salon_walk_ins_count(
                    session=session,
                    add=form.cleaned_data["add"] or 0,
                    set_to=form.cleaned_data["count"] if form.cleaned_data["add"] is None else None,
                    by=request.user,
                )
            except ValidationError as exc:
                messages.error(request, first_error(exc))
            else:
                messages.success(request, _("Walk-ins counted: %(count)d.") % {"count": count})
                return redirect("classes:salon_count", pk=session.pk)
        else:
            messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return render(
        request,
        "classes/consult_salon_count.html",
        {
            "session": session,
            "form": form,
            "can_change": can_change(request.user, session.venue_id),
        },
    )
