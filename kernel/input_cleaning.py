"""Remove NUL characters from every query string and form value before a view sees them.

PostgreSQL text cannot hold NUL (U+0000): psycopg raises DataError, a 500, when one reaches a
query. Django's form CharFields refuse NUL with a message, but a view that reads
``request.GET["q"]`` directly (searches, filters) passed it straight to the database. Nobody
types NUL, so it is dropped here, once for all views, and the cleaned value is validated as usual.
Uploaded files are left alone (the resident importer refuses binary files with a message).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.http import HttpRequest, QueryDict

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict


def _without_nul(data: QueryDict) -> _ImmutableQueryDict | None:
    """A copy of ``data`` with NUL removed from keys and values; None when there is none."""
    if not any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists()):
        return None
    cleaned = QueryDict(mutable=True)
    for key, values in data.lists():
        cleaned.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
    cleaned._mutable = False
    return cast("_ImmutableQueryDict", cleaned)


class StripNulMiddleware:
    """Placed after CsrfViewMiddleware; works on request.GET and request.POST in process_view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        cleaned = _without_nul(request.GET)
        if cleaned is not None:
            request.GET = cleaned
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            cleaned = _without_nul(request.POST)
            if cleaned is not None:
                request.POST = cleaned
        return None
