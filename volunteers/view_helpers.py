"""Small pieces shared by the volunteers app's view modules."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from kernel.models import Role
from volunteers.models import Availability, Supporter

# Who plans and changes supporters' work: the administrator and the coordinator.
MANAGER_ROLES = (Role.ADMINISTRATOR, Role.COORDINATOR)

# Rows per page of the supporter list and the hours approval (a prefecture has 10,000
# supporters and thousands of checked-out assignments a month), as the loan lists.
PAGE_SIZE = 50


def query_without_page(request) -> str:
    """The request's query string without ``page``, url-encoded: the filters a pager keeps."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


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


def joined_windows_text(joined) -> list[str]:
    """One sentence per weekly window that was saved as one from several entered windows that
    overlapped or touched (``volunteers.services.weekly_windows_merge``), for a flash message."""
    return [
        _(
            "%(weekday)s: the times you entered overlap or follow on, so they were saved as "
            "one window, %(start)s–%(end)s."
        )
        % {
            "weekday": Availability.Weekday(weekday).label,
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
        }
        for weekday, start, end in joined
    ]
