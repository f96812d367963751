"""Authentication backends that read the user's profile with the user.

Every page needs the user's role (kernel.roles.user_role); loading the profile in the same
query as the user saves one query per request. Logging in works as in the backends they extend.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend


class _ProfileWithUser(DjangoModelBackend):
    def get_user(self, user_id):
        """The active user with primary key ``user_id`` and its profile (one query), or None."""
        UserModel = get_user_model()
        try:
            user = UserModel._default_manager.select_related("profile").get(pk=user_id)
        except UserModel.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        profile = getattr(user, "profile", None)
        # The cache kernel.roles.user_role reads ("" = no profile, no role).
        user._role_cache = profile.role if profile is not None else ""  # type: ignore[attr-defined]
        return user


class ModelBackend(_ProfileWithUser):
    """django.contrib.auth's ModelBackend (the admin login) with the profile read at once."""


class AuthenticationBackend(_ProfileWithUser, AllauthBackend):
    """allauth's backend (the site's login) with the profile read at once."""
