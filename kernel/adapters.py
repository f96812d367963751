import hashlib
import time
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from kernel.audit import client_ip


def _name_failures_key(login: str) -> str:
    digest = hashlib.sha256(login.strip().lower().encode()).hexdigest()
    return f"kernel:login-failures:{digest}"


def login_delay_seconds(login: str, *, now: float | None = None) -> int:
    """Seconds the next login attempt for user name ``login`` must still wait (0: none).

    After ``LOGIN_LOCKOUT_ATTEMPTS`` failures for the name from any address within
    ``LOGIN_LOCKOUT_MINUTES``, each further attempt waits 2, 4, 8... seconds after the last
    failure, at most ``LOGIN_DELAY_MAX_SECONDS``. Read from the shared cache.
    """
    failures, last = cache.get(_name_failures_key(login), (0, 0.0))
    over = failures - settings.LOGIN_LOCKOUT_ATTEMPTS
    if over < 0:
        return 0
    delay = min(2 ** (over + 1), settings.LOGIN_DELAY_MAX_SECONDS)
    remaining = last + delay - (time.time() if now is None else now)
    return max(0, int(remaining + 0.999))


class NoSignupAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by the administrator (admin site or ``manage.py createsuperuser``).

    Login protection (see the settings): allauth's ``login_failed`` rate limit counts one user
    name *from one address* (the key below) and one address; this adapter adds the progressive
    delay per user name from every address.
    """

    def is_open_for_signup(self, request):  # noqa: ARG002
        return False

    def get_client_ip(self, request) -> str:
        # The same address the audit trail records (kernel.audit.client_ip): REMOTE_ADDR, or what
        # the configured number of trusted proxies saw. allauth's own rule fails the login with
        # an error when a request has fewer X-Forwarded-For entries than trusted proxies.
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def _get_login_attempts_cache_key(self, request, **credentials: Any) -> str:
        # allauth's key is the user name alone, so five wrong passwords from anywhere would lock
        # the real user out; counting per name and address leaves a stranger only their own.
        return (
            f"{super()._get_login_attempts_cache_key(request, **credentials)}@{client_ip(request)}"
        )

    def pre_authenticate(self, request, **credentials: Any) -> None:
        super().pre_authenticate(request, **credentials)  # the lock-out per name and address
        wait = login_delay_seconds(credentials.get("username", ""))
        if wait:
            # Refused before the password is checked: this try is not a failure to count.
            self._rollback_login_failed_rl_usage()
            raise ValidationError(
                gettext(
                    "Several wrong passwords were entered for this user name. Wait %(seconds)d "
                    "seconds, then try again."
                )
                % {"seconds": wait},
                code="login_delayed",
            )

    def authentication_failed(self, request, **credentials: Any) -> None:
        key = _name_failures_key(credentials.get("username", ""))
        failures, _last = cache.get(key, (0, 0.0))
        cache.set(key, (failures + 1, time.time()), settings.LOGIN_LOCKOUT_MINUTES * 60)
        super().authentication_failed(request, **credentials)

    def validation_error(self, code, *args) -> ValidationError:
        # allauth's lock-out message says only "try again later": say how long, and whom to ask.
        if code == "too_many_login_attempts":
            return ValidationError(
                gettext(
                    "Too many failed login attempts for this user name from this computer. For "
                    "your safety, logging in is blocked for up to %(minutes)d minutes. Try again "
                    "later, or ask the program administrator."
                )
                % {"minutes": settings.LOGIN_LOCKOUT_MINUTES},
                code=code,
            )
        return super().validation_error(code, *args)
