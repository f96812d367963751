"""The idle timeout without writing the session row on every request.

A login ends ``SESSION_COOKIE_AGE`` seconds (30 minutes) after the user's last request. Django's
``SESSION_SAVE_EVERY_REQUEST`` does that by saving the session on every request: one UPDATE and
one commit (an fsync on PostgreSQL) per page, the largest fixed cost of a page under load.

``SessionIdleRefreshMiddleware`` saves it only when the last save is more than
``SESSION_IDLE_REFRESH_SECONDS`` (60 s) old, which pushes the end back to now + 30 minutes just
the same. So a login still lasts while it is in use and ends after between 29 and 30 idle minutes
(never later than 30): at most the refresh interval early.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Session key holding when the session was last saved (epoch seconds, int).
REFRESHED_AT_KEY = "_idle_refreshed_at"


class SessionIdleRefreshMiddleware:
    """Mark the session modified (so SessionMiddleware saves it with a new expiry) when it was
    last saved more than ``SESSION_IDLE_REFRESH_SECONDS`` ago, or has never been stamped.

    Place right after ``SessionMiddleware``. Only sessions that hold data and that the request
    read (every logged-in page reads it to find the user) are refreshed: an anonymous request
    without a session cookie gets no session. ``SESSION_IDLE_REFRESH_SECONDS = None`` turns the
    refresh off (the test settings do, so query counts stay stable).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        interval = getattr(settings, "SESSION_IDLE_REFRESH_SECONDS", None)
        session = getattr(request, "session", None)
        if (
            interval is None
            or session is None
            or settings.SESSION_SAVE_EVERY_REQUEST  # saved anyway
            or not session.accessed
            or session.is_empty()
            or not session.keys()  # an unknown or expired key: nothing to keep alive
        ):
            return response
        now = int(time.time())
        last = session.get(REFRESHED_AT_KEY)
        # A save that happens anyway (login, a message) carries the new stamp for free.
        if (
            session.modified
            or not isinstance(last, int)
            or now - last >= interval
            or last > now  # clock moved back
        ):
            session[REFRESHED_AT_KEY] = now
        return response
