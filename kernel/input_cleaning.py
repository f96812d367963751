"""Refuse control characters in the address, the query string and form values: a 400 page.

Nobody types a control character, and PostgreSQL text cannot hold NUL (U+0000): psycopg raised
DataError, a 500, when one reached a query, e.g. an anonymous calendar app asking for
``/supporters/feeds/ab%00cd.ics`` (the token in the path) or a search a view reads from
``request.GET`` itself. Django's form CharFields already refuse NUL (ProhibitNullCharactersValidator),
but only inside forms: nothing guards the path, the parameters views read directly, or the other
C0 controls. ``ControlCharactersMiddleware`` does, once for every view:

- path, query parameter names and values: every C0 control (U+0000 to U+001F) and DEL (U+007F);
- form bodies (``application/x-www-form-urlencoded`` and ``multipart/form-data``), names and
  values of the non-file fields: C0 controls except tab, CR and LF, which a textarea sends.

Uploaded files' contents and names are left alone (the resident importer refuses binary files
with a message). The answer is a plain 400 page in the language the browser asks for.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.template.loader import render_to_string
from django.utils import translation

_IN_ADDRESS = re.compile("[\x00-\x1f\x7f]")
_IN_FORM = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def has_control_characters(data: QueryDict, pattern: re.Pattern[str] = _IN_ADDRESS) -> bool:
    """True when a key or a value of ``data`` holds a character ``pattern`` matches (default:
    C0 controls and DEL)."""
    return any(
        pattern.search(key) or any(pattern.search(value) for value in values)
        for key, values in data.lists()
    )


def refused_input(request: HttpRequest) -> bool:
    """True when the request's path, query string or form body holds a refused control
    character (see the module docstring). Reads ``request.POST`` for form bodies; a body too
    large or malformed raises as it would in the view (Django answers 400)."""
    if _IN_ADDRESS.search(request.path) or has_control_characters(request.GET):
        return True
    if request.method == "POST" and request.content_type in _FORM_TYPES:
        return has_control_characters(request.POST, _IN_FORM)
    return False


class ControlCharactersMiddleware:
    """Answer 400 (template ``project/bad_input.html``) to a request with control characters.

    Place early, after SecurityMiddleware and CSPMiddleware, so that no other middleware, and
    no view, sees such a request (the page is translated without LocaleMiddleware: the language
    comes from the language cookie or the browser's Accept-Language, Japanese by default).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if refused_input(request):
            with translation.override(translation.get_language_from_request(request)):
                return HttpResponseBadRequest(render_to_string("project/bad_input.html"))
        return self.get_response(request)
