"""``manage.py bench``: time the busiest pages on a city-scale data set.

Measures, as a center-staff user through Django's test client: the dashboard, the phone
registration search (kana prefix, phone tail, kanji name), the resident search selector on its
own, a session detail page, the device list and the lend page with a resident chosen. Prints
p50/p95 milliseconds and the queries each page makes.
"""

import importlib
import math
import statistics
import time
from collections.abc import Callable

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Q
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from classes.models import Registration, Session, Venue
from devtools.demo.city import CITY_DEFAULTS
from devtools.limits import BENCH_AUDIT_READ_LIMIT, read_limit_line
from devtools.tables import format_table
from kernel.mfa import has_totp
from kernel.models import Profile, Role
from loans.models import Device, Loan
from residents.models import Resident
from volunteers.models import Assignment, Supporter

BENCH_USERNAME = "bench-staff"
BENCH_ADMIN_USERNAME = "bench-admin"
WARMUP = 3


class Command(BaseCommand):
    help = (
        "Benchmark the dashboard, phone-registration search, session detail, device list and lend "
        "page on the current database. Generates the city data set first when there are fewer "
        "than 100,000 residents (times --scale)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--iterations", type=int, default=50, help="timed runs per page")
        parser.add_argument(
            "--skip-generate", action="store_true", help="measure the data as it is"
        )
        parser.add_argument(
            "--scale", type=float, default=1.0, help="city data set size (see generate_city)"
        )

    def handle(self, *args, **options):
        with override_settings(AUDIT_READ_LIMIT=BENCH_AUDIT_READ_LIMIT):
            self.stdout.write(read_limit_line(settings.AUDIT_READ_LIMIT))
            self._run(**options)

    def _run(self, *, iterations: int, skip_generate: bool, scale: float, **options):
        if iterations < 1:
            raise CommandError("--iterations must be at least 1.")
        wanted = max(1, round(CITY_DEFAULTS["residents"] * scale))
        generated = None
        if not skip_generate and Resident.objects.count() < wanted:
            started = time.monotonic()
            call_command("generate_city", scale=scale, stdout=self.stdout)
            generated = time.monotonic() - started
        self._print_counts(generated)

        venue = self._bench_venue()
        user = self._bench_user(venue)
        client = _client()
        client.force_login(user)
        resident = self._sample_resident()
        session = self._sample_session(venue)

        admin_client = _client()
        admin_client.force_login(self._bench_user(None))
        cases: list[tuple[str, Callable[[], object] | None]] = [
            ("dashboard", _get(client, "dashboard")),
            ("dashboard (administrator, all venues)", _get(admin_client, "dashboard")),
        ]
        if resident is not None:
            # What staff type: the family name in kana, the last digits, the name in kanji.
            kana_prefix = resident.name_kana.split(" ")[0]
            phone_tail = resident.phone_digits[-4:]
            queries = [("kana", kana_prefix), ("phone tail", phone_tail), ("kanji", resident.name)]
            for label, q in queries:
                cases.append((f"phone search: {label} {q!r}", _get(client, "classes:phone", q=q)))
            search = _resident_search()
            for label, q in queries:
                if search is None:
                    cases.append((f"resident_search: {label}", None))
                else:

                    def run_search(q: str = q) -> object:
                        return list(search(query=q, limit=30))

                    cases.append((f"resident_search: {label} {q!r}", run_search))
        if session is not None:
            cases.append(
                (
                    f"session detail ({session.n} registrations)",
                    _get(client, "classes:session_detail", pk=session.pk),
                )
            )
        cases.append(("device list", _get(client, "loans:device_list")))
        if resident is not None:
            cases.append(
                (
                    f"lend page (resident {resident.pk} chosen)",
                    _get(client, "loans:checkout", resident=resident.pk),
                )
            )

        rows: list[tuple[str, str, str, int | str, str]] = []  # page, p50, p95, queries, note
        for label, func in cases:
            if func is None:
                rows.append((label, "n/a", "n/a", "n/a", "not available"))
                continue
            try:
                rows.append((label, *_measure(func, iterations)))
            except Exception as exc:  # one broken page should not hide the others' figures
                rows.append((label, "error", "", "", f"{type(exc).__name__}: {exc}"[:80]))
        self._print_table(rows, iterations, user, venue)

    def _print_counts(self, generated: float | None) -> None:
        counts = [
            ("residents", Resident.objects.count()),
            ("sessions", Session.objects.count()),
            ("registrations", Registration.objects.count()),
            ("devices", Device.objects.count()),
            ("loans", Loan.objects.count()),
            ("active loans", Loan.objects.filter(status=Loan.Status.ACTIVE).count()),
            ("supporters", Supporter.objects.count()),
            ("assignments", Assignment.objects.count()),
        ]
        self.stdout.write(f"Database: {connection.vendor} {connection.settings_dict.get('NAME')}")
        if generated is None:
            self.stdout.write("Data set: existing (not generated in this run)")
        else:
            self.stdout.write(f"Data set: generated in {generated:.1f} s")
        for name, count in counts:
            self.stdout.write(f"  {name:<14} {count:>9,}")

    def _bench_venue(self) -> Venue:
        venue = (
            Venue.objects.filter(code="iwaki-chuo").first() or Venue.objects.order_by("id").first()
        )
        if venue is None:
            raise CommandError("No venues: run `manage.py load_program_data` first.")
        return venue

    def _bench_user(self, venue: Venue | None):
        """The center-staff user of ``venue``, or with None an administrator (no password)."""
        User = get_user_model()
        username = BENCH_USERNAME if venue else BENCH_ADMIN_USERNAME
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        role = Role.STAFF if venue else Role.ADMINISTRATOR
        profile, _ = Profile.objects.update_or_create(user=user, defaults={"role": role})
        profile.venues.set([venue] if venue else [])
        if role == Role.ADMINISTRATOR and not has_totp(user):
            # Administrators must have an authenticator app (kernel.mfa); without one every
            # page would send the bench administrator to the set-up page.
            TOTP.activate(user, generate_totp_secret())
        return user

    def _sample_resident(self) -> Resident | None:
        """A resident from the middle of the table, with a phone number, so each run is alike."""
        qs = Resident.objects.exclude(phone_digits="").exclude(search_kana="").order_by("id")
        total = qs.count()
        return qs[total // 2] if total else None

    def _sample_session(self, venue: Venue):
        """A session at ``venue`` with about 15 registrations (closest to 15)."""
        qs = Session.objects.filter(venue=venue).annotate(
            n=Count("registrations", filter=~Q(registrations__status="cancelled"))
        )
        for low, high in ((14, 16), (10, 20), (1, 1000)):
            found = qs.filter(n__gte=low, n__lte=high).order_by("-starts_at").first()
            if found:
                return found
        return None

    def _print_table(self, rows, iterations: int, user, venue: Venue) -> None:
        self.stdout.write("")
        self.stdout.write(
            f"As {user.get_username()} (center staff, {venue.name}); {WARMUP} warm-up runs, "
            f"{iterations} timed runs each."
        )
        header = ("page", "p50 ms", "p95 ms", "queries", "note")
        for line in format_table([header, *rows], right=(1, 2, 3)):
            self.stdout.write(line)


def _client() -> Client:
    """A test client whose host passes ALLOWED_HOSTS (``testserver`` is allowed with DEBUG)."""
    hosts = [h for h in settings.ALLOWED_HOSTS if h != "*"]
    host = "testserver"
    if "*" not in settings.ALLOWED_HOSTS and "testserver" not in hosts and hosts:
        host = hosts[0].lstrip(".")
    secure = bool(getattr(settings, "SECURE_SSL_REDIRECT", False))
    return Client(HTTP_HOST=host, secure=secure)


def _get(client: Client, name: str, pk: int | None = None, **params) -> Callable[[], object] | None:
    """A function that GETs the named URL and fails unless the answer is 200; None when the URL
    name does not exist (yet)."""
    try:
        url = reverse(name, kwargs={"pk": pk} if pk is not None else None)
    except NoReverseMatch:
        return None

    def run():
        response = client.get(url, params)
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code} for {url}")
        return response

    return run


def _resident_search():
    """``residents.selectors.resident_search``, or None while that selector does not exist."""
    try:
        return importlib.import_module("residents.selectors").resident_search
    except (ImportError, AttributeError):
        return None


def _measure(func: Callable[[], object], iterations: int) -> tuple[str, str, int, str]:
    """Run ``func`` WARMUP times, then ``iterations`` timed times. Returns p50, p95 (ms), the
    query count of the last run and a note when the count varied between runs."""
    for _ in range(WARMUP):
        func()
    times = []
    query_counts = set()
    for _ in range(iterations):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            func()
            times.append((time.perf_counter() - started) * 1000)
        query_counts.add(len(ctx.captured_queries))
    times.sort()
    p95 = times[max(0, math.ceil(0.95 * len(times)) - 1)]
    note = (
        "" if len(query_counts) == 1 else f"queries varied {min(query_counts)}-{max(query_counts)}"
    )
    return f"{statistics.median(times):.1f}", f"{p95:.1f}", max(query_counts), note
