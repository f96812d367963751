"""Small pieces shared by the volunteers app's view modules."""

from django.core.exceptions import ValidationError
from django.http import Http404

from kernel.models import Role
from volunteers.models import Supporter

# Who plans and changes supporters' work: the administrator and the coordinator.
MANAGER_ROLES = (Role.ADMINISTRATOR, Role.COORDINATOR)


def error_text(exc: ValidationError) -> str:
    """The messages of ``exc`` joined into one line for a flash message."""
    return " ".join(exc.messages)


def own_supporter(user) -> Supporter | None:
    """The Supporter linked to this login, or None."""
    return Supporter.objects.filter(user=user).first()


def own_supporter_or_404(user) -> Supporter:
    """The Supporter linked to this login; raises Http404 when there is none."""
    supporter = own_supporter(user)
    if supporter is None:
        raise Http404
    return supporter
