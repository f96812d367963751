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
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from classes.selectors import active_venues
from loans import selectors, services
from loans.forms import (
    ApplicationAddForm,
    CheckoutForm,
    CheckoutPickForm,
    DeviceChoiceForm,
    DeviceFilterForm,
    LoanCheckInForm,
    LotteryDrawForm,
    MarkLostForm,
    ReserveForm,
    ReturnForm,
)
from loans.models import Device, Loan, LoanApplication, LoanLottery, LoanPolicy
from project.models import Role
from project.roles import can_change_venue, role_required, user_role, venue_ids_for

LOAN_ROLES = (Role.ADMINISTRATOR, Role.STAFF)
LOAN_LIST_VIEWS = ("active", "due_soon", "overdue")
DUE_SOON_DAYS = 7
# The city has thousands of devices: one page of the device list renders in tens of ms, all of
# them took seconds (manage.py bench_load).
DEVICE_PAGE_SIZE = 50


def _venues_for(user):
    """Venues where ``user`` may lend and receive devices."""
    return active_venues(venue_ids=venue_ids_for(user)).order_by("name_kana", "code")


def _can_see_loan(user, loan: Loan) -> bool:
    ids = venue_ids_for(user)
    return ids is None or loan.venue_id in ids


def _get_loan_for_user(user, pk: int) -> Loan:
    """The loan if ``user`` may see it, else 404."""
    try:
        loan = selectors.loan_for_detail(pk=pk)
    except Loan.DoesNotExist:
        raise Http404 from None
    if not _can_see_loan(user, loan):
        raise Http404
    return loan


def _get_loan_for_change(user, pk: int) -> Loan:
    """The loan if ``user`` may change it: 404 when they may not see it, 403 when only see it."""
    loan = _get_loan_for_user(user, pk)
    if not can_change_venue(user, loan.venue_id):
        raise PermissionDenied
    return loan


def _error_messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _pick_from_query(request, url_name: str) -> dict:
    """What the lend or reserve page (``url_name``) has picked so far, from its query string.

    Returns the part of the page context both pages share: ``device`` and ``resident`` (or None;
    an unknown id is dropped with a message), the resident search ``query`` and its matches
    ``residents`` as (resident, URL choosing them) pairs, ``picker_url`` (the page's own URL for
    the step forms), ``change_device_url`` and ``change_resident_url``, and ``url_with``, a
    function giving the page's URL with the current picks and some of them changed
    (``url_with(device=pk)``; an empty value drops that pick).
    """
    from residents.selectors import resident_search

    pick = CheckoutPickForm(request.GET)
    pick.is_valid()  # unknown ids are dropped, with a message
    picked = getattr(pick, "cleaned_data", {})
    device, resident, query = picked.get("device"), picked.get("resident"), picked.get("q", "")
    if pick.errors.get("device") or pick.errors.get("resident"):
        messages.error(request, _("That device or resident no longer exists. Choose again."))
    picker_url = reverse(url_name)

    def url_with(**params) -> str:
        current = {
            "device": device.pk if device else "",
            "resident": resident.pk if resident else "",
        }
        current.update(params)
        return picker_url + "?" + urlencode({k: v for k, v in current.items() if v})

    found = list(resident_search(query=query, limit=20)) if resident is None and query else []
    return {
        "device": device,
        "resident": resident,
        "query": query,
        "residents": [(r, url_with(resident=r.pk)) for r in found],
        "picker_url": picker_url,
        "change_device_url": url_with(device=""),
        "change_resident_url": url_with(resident=""),
        "url_with": url_with,
    }


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
    device = get_object_or_404(Device.objects.select_related("home_venue", "reserved_for"), pk=pk)
    venue_ids = venue_ids_for(request.user)
    history = [
        LoanHistoryRow(loan, visible=venue_ids is None or loan.venue_id in venue_ids)
        for loan in selectors.device_loan_history(device=device)
    ]
    context = {
        "device": device,
        "history": history,
        "events": list(selectors.device_events(device=device)),
        "today": timezone.localdate(),
    }
    return render(request, "loans/device_detail.html", context)


@role_required(*LOAN_ROLES)
def checkout(request):
    """Lend a device: choose the device, find the resident, then record the loan (one page)."""
    venues = _venues_for(request.user)
    has_venues = bool(venues)  # evaluates the queryset once; the form's choices reuse it
    pick = _pick_from_query(request, "loans:checkout")
    device, resident, url_with = pick["device"], pick["resident"], pick.pop("url_with")

    try:
        policy = services.loan_policy_active()
    except ValidationError as exc:
        policy = None
        for message in _error_messages(exc):
            messages.error(request, message)

    device_problem = ""
    if device is not None and not device.is_lendable:
        device_problem = _("Device %(tag)s cannot be lent now: it is %(status)s.") % {
            "tag": device.asset_tag,
            "status": device.get_status_display(),
        }
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
            request.POST if request.method == "POST" else None, device=device, venues=venues
        )
        if request.method == "POST" and form.is_valid():
            venue = form.cleaned_data["venue"]
            if not can_change_venue(request.user, venue.pk):
                raise PermissionDenied
            try:
                loan = services.loan_checkout(
                    device=device,
                    resident=resident,
                    venue=venue,
                    by=request.user,
                    start_date=form.cleaned_data["start_date"],
                    kit=form.cleaned_data.get("kit", []),
                    agreement_signed=form.cleaned_data["agreement_signed"],
                )
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
                        request, _("The loan agreement is not signed yet. Have it signed.")
                    )
                return redirect("loans:loan_detail", pk=loan.pk)
    elif request.method == "POST":
        messages.error(request, _("Choose a device that can be lent and a resident first."))

    resident_active_loans = []
    resident_reservations = []
    if resident is not None:
        resident_reservations = [
            (d, url_with(device=d.pk))
            for d in selectors.device_reservations(resident=resident)
            if device is None or d.pk != device.pk
        ]
        resident_active_loans = list(selectors.resident_active_loans(resident=resident))

    context = {
        **pick,
        "device_problem": device_problem,
        # The device picker shows only while no lendable device is chosen.
        "device_form": DeviceChoiceForm(
            initial={"device": device.pk if device else None},
            devices=selectors.devices_lendable(),
        )
        if device is None or device_problem
        else None,
        "resident_active_loans": resident_active_loans,
        "resident_reservations": resident_reservations,
        "form": form,
        "policy": policy,
        "due_preview": (
            timezone.localdate() + timedelta(days=policy.term_days) if policy else None
        ),
        "has_venues": has_venues,
    }
    return render(request, "loans/checkout.html", context)


@role_required(*LOAN_ROLES)
def loan_list(request):
    """Active, due-soon or overdue loans (``?show=``), staff: their venues only."""
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
    context = {
        "loans": loans,
        "show": show,
        "counts": selectors.loan_counts(today=today, days=DUE_SOON_DAYS, venue_ids=venue_ids),
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
        "check_ins": list(selectors.loan_check_ins(loan=loan)),
        "check_in_form": check_in_form or LoanCheckInForm(),
    }


@role_required(*LOAN_ROLES)
def loan_detail(request, pk: int):
    """One loan with its check-ins and the actions the user may take (404: other venue)."""
    loan = _get_loan_for_user(request.user, pk)
    return render(request, "loans/loan_detail.html", _loan_detail_context(request, loan))


@role_required(*LOAN_ROLES)
def loan_receive(request, pk: int):
    """Receive a lent device back (URL name ``loans:return``)."""
    loan = _get_loan_for_change(request.user, pk)
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
    loan = _get_loan_for_change(request.user, pk)
    try:
        loan = services.loan_renew(loan=loan, by=request.user)
    except ValidationError as exc:
        for message in _error_messages(exc):
            messages.error(request, message)
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
    loan = _get_loan_for_change(request.user, pk)
    form = MarkLostForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return redirect("loans:loan_detail", pk=pk)
    try:
        services.loan_mark_lost(loan=loan, by=request.user, notes=form.cleaned_data["notes"])
    except ValidationError as exc:
        for message in _error_messages(exc):
            messages.error(request, message)
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
    loan = _get_loan_for_change(request.user, pk)
    form = LoanCheckInForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.loan_check_in_record(
                loan=loan,
                by=request.user,
                on=data["on"],
                channel=data["channel"],
                functions=data["functions"],
                difficulties=data["difficulties"],
                satisfaction=data["satisfaction"],
            )
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


def _policy_from_query(request) -> LoanPolicy | None:
    """The active policy named by ``?policy=``, else the one new loans use (None: none active)."""
    policies = selectors.loan_policies_active()
    wanted = request.GET.get("policy", "")
    if wanted.isdigit():
        policy = policies.filter(pk=int(wanted)).first()
        if policy is not None:
            return policy
    return policies.first()


@role_required(*LOAN_ROLES)
def applications(request):
    """Applications under an active policy; find a resident to add one; the lottery (admin)."""
    from residents.selectors import resident_search

    policy = _policy_from_query(request)
    query = request.GET.get("q", "").strip()[:100]
    context = {
        "policy": policy,
        "policies": list(selectors.loan_policies_active()),
        "query": query,
        "residents": list(resident_search(query=query, limit=20)) if query and policy else [],
        "is_administrator": user_role(request.user) == Role.ADMINISTRATOR,
        "venues": list(_venues_for(request.user)),
    }
    if policy is not None:
        apps = list(
            selectors.loan_applications(policy=policy, venue_ids=venue_ids_for(request.user))
        )
        context.update(
            applications=apps,
            applied_ids={a.resident_id for a in apps if a.status != "withdrawn"},
            pending_count=sum(1 for a in apps if a.status == LoanApplication.Status.PENDING),
            lotteries=list(selectors.loan_lotteries(policy=policy)),
            draw_form=LotteryDrawForm(initial={"policy": policy.pk}),
        )
    return render(request, "loans/applications.html", context)


def _applications_url(policy_id) -> str:
    return reverse("loans:applications") + "?" + urlencode({"policy": policy_id})


@require_POST
@role_required(*LOAN_ROLES)
def application_add(request):
    """Record an application for the chosen resident (staff and administrators)."""
    form = ApplicationAddForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return redirect(_applications_url(request.POST.get("policy", "")))
    policy, resident = form.cleaned_data["policy"], form.cleaned_data["resident"]
    venue = form.cleaned_data.get("venue")
    if venue is not None and not can_change_venue(request.user, venue.pk):
        messages.error(request, _("Choose one of your venues."))
        return redirect(_applications_url(policy.pk))
    try:
        services.loan_application_create(
            resident=resident, policy=policy, by=request.user, venue=venue
        )
    except ValidationError as exc:
        for message in _error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Application recorded for %(name)s.") % {"name": resident.name})
    return redirect(_applications_url(policy.pk))


@require_POST
@role_required(Role.ADMINISTRATOR)
def lottery_draw(request):
    """Draw among the pending applications (administrator only; staff get 403)."""
    form = LotteryDrawForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return redirect(_applications_url(request.POST.get("policy", "")))
    policy = form.cleaned_data["policy"]
    try:
        lottery = services.loan_lottery_draw(
            policy=policy,
            places=form.cleaned_data["places"],
            seed=form.cleaned_data["seed"],
            by=request.user,
        )
    except ValidationError as exc:
        for message in _error_messages(exc):
            messages.error(request, message)
        return redirect(_applications_url(policy.pk))
    messages.success(request, _("The lottery was drawn. Seed: %(seed)s.") % {"seed": lottery.seed})
    return redirect("loans:lottery_detail", pk=lottery.pk)


@role_required(*LOAN_ROLES)
def lottery_detail(request, pk: int):
    """A draw's result: seed, priority group first, selected then waitlist, each explained."""
    try:
        lottery, drawn = selectors.loan_lottery_for_detail(pk=pk)
    except LoanLottery.DoesNotExist:
        raise Http404 from None
    selected = [a for a in drawn if a.draw_position and a.draw_position <= lottery.places]
    waitlist = [a for a in drawn if a.draw_position and a.draw_position > lottery.places]
    context = {
        "lottery": lottery,
        "selected": selected,
        "waitlist": waitlist,
        "drawn_count": len(lottery.result),
        "priority_count": sum(1 for a in drawn if a.priority),
        "checkout_url": reverse("loans:checkout"),
    }
    return render(request, "loans/lottery_detail.html", context)


@role_required(*LOAN_ROLES)
def reserve(request):
    """Hold a device for a resident until checkout: choose the device, the resident, the end day.

    Reached from a device page (``?device=``) or from a selected application (``?resident=``).
    """
    pick = _pick_from_query(request, "loans:reserve")
    del pick["url_with"]
    device, resident = pick["device"], pick["resident"]

    device_problem = ""
    if device is not None and not device.is_lendable:
        device_problem = _("Device %(tag)s cannot be reserved now: it is %(status)s.") % {
            "tag": device.asset_tag,
            "status": device.get_status_display(),
        }

    form = None
    if device is not None and not device_problem and resident is not None:
        initial = {
            "until": timezone.localdate() + timedelta(days=services.DEFAULT_RESERVATION_DAYS)
        }
        form = ReserveForm(request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                services.device_reserve(
                    device=device,
                    resident=resident,
                    by=request.user,
                    until=form.cleaned_data["until"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("%(tag)s is reserved for %(name)s until %(until)s.")
                    % {
                        "tag": device.asset_tag,
                        "name": resident.name,
                        "until": services.format_day(form.cleaned_data["until"]),
                    },
                )
                return redirect("loans:device_detail", pk=device.pk)
    elif request.method == "POST":
        messages.error(request, _("Choose a device that can be reserved and a resident first."))

    context = {
        **pick,
        "device_problem": device_problem,
        "device_form": DeviceChoiceForm(
            initial={"device": device.pk if device else None},
            devices=Device.objects.filter(status=Device.Status.AVAILABLE).order_by("asset_tag"),
        ),
        "resident_reservations": list(selectors.device_reservations(resident=resident))
        if resident is not None
        else [],
        "form": form,
    }
    return render(request, "loans/reserve.html", context)


@require_POST
@role_required(*LOAN_ROLES)
def reservation_cancel(request, pk: int):
    """Release a reserved device back to available (it stays where it is in the inventory)."""
    device = get_object_or_404(Device, pk=pk)
    try:
        services.device_reservation_cancel(
            device=device, by=request.user, note=request.POST.get("note", "")[:200]
        )
    except ValidationError as exc:
        for message in _error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(
            request, _("The reservation of %(tag)s was cancelled.") % {"tag": device.asset_tag}
        )
    return redirect("loans:device_detail", pk=device.pk)
