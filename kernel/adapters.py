from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext


class NoSignupAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by the administrator (admin site or ``manage.py createsuperuser``)."""

    def is_open_for_signup(self, request):  # noqa: ARG002
        return False

    def validation_error(self, code, *args) -> ValidationError:
        # allauth's lock-out message says only "try again later": say how long, and whom to ask.
        if code == "too_many_login_attempts":
            return ValidationError(
                gettext(
                    "Too many failed login attempts for this user name. For your safety, logging "
                    "in is blocked for up to %(minutes)d minutes. Try again later, or ask the "
                    "program administrator."
                )
                % {"minutes": settings.LOGIN_LOCKOUT_MINUTES},
                code=code,
            )
        return super().validation_error(code, *args)
