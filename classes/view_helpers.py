"""What the session, phone and series pages share: who may see or change a venue's sessions, and
how the resident search and service errors reach the page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from classes.forms import PhoneSearchForm
from classes.models import SeatOffer, Session
from kernel.dates import datetime_full
from kernel.models import Role
from kernel.roles import can_change_venue, user_role
from residents.models import Resident
from residents.selectors import resident_search

VIEW_ROLES = (Role.ADMINISTRATOR, Role.STAFF, Role.COORDINATOR)
CHANGE_ROLES = (Role.ADMINISTRATOR, Role.STAFF)


def can_change(user, venue_id: int | None) -> bool:
    """True when the user may change sessions (and their registrations) at ``venue_id``."""
    return user_role(user) in CHANGE_ROLES and can_change_venue(user, venue_id)


def check_venue_access(user, venue_id: int | None, *, change: bool = False) -> None:
    """404 for staff of another venue (the registrant list is personal data); with ``change``,
    403 unless the user may change things at ``venue_id``."""
    if user_role(user) == Role.STAFF and not can_change_venue(user, venue_id):
        raise Http404
    if change and not can_change(user, venue_id):
        raise PermissionDenied


def get_session_for_user(user, pk: int, *, change: bool = False) -> Session:
    """The session if the user may see it (404 otherwise) and, with ``change``, change it (403)."""
    session = get_object_or_404(
        Session.objects.select_related("venue", "topic", "organiser"), pk=pk
    )
    check_venue_access(user, session.venue_id, change=change)
    return session


def first_error(exc: ValidationError) -> str:
    """Every message of ``exc`` as one line for ``messages.error``."""
    return " ".join(exc.messages)


def tell_promoted(request, offer: SeatOffer | None) -> None:
    """Tell staff who was just offered a freed seat, and how they will be asked, if anyone."""
    if offer is None:
        return
    resident = offer.registration.resident
    deadline = datetime_full(timezone.localtime(offer.expires_at))
    if offer.channel == SeatOffer.Channel.MAIL:
        messages.info(
            request,
            _(
                "The freed seat is offered to %(name)s, first on the waitlist, by email until "
                "%(deadline)s. They keep their place on the waitlist until they answer."
            )
            % {"name": resident.name, "deadline": deadline},
        )
    else:
        messages.warning(
            request,
            _(
                "The freed seat is offered to %(name)s, first on the waitlist, until "
                "%(deadline)s. Please call them (%(phone)s) and record the answer on the call "
                "list."
            )
            % {"name": resident.name, "deadline": deadline, "phone": resident.phone or "-"},
        )


def resident_from(value) -> Resident | None:
    """The resident whose id is the posted or query text ``value``; None when there is none."""
    try:
        return Resident.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        return None


def resident_search_form(request, *, allowed: bool) -> tuple[PhoneSearchForm, list | None]:
    """The resident search form of a page and its results (up to 10; None when not searched or
    the user may not change the page)."""
    form = PhoneSearchForm(request.GET or None)
    results = None
    if allowed and form.is_valid() and form.cleaned_data["q"]:
        results = list(resident_search(query=form.cleaned_data["q"], limit=10))
    return form, results
