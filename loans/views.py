"""Pages for devices and loans: inventory, lend (checkout), receive back (return), renew, lost.

Administrators and center staff use these pages; coordinators and supporters get 403. Staff see
and change only loans made at their own venues (404 for other venues' loans); every staff member
sees the whole device inventory.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kernel.once import AlreadySubmitted, already_saved, submitted_once
from kernel.roles import can_change_venue, role_required, venue_ids_for
from loans import selectors, services
from loans.documents import staff_name
from loans.forms import (
    CheckoutForm,
    DeviceFilterForm,
    LoanCheckInForm,
    MarkLostForm,
    RecordSignedForm,
    ReturnForm,
)
from loans.models import Device, Loan
from loans.view_helpers import (
    DEVICE_PAGE_SIZE,
    DUE_SOON_DAYS,
    LOAN_LIST_VIEWS,
    LOAN_PAGE_SIZE,
    LOAN_ROLES,
    can_see_reservation,
    error_messages,
    get_loan_for_change,
    get_loan_for_user,
    pick_from_query,
    resident_loans_and_reservations,
    venues_for,
)


@role_required(*LOAN_ROLES)
def device_list(request):
    """The device inventory, filtered by status and search, 50 a page, with counts per status."""
    form = DeviceFilterForm(request.GET or None)
    status, search = "", ""
    if form.is_valid():
        status, search = form.cleaned_data["status"], form.cleaned_data["q"].strip()
    counts = selectors.device_status_counts()
    total = sum(counts.values())
    paginator = Paginator(
        selectors.device_list(status=status or None, search=search), DEVICE_PAGE_SIZE
    )
    # The pager's count: known from the counts per status unless searching, else counted
    # without the list's joins (the paginator would count the joined rows).
    if search:
        paginator.count = selectors.device_count(status=status or None, search=search)
    else:
        paginator.count = counts[status] if status else total
    page = paginator.get_page(request.GET.get("page"))
    devices = list(page.object_list)
    # The rows are dicts (selectors.device_list), without get_..._display().
    kinds, statuses = dict(Device.Kind.choices), dict(Device.Status.choices)
    for row in devices:
        row["kind_label"] = kinds.get(row["kind"], row["kind"])
        row["status_label"] = statuses.get(row["status"], row["status"])
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "devices": devices,
        "page": page,
        "query": query.urlencode(),
        "status": status,
        "status_counts": [(value, label, counts[value]) for value, label in Device.Status.choices],
        "total": total,
        "venue_ids": venue_ids_for(request.user),
    }
    return render(request, "loans/device_list.html", context)


@dataclass(frozen=True)
class LoanHistoryRow:
    """A past or current loan of a device; ``visible``: the user may see who borrowed it."""

    loan: Loan
    visible: bool


@role_required(*LOAN_ROLES)
def device_detail(request, pk: int):
    """One device: details, status history and loans (other venues' residents hidden)."""
    device = get_object_or_404(
        Device.objects.select_related("home_venue", "reserved_for", "reserved_venue"), pk=pk
    )
    venue_ids = venue_ids_for(request.user)
    history = [
        LoanHistoryRow(loan, visible=venue_ids is None or loan.venue_id in venue_ids)
        for loan in selectors.device_loan_history(device=device)
    ]
    context = {
        "device": device,
        "can_see_reservation": can_see_reservation(request.user, device),
        "history": history,
        "events": list(selectors.device_events(device=device)),
        "today": timezone.localdate(),
    }
    return render(request, "loans/device_detail.html", context)


@role_required(*LOAN_ROLES)
def checkout(request):
    """Lend a device: choose the device, find the resident, then record the loan (one page)."""
    venues = venues_for(request.user)
    has_venues = bool(venues)  # evaluates the queryset once; the form's choices reuse it
    pick = pick_from_query(
        request, "loans:checkout", device_statuses=(Device.Status.AVAILABLE, Device.Status.RESERVED)
    )
    device, resident, url_with = pick["device"], pick["resident"], pick.pop("url_with")

    try:
        policy = services.loan_policy_active()
    except ValidationError as exc:
        policy = None
        for message in error_messages(exc):
            messages.error(request, str(message))

    device_problem = pick["device_problem"]
    if device is not None and not device.is_lendable:
        device_problem = _("Device %(tag)s cannot be lent now: it is %(status)s.") % {
            "tag": device.asset_tag,
            "status": device.get_status_display(),
        }
    elif (
        device is not None
        and device.status == Device.Status.RESERVED
        and not can_see_reservation(request.user, device)
    ):
        device_problem = _(
            "Device %(tag)s is reserved at another venue. Choose another device."
        ) % {"tag": device.asset_tag}
    elif (
        device is not None
        and resident is not None
        and device.status == Device.Status.RESERVED
        and device.reserved_for_id != resident.pk
    ):
        device_problem = _(
            "Device %(tag)s is reserved for another resident. Choose another device, or cancel "
            "the reservation on the device page first."
        ) % {"tag": device.asset_tag}

    form = None
    if device is not None and not device_problem and resident is not None and has_venues:
        form = CheckoutForm(
            request.POST if request.method == "POST" else None,
            device=device,
            venues=venues,
            resident=resident,
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            venue = data["venue"]
            if not can_change_venue(request.user, venue.pk):
                raise PermissionDenied
            try:
                with submitted_once(request) as once:
                    loan = services.loan_checkout(
                        device=device,
                        resident=resident,
                        venue=venue,
                        by=request.user,
                        start_date=data["start_date"],
                        kit=data.get("kit", []),
                        signed_by=data["signed_by"],
                        proxy_signer_name=data["proxy_signer_name"],
                        proxy_signer_relation=data["proxy_signer_relation"],
                        unsigned_reason=data["unsigned_reason"],
                        usage_data_consent=data["usage_data_consent"],
                    )
                    once.result_url = reverse("loans:loan_detail", args=[loan.pk])
            except AlreadySubmitted as done:
                return already_saved(request, done, reverse("loans:loan_list"))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Lent %(tag)s to %(name)s. Due back on %(due)s.")
                    % {
                        "tag": device.asset_tag,
                        "name": resident.name,
                        "due": services.format_day(loan.due_date),
                    },
                )
                if not loan.agreement_signed:
                    messages.warning(
                        request,
                        _(
                            "Handed over without a signature; the reason is kept on the loan. "
                            "Have the agreement signed and record it on this page."
                        ),
                    )
                return redirect("loans:loan_detail", pk=loan.pk)
    elif request.method == "POST":
        messages.error(request, _("Choose a device that can be lent and a resident first."))

    elsewhere: dict = {"resident_active_loans": [], "elsewhere_count": 0}
    resident_reservations = []
    if resident is not None:
        elsewhere = resident_loans_and_reservations(request.user, resident)
        resident_reservations = [
            (d, url_with(device=d.pk))
            for d in elsewhere.pop("resident_reserved_devices")
            if device is None or d.pk != device.pk
        ]

    context = {
        **pick,
        **elsewhere,
        "device_problem": device_problem,
        "resident_reservations": resident_reservations,
        "form": form,
        "policy": policy,
        "due_preview": (
            timezone.localdate() + timedelta(days=policy.term_days) if policy else None
        ),
        "has_venues": has_venues,
        "draft_url": (
            reverse("loans:agreement_draft")
            + "?"
            + urlencode({"device": device.pk, "resident": resident.pk})
            if form is not None and device is not None and resident is not None
            else ""
        ),
    }
    return render(request, "loans/checkout.html", context)


@role_required(*LOAN_ROLES)
def loan_list(request):
    """Active, due-soon or overdue loans (``?show=``), LOAN_PAGE_SIZE a page (``?page=``),
    soonest due first; staff: their venues only."""
    show = request.GET.get("show", "active")
    if show not in LOAN_LIST_VIEWS:
        show = "active"
    today = timezone.localdate()
    venue_ids = venue_ids_for(request.user)
    if show == "overdue":
        loans = selectors.loans_overdue(today=today, venue_ids=venue_ids)
    elif show == "due_soon":
        loans = selectors.loans_due_soon(today=today, days=DUE_SOON_DAYS, venue_ids=venue_ids)
    else:
        loans = selectors.loans_active(venue_ids=venue_ids)
    counts = selectors.loan_counts(today=today, days=DUE_SOON_DAYS, venue_ids=venue_ids)
    # A page at a time: a prefecture has tens of thousands of active loans. The pager's count
    # comes from the counts shown above the list (no second COUNT query).
    paginator = Paginator(loans, LOAN_PAGE_SIZE)
    paginator.count = counts[show]
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "loans": list(page.object_list),
        "page": page,
        "query": urlencode({"show": show}),
        "show": show,
        "counts": counts,
        "today": today,
        "due_soon_days": DUE_SOON_DAYS,
    }
    return render(request, "loans/loan_list.html", context)


def _loan_detail_context(request, loan: Loan, check_in_form=None) -> dict:
    today = timezone.localdate()
    policy = loan.policy
    return {
        "loan": loan,
        "today": today,
        "overdue": loan.is_overdue_on(today),
        "can_change": can_change_venue(request.user, loan.venue_id),
        "can_renew": bool(policy and loan.renewals < policy.max_renewals),
        "lost_form": MarkLostForm(),
        "signed_form": RecordSignedForm(
            initial={
                "proxy_signer_name": loan.resident.proxy_name,
                "proxy_signer_relation": loan.resident.proxy_relation,
            }
        ),
        "lent_by_name": staff_name(loan.created_by),
        "received_by_name": staff_name(loan.returned_by),
        "check_ins": list(selectors.loan_check_ins(loan=loan)),
        "check_in_form": check_in_form or LoanCheckInForm(),
    }


@role_required(*LOAN_ROLES)
def loan_detail(request, pk: int):
    """One loan with its check-ins and the actions the user may take (404: other venue)."""
    loan = get_loan_for_user(request.user, pk)
    return render(request, "loans/loan_detail.html", _loan_detail_context(request, loan))


@role_required(*LOAN_ROLES)
def loan_receive(request, pk: int):
    """Receive a lent device back (URL name ``loans:return``)."""
    loan = get_loan_for_change(request.user, pk)
    if loan.status != Loan.Status.ACTIVE:
        messages.error(
            request,
            _("This loan is not active (it is %(status)s), so it cannot be received back.")
            % {"status": loan.get_status_display()},
        )
        return redirect("loans:loan_detail", pk=loan.pk)
    form = ReturnForm(request.POST if request.method == "POST" else None, loan=loan)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            loan = services.loan_return(
                loan=loan,
                by=request.user,
                returned_on=data["returned_on"],
                kit_returned=data.get("kit_returned", []),
                condition=data["condition"],
                data_wiped=data["data_wiped"],
                outcome=data["outcome"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Received %(tag)s back from %(name)s.")
                % {"tag": loan.device.asset_tag, "name": loan.resident.name},
            )
            if loan.missing_kit_items:
                messages.warning(
                    request,
                    _(
                        "Missing kit: %(items)s. Recorded in the loan notes; follow up with the resident."
                    )
                    % {"items": "、".join(loan.missing_kit_items)},
                )
            if data["condition"] == Device.Condition.DAMAGED:
                messages.warning(request, _("The device is damaged and has been sent to repair."))
            return redirect("loans:loan_detail", pk=loan.pk)
    return render(request, "loans/loan_return.html", {"loan": loan, "form": form})


@require_POST
@role_required(*LOAN_ROLES)
def loan_renew(request, pk: int):
    """Renew the loan by its policy's term (POST), then back to the loan page."""
    loan = get_loan_for_change(request.user, pk)
    try:
        loan = services.loan_renew(loan=loan, by=request.user)
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, str(message))
    else:
        messages.success(
            request,
            _("Loan renewed. The new due date is %(due)s.")
            % {"due": services.format_day(loan.due_date)},
        )
    return redirect("loans:loan_detail", pk=pk)


@require_POST
@role_required(*LOAN_ROLES)
def loan_lost(request, pk: int):
    """Record the lent device as lost after a confirmation (POST), then back to the loan page."""
    loan = get_loan_for_change(request.user, pk)
    form = MarkLostForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return redirect("loans:loan_detail", pk=pk)
    try:
        services.loan_mark_lost(loan=loan, by=request.user, notes=form.cleaned_data["notes"])
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, str(message))
    else:
        messages.warning(
            request,
            _("Device %(tag)s is recorded as lost.") % {"tag": loan.device.asset_tag},
        )
    return redirect("loans:loan_detail", pk=pk)


@require_POST
@role_required(*LOAN_ROLES)
def loan_check_in(request, pk: int):
    """Record a follow-up check-in from the form on the loan page (URL name ``loans:check_in``)."""
    loan = get_loan_for_change(request.user, pk)
    form = LoanCheckInForm(request.POST)
    loan_url = reverse("loans:loan_detail", args=[pk])
    if form.is_valid():
        data = form.cleaned_data
        try:
            with submitted_once(request) as once:
                services.loan_check_in_record(
                    loan=loan,
                    by=request.user,
                    on=data["on"],
                    channel=data["channel"],
                    functions=data["functions"],
                    difficulties=data["difficulties"],
                    satisfaction=data["satisfaction"],
                )
                once.result_url = loan_url
        except AlreadySubmitted as done:
            return already_saved(request, done, loan_url)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Check-in recorded."))
            return redirect("loans:loan_detail", pk=pk)
    context = _loan_detail_context(request, loan, check_in_form=form)
    return render(request, "loans/loan_detail.html", context, status=400)


@role_required(*LOAN_ROLES)
def follow_up(request):
    """The printable call lists: loans due within a week, and overdue loans (staff: own venues)."""
    today = timezone.localdate()
    lists = selectors.loans_follow_up(
        today=today, days=DUE_SOON_DAYS, venue_ids=venue_ids_for(request.user)
    )
    context = {
        "today": today,
        "due_soon_days": DUE_SOON_DAYS,
        "due_soon": lists.due_soon,
        "overdue": lists.overdue,
    }
    return render(request, "loans/follow_up.html", context)
