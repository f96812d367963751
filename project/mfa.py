"""Two-factor authentication (allauth.mfa's TOTP and recovery codes): who must use it.

Every user may turn on an authenticator app from the security page (``mfa_index``). Administrators
must: with ``settings.MFA_REQUIRED_FOR_ADMINISTRATORS`` on, ``project.middleware`` sends an
administrator without an active authenticator app to the activation page, and the adapter below
refuses to switch theirs off.
"""

from typing import Any

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings

from project.models import Role
from project.roles import user_role


def mfa_required_for(user: Any) -> bool:
    """True when ``user`` must protect their login with an authenticator app.

    Administrators (role administrator, superusers) and anyone who may open the admin site
    (``is_staff``) hold every resident's data; the rule is off when
    ``settings.MFA_REQUIRED_FOR_ADMINISTRATORS`` is False (the test settings).
    """
    if not getattr(settings, "MFA_REQUIRED_FOR_ADMINISTRATORS", True):
        return False
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or user.is_superuser or user_role(user) == Role.ADMINISTRATOR)


def has_totp(user: Any) -> bool:
    """True when ``user`` has an activated authenticator app (TOTP). One query."""
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


class MFAAdapter(DefaultMFAAdapter):
    """allauth.mfa adapter: administrators cannot switch their authenticator app off."""

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type == Authenticator.Type.TOTP and mfa_required_for(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
