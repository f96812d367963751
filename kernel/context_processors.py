from kernel.models import Role
from kernel.roles import OFFICE_ROLES, user_role
from kernel.tasks_util import broker_is_down


def roles(request):
    """Expose the user's role to templates as ``role`` plus the ``Role`` choices."""
    return {"role": user_role(getattr(request, "user", None)), "Role": Role}


def background_tasks(request):
    """``background_tasks_down``: True for office users while the Celery broker cannot be reached
    (checked at most every 30 s, see kernel.tasks_util), so base.html shows a warning."""
    role = user_role(getattr(request, "user", None))
    return {"background_tasks_down": role in OFFICE_ROLES and broker_is_down()}
