"""What the device, loan, lottery and reservation pages share: who may see or change a loan, the
page sizes, and the search-and-choose step for a resident and a device."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from classes.selectors import active_venues
from kernel.models import Role
from kernel.roles import can_change_venue, venue_ids_for
from loans import selectors
from loans.forms import (
    CheckoutPickForm,
)
from loans.models import Device, Loan

LOAN_ROLES = (Role.ADMINISTRATOR, Role.STAFF)
LOAN_LIST_VIEWS = ("active", "due_soon", "overdue")
DUE_SOON_DAYS = 7
# The city has thousands of devices: one page of the device list renders in tens of ms, all of
# them took seconds (manage.py bench_load).
DEVICE_PAGE_SIZE = 50
# Loans per page of the loan list.
LOAN_PAGE_SIZE = 50
# Matches of a device search on the lend and reserve pages; staff type more to narrow it down.
DEVICE_PICK_LIMIT = 20


def venues_for(user):
    """Venues where ``user`` may lend and receive devices."""
    return active_venues(venue_ids=venue_ids_for(user)).order_by("name_kana", "code")


def can_see_loan(user, loan: Loan) -> bool:
    """True when ``loan`` was made at one of ``user``'s venues (administrators: every venue)."""
    ids = venue_ids_for(user)
    return ids is None or loan.venue_id in ids


def get_loan_for_user(user, pk: int) -> Loan:
    """The loan if ``user`` may see it, else 404."""
    try:
        loan = selectors.loan_for_detail(pk=pk)
    except Loan.DoesNotExist:
        raise Http404 from None
    if not can_see_loan(user, loan):
        raise Http404
    return loan


def get_loan_for_change(user, pk: int) -> Loan:
    """The loan if ``user`` may change it: 404 when they may not see it, 403 when only see it."""
    loan = get_loan_for_user(user, pk)
    if not can_change_venue(user, loan.venue_id):
        raise PermissionDenied
    return loan


def can_see_reservation(user, device: Device) -> bool:
    """True when ``user`` may see whom ``device`` is reserved for and change the reservation:
    it was made at one of their venues (administrators: every venue)."""
    return can_change_venue(user, device.reserved_venue_id)


def get_device_for_reservation_change(user, pk: int) -> Device:
    """The device if ``user`` may change its reservation: 404 for an unknown device and for a
    device reserved at another venue (its resident stays hidden), else the device."""
    device = get_object_or_404(Device, pk=pk)
    if device.status == Device.Status.RESERVED and not can_see_reservation(user, device):
        raise Http404
    return device


def resident_loans_and_reservations(user, resident) -> dict:
    """What the lend and reserve pages tell about ``resident``'s other devices, limited to what
    ``user``'s venues allow: ``resident_active_loans`` (their active loans made at the user's
    venues), ``resident_reserved_devices`` (devices reserved for them at the user's venues) and
    ``elsewhere_count``, how many more loans and reservations they hold at other venues (a number
    only: staff need to know the policy's limit may be reached, not where or what)."""
    loans = list(selectors.resident_active_loans(resident=resident))
    reserved = list(selectors.device_reservations(resident=resident))
    visible_loans = [loan for loan in loans if can_see_loan(user, loan)]
    visible_reserved = [device for device in reserved if can_see_reservation(user, device)]
    return {
        "resident_active_loans": visible_loans,
        "resident_reserved_devices": visible_reserved,
        "elsewhere_count": len(loans) - len(visible_loans) + len(reserved) - len(visible_reserved),
    }


def error_messages(exc: ValidationError) -> list[str]:
    """The messages of ``exc`` as plain strings, ready for ``messages.error``."""
    return [str(m) for m in exc.messages]


def pick_from_query(request, url_name: str, *, device_statuses: tuple[str, ...]) -> dict:
    """What the lend or reserve page (``url_name``) has picked so far, from its query string.

    Returns the part of the page context both pages share: ``device`` and ``resident`` (or None;
    an unknown resident id is dropped with a message, an unknown device id with the
    ``device_problem`` the device step shows), the device search ``device_query`` and its
    matches ``devices_found`` among the devices in ``device_statuses``, as (device, URL choosing
    it) pairs, at most DEVICE_PICK_LIMIT, with ``devices_more`` True when more match; the
    resident search ``query`` and its matches ``residents`` as (resident, URL choosing them)
    pairs, ``picker_url`` (the page's own URL for the step forms), ``change_device_url`` and
    ``change_resident_url``; ``own_venue_ids`` (the user's venues, None for an administrator),
    ``other_venues`` (the search includes other venues' devices, after the user's own, when
    ``can_show_other_venues``), ``device_at_other_venue`` (the chosen device's home venue is
    not the user's: lending it records a transfer); and ``url_with``, a function giving the page's URL with the current
    picks and some of them changed (``url_with(device=pk)``; an empty value drops that pick).
    """
    from residents.selectors import resident_search

    pick = CheckoutPickForm(request.GET)
    pick.is_valid()  # unknown ids and over-long searches are dropped
    picked = getattr(pick, "cleaned_data", {})
    device, resident, query = picked.get("device"), picked.get("resident"), picked.get("q", "")
    device_query = picked.get("device_q", "").strip()
    device_problem = ""
    if pick.errors.get("device"):
        device_problem = _("That device does not exist (any more). Search for it and choose again.")
    if pick.errors.get("resident"):
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
    # Staff see their venues' devices first and the others only when they ask for them.
    venue_ids = venue_ids_for(request.user)
    other_venues = bool(picked.get("other_venues"))
    devices_found = []
    if device is None and device_query:
        devices_found = selectors.device_pick_search(
            search=device_query,
            statuses=device_statuses,
            limit=DEVICE_PICK_LIMIT + 1,
            venue_ids=venue_ids,
            other_venues=other_venues,
        )
    own_venue_ids = None if venue_ids is None else set(venue_ids)
    return {
        "own_venue_ids": own_venue_ids,
        "other_venues": other_venues,
        "can_show_other_venues": own_venue_ids is not None,
        "device_at_other_venue": (
            device is not None
            and own_venue_ids is not None
            and device.home_venue_id is not None
            and device.home_venue_id not in own_venue_ids
        ),
        "device": device,
        "device_problem": device_problem,
        "device_query": device_query,
        "devices_found": [(d, url_with(device=d.pk)) for d in devices_found[:DEVICE_PICK_LIMIT]],
        "devices_more": len(devices_found) > DEVICE_PICK_LIMIT,
        "resident": resident,
        "query": query,
        "residents": [(r, url_with(resident=r.pk)) for r in found],
        "picker_url": picker_url,
        "change_device_url": url_with(device=""),
        "change_resident_url": url_with(resident=""),
        "url_with": url_with,
    }
