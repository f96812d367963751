"""Where to go back to after a form: a ``next`` path that is safe to redirect to."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, fallback: str = "") -> str:
    """The ``next`` value of the POST (else of the query string) when it is a path on this site.

    Returns ``fallback`` otherwise: an absolute URL to another host, ``//host``, or a bare word,
    which ``redirect()`` would take for a view name (NoReverseMatch, a 500).
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
