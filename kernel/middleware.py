"""Request middleware of the project.

``AdministratorMFARequiredMiddleware`` keeps an administrator who has not set up an authenticator
app away from every page but the ones needed to set it up (or to log out).
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from kernel.mfa import has_totp, mfa_required_for


def _exempt_prefixes() -> tuple[str, ...]:
    # Built per request (cheap) rather than at import: reverse() needs the URLconf loaded.
    return (
        reverse("mfa_index"),  # /accounts/2fa/...: activation, recovery codes
        reverse("account_logout"),
        reverse("account_login"),
        reverse("account_reauthenticate"),  # activation asks for the password again
        reverse("set_language").rsplit("setlang/", 1)[0],  # /i18n/
        "/" + settings.STATIC_URL.lstrip("/"),
    )


class AdministratorMFARequiredMiddleware:
    """Redirect an administrator without an authenticator app to the activation page.

    Place after AuthenticationMiddleware and allauth's AccountMiddleware. Answers a redirect (302)
    to ``mfa_activate_totp`` (which goes on to the recovery codes); marks the request with
    ``request.mfa_setup_required = True`` so the activation page can say why.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if mfa_required_for(user) and not has_totp(user):
            request.mfa_setup_required = True  # type: ignore[attr-defined]
            if not request.path.startswith(_exempt_prefixes()):
                return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


class PrivatePagesNoStoreMiddleware:
    """``Cache-Control: private, no-store`` on every answer to a logged-in user that does not set
    its own, so that no browser cache, shared PC or proxy keeps a page with residents' names,
    phone numbers or birth dates after logout (the back button then asks the server again).
    Answers to anonymous users (login page, public feeds) keep their own caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response
