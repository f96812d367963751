"""Reserving a device for a resident ahead of the lending day, and cancelling the reservation."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kernel.confirm import confirm_page, is_confirmed
from kernel.once import AlreadySubmitted, already_saved, submitted_once
from kernel.roles import role_required
from loans import services, services_devices
from loans.forms import (
    ReserveForm,
)
from loans.models import Device
from loans.view_helpers import (
    LOAN_ROLES,
    can_see_reservation,
    error_messages,
    get_device_for_reservation_change,
    pick_from_query,
    resident_loans_and_reservations,
    venues_for,
)


@role_required(*LOAN_ROLES)
def reserve(request):
    """Hold a device for a resident until checkout: choose the device, the resident, the end day.

    Reached from a device page (``?device=``) or from a selected application (``?resident=``).
    """
    pick = pick_from_query(request, "loans:reserve", device_statuses=(Device.Status.AVAILABLE,))
    del pick["url_with"]
    device, resident = pick["device"], pick["resident"]

    device_problem = pick["device_problem"]
    if (
        device is not None
        and device.status == Device.Status.RESERVED
        and not can_see_reservation(request.user, device)
    ):
        device_problem = _(
            "Device %(tag)s is reserved at another venue. Choose another device."
        ) % {"tag": device.asset_tag}
    elif device is not None and not device.is_lendable:
        device_problem = _("Device %(tag)s cannot be reserved now: it is %(status)s.") % {
            "tag": device.asset_tag,
            "status": device.get_status_display(),
        }

    venues = venues_for(request.user)
    form = None
    if device is not None and not device_problem and resident is not None:
        initial = {
            "until": timezone.localdate()
            + timedelta(days=services_devices.DEFAULT_RESERVATION_DAYS)
        }
        form = ReserveForm(
            request.POST if request.method == "POST" else None,
            initial=initial,
            device=device,
            venues=venues,
        )
        if request.method == "POST" and form.is_valid():
            try:
                with submitted_once(request) as once:
                    services_devices.device_reserve(
                        device=device,
                        resident=resident,
                        by=request.user,
                        until=form.cleaned_data["until"],
                        note=form.cleaned_data["note"],
                        venue=form.cleaned_data["venue"],
                    )
                    once.result_url = reverse("loans:device_detail", args=[device.pk])
            except AlreadySubmitted as done:
                return already_saved(request, done, reverse("loans:device_list"))
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

    elsewhere: dict = {"resident_reserved_devices": [], "elsewhere_count": 0}
    if resident is not None:
        elsewhere = resident_loans_and_reservations(request.user, resident)
    context = {
        **pick,
        "device_problem": device_problem,
        "resident_reservations": elsewhere["resident_reserved_devices"],
        "elsewhere_count": elsewhere["elsewhere_count"],
        "form": form,
    }
    return render(request, "loans/reserve.html", context)


@require_POST
@role_required(*LOAN_ROLES)
def reservation_cancel(request, pk: int):
    """Release a reserved device back to available (it stays where it is in the inventory).
    A POST from the device page asks once, naming the device and the resident; the confirmed
    POST (``confirmed=yes``) releases it.

    404 for a device reserved at another venue than the user's."""
    device = get_device_for_reservation_change(request.user, pk)
    if device.status == Device.Status.RESERVED and not is_confirmed(request):
        who = device.reserved_for.name if device.reserved_for else "—"
        return confirm_page(
            request,
            title=_("Cancel this reservation?"),
            question=_("Cancel the reservation of %(tag)s for %(name)s?")
            % {"tag": device.asset_tag, "name": who},
            facts=[
                (_("Device"), device.asset_tag),
                (_("Resident"), who),
                (
                    _("Reserved until"),
                    date_format(device.reserved_until, "DATE_FORMAT")
                    if device.reserved_until
                    else "—",
                ),
                (_("Reason for cancelling (optional)"), request.POST.get("note", "")[:200] or "—"),
            ],
            note=_("The device becomes available for anyone again."),
            action_label=_("Cancel the reservation for %(name)s") % {"name": who},
            back_url=reverse("loans:device_detail", kwargs={"pk": device.pk}),
            hidden={"note": request.POST.get("note", "")[:200]},
        )
    try:
        services_devices.device_reservation_cancel(
            device=device, by=request.user, note=request.POST.get("note", "")[:200]
        )
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, str(message))
    else:
        messages.success(
            request, _("The reservation of %(tag)s was cancelled.") % {"tag": device.asset_tag}
        )
    return redirect("loans:device_detail", pk=device.pk)
