"""A small fixed-window request limit per client address, kept in the shared cache.

For the few pages anyone may open without logging in (the seat offer link): a client that asks
more than ``limit`` times within ``window`` seconds is answered 429 until the window ends. The
login pages have allauth's own limits (``kernel.adapters``).
"""

import time

from django.core.cache import cache
from django.http import HttpRequest

from kernel.audit import client_ip


def rate_limited(request: HttpRequest, *, scope: str, limit: int, window: int = 60) -> bool:
    """Count this request of ``scope`` for the client's address; True when it is over ``limit``
    requests in the current ``window`` (seconds). ``limit`` 0 turns the limit off."""
    if limit <= 0:
        return False
    slot = int(time.time() // window)
    key = f"rate:{scope}:{client_ip(request) or '-'}:{slot}"
    # add() then incr(): the first request of a window creates the counter, later ones count.
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count > limit
