"""What the page benchmarks share: the bench accounts, a test client that passes the host
checks, a GET that fails unless it answers 200, and p50/p95 timing."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from classes.models import Venue
from kernel.mfa import has_totp
from kernel.models import Profile, Role

BENCH_USERNAME = "bench-staff"
BENCH_ADMIN_USERNAME = "bench-admin"
WARMUP = 3


def bench_user(venue: Venue | None):
    """The center-staff user of ``venue``, or with None an administrator (no password)."""
    User = get_user_model()
    username = BENCH_USERNAME if venue else BENCH_ADMIN_USERNAME
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if venue is None and not user.is_superuser:
        # The admin site's lists are timed too (bench_slow_views): it needs is_staff.
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    role = Role.STAFF if venue else Role.ADMINISTRATOR
    profile, _ = Profile.objects.update_or_create(user=user, defaults={"role": role})
    profile.venues.set([venue] if venue else [])
    if role == Role.ADMINISTRATOR and not has_totp(user):
        # Administrators must have an authenticator app (kernel.mfa); without one every
        # page would send the bench administrator to the set-up page.
        TOTP.activate(user, generate_totp_secret())
    return user


def bench_client(user=None) -> Client:
    """A test client (logged in as ``user`` when given) whose host passes ALLOWED_HOSTS
    (``testserver`` is allowed with DEBUG)."""
    hosts = [h for h in settings.ALLOWED_HOSTS if h != "*"]
    host = "testserver"
    if "*" not in settings.ALLOWED_HOSTS and "testserver" not in hosts and hosts:
        host = hosts[0].lstrip(".")
    secure = bool(getattr(settings, "SECURE_SSL_REDIRECT", False))
    client = Client(HTTP_HOST=host, secure=secure)
    if user is not None:
        client.force_login(user)
    return client


def page_get(
    client: Client, name: str, *, kwargs: dict | None = None, **params
) -> Callable[[], object] | None:
    """A function that GETs the named URL and fails unless the answer is 200; None when the URL
    name does not exist (yet)."""
    try:
        url = reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None

    def run():
        response = client.get(url, params)
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code} for {url}")
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)  # type: ignore[attr-defined]  # the time to send it all counts
        return response

    return run


def percentile(times: list[float], share: float) -> float:
    """The ``share`` (0..1) percentile of ``times`` by the nearest-rank method."""
    ordered = sorted(times)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def measure(
    func: Callable[[], object], iterations: int, *, warmup: int = WARMUP
) -> tuple[str, str, int, str]:
    """Run ``func`` ``warmup`` times, then ``iterations`` timed times. Returns p50, p95 (ms,
    formatted), the query count of the largest run and a note when the count varied."""
    for _ in range(warmup):
        func()
    times = []
    query_counts = set()
    for _ in range(iterations):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            func()
            times.append((time.perf_counter() - started) * 1000)
        query_counts.add(len(ctx.captured_queries))
    note = (
        "" if len(query_counts) == 1 else f"queries varied {min(query_counts)}-{max(query_counts)}"
    )
    return (
        f"{statistics.median(times):.1f}",
        f"{percentile(times, 0.95):.1f}",
        max(query_counts),
        note,
    )
