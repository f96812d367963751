"""Role checks shared by every view.

A view asks ``require_role(request.user, ...)`` (403 when the role may not use the page) and scopes
objects with ``venue_ids_for(user)``: ``None`` means every venue (administrator, coordinator).
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from kernel.models import Profile, Role

ALL_ROLES = tuple(Role)
OFFICE_ROLES = (Role.ADMINISTRATOR, Role.STAFF, Role.COORDINATOR)


def user_role(user: Any) -> str | None:
    """Return the user's Role value, or None for anonymous users and users without a profile."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return Role.ADMINISTRATOR
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        profile = Profile.objects.filter(user=user).only("role").first()
        cached = profile.role if profile else ""
        user._role_cache = cached
    return cached or None


def venue_ids_for(user: Any) -> set[int] | None:
    """Venue ids the user may change; None means all venues; an empty set means none."""
    role = user_role(user)
    if role in (Role.ADMINISTRATOR, Role.COORDINATOR):
        return None
    if role == Role.STAFF:
        cached = getattr(user, "_venue_ids_cache", None)
        if cached is None:
            cached = set(
                Profile.venues.through.objects.filter(profile__user=user).values_list(
                    "venue_id", flat=True
                )
            )
            user._venue_ids_cache = cached
        return cached
    return set()


def can_change_venue(user: Any, venue_id: int | None) -> bool:
    """True when the user may change sessions, registrations and loans at this venue."""
    ids = venue_ids_for(user)
    if ids is None:
        return True
    return venue_id is not None and venue_id in ids


def require_role(user: Any, roles: Iterable[str]) -> None:
    """Raise PermissionDenied (403) unless the user holds one of ``roles``."""
    if user_role(user) not in set(roles):
        raise PermissionDenied


def role_required(*roles: str) -> Callable:
    """View decorator: login required, then 403 unless the user holds one of ``roles``."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require_role(request.user, roles)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
