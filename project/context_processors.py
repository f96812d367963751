from project.models import Role
from project.roles import user_role


def roles(request):
    """Expose the user's role to templates as ``role`` plus the ``Role`` choices."""
    return {"role": user_role(getattr(request, "user", None)), "Role": Role}
