"""``manage.py bench``: time the busiest pages on a city-scale data set.

Measures, as a center-staff user through Django's test client: the dashboard, the phone
registration search (kana prefix, phone tail, kanji name), the resident search selector on its
own, a session detail page, the device list and the lend page with a resident chosen. Prints
p50/p95 milliseconds and the queries each page makes, then each goal with ``met`` or
``missed: <what>``: phone search (kana, phone tail, kanji), session detail and dashboard p95
under 50 ms.

The data set's size is ``--scale`` (default: the ``BENCH_SCALE`` variable, else 1). The bench
generates it when the database holds no recorded data set of that scale (devtools.bench_scale),
replacing what the generated tables held.
"""

import importlib
import time
from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Q
from django.test import override_settings

from classes.models import Registration, Session, Venue
from devtools.bench_pages import WARMUP, bench_client, bench_user, measure, page_get
from devtools.bench_scale import (
    SCALE_VARIABLE,
    bench_scale_default,
    database_check,
    dataset_read,
    scale_label,
)
from devtools.limits import BENCH_AUDIT_READ_LIMIT, read_limit_line
from devtools.tables import format_table
from loans.models import Device, Loan
from residents.models import Resident
from volunteers.models import Assignment, Supporter

# Goal for the pages staff wait on during a call (issue: one server for a prefecture).
PAGE_GOAL_MS = 50.0
# Pages held to PAGE_GOAL_MS, by the start of their label in the table.
GOAL_PAGES = ("dashboard", "phone search:", "session detail")


class Command(BaseCommand):
    help = (
        "Benchmark the dashboard, phone-registration search, session detail, device list and lend "
        "page on the current database, with a met/missed line per goal. Generates the city data "
        "set first when the database holds no data set of --scale (default $BENCH_SCALE or 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--iterations", type=int, default=50, help="timed runs per page")
        parser.add_argument(
            "--skip-generate", action="store_true", help="measure the data as it is"
        )
        parser.add_argument(
            "--scale",
            type=float,
            help=f"city data set size (see generate_city); default ${SCALE_VARIABLE} or 1",
        )

    def handle(self, *args, **options):
        with override_settings(AUDIT_READ_LIMIT=BENCH_AUDIT_READ_LIMIT):
            self.stdout.write(read_limit_line(settings.AUDIT_READ_LIMIT))
            self._run(**options)

    def _run(self, *, iterations: int, skip_generate: bool, scale: float | None, **options):
        if iterations < 1:
            raise CommandError("--iterations must be at least 1.")
        scale = bench_scale_default() if scale is None else scale
        if scale <= 0:
            raise CommandError("--scale must be greater than 0.")
        database_check(scale)
        generated = None
        found = dataset_read()
        if not skip_generate and (found is None or found.scale != scale_label(scale)):
            self.stdout.write(
                f"Data set of scale {scale_label(scale)} wanted, found "
                + (f"scale {found.scale}" if found else "none recorded")
                + ": generating."
            )
            started = time.monotonic()
            call_command(
                "generate_city",
                scale=scale,
                replace=Resident.objects.exists(),
                stdout=self.stdout,
            )
            generated = time.monotonic() - started
        self._print_counts(generated, scale)

        venue = self._bench_venue()
        user = bench_user(venue)
        client = bench_client(user)
        resident = self._sample_resident()
        session = self._sample_session(venue)

        admin_client = bench_client(bench_user(None))
        cases: list[tuple[str, Callable[[], object] | None]] = [
            ("dashboard", page_get(client, "dashboard")),
            ("dashboard (administrator, all venues)", page_get(admin_client, "dashboard")),
        ]
        if resident is not None:
            # What staff type: the family name in kana, the last digits, the name in kanji.
            kana_prefix = resident.name_kana.split(" ")[0]
            phone_tail = resident.phone_digits[-4:]
            queries = [("kana", kana_prefix), ("phone tail", phone_tail), ("kanji", resident.name)]
            for label, q in queries:
                cases.append(
                    (f"phone search: {label} {q!r}", page_get(client, "classes:phone", q=q))
                )
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
                    page_get(client, "classes:session_detail", kwargs={"pk": session.pk}),
                )
            )
        cases.append(("device list", page_get(client, "loans:device_list")))
        if resident is not None:
            cases.append(
                (
                    f"lend page (resident {resident.pk} chosen)",
                    page_get(client, "loans:checkout", resident=resident.pk),
                )
            )

        rows: list[tuple[str, str, str, int | str, str]] = []  # page, p50, p95, queries, note
        for label, func in cases:
            if func is None:
                rows.append((label, "n/a", "n/a", "n/a", "not available"))
                continue
            try:
                rows.append((label, *measure(func, iterations)))
            except Exception as exc:  # one broken page should not hide the others' figures
                rows.append((label, "error", "", "", f"{type(exc).__name__}: {exc}"[:80]))
        self._print_table(rows, iterations, user, venue)
        self._print_goals(rows)

    def _print_goals(self, rows) -> None:
        """One line per goal page: ``met`` or ``missed: <what>``."""
        self.stdout.write("")
        self.stdout.write(f"Goals (p95 under {PAGE_GOAL_MS:.0f} ms):")
        for label, _p50, p95, _queries, note in rows:
            if not label.startswith(GOAL_PAGES):
                continue
            try:
                value = float(p95)
            except ValueError:
                verdict = f"missed: not measured ({note or p95})"
            else:
                verdict = (
                    "met"
                    if value < PAGE_GOAL_MS
                    else f"missed: p95 {value:.1f} ms, over by {value - PAGE_GOAL_MS:.1f} ms"
                )
            self.stdout.write(f"  {label}: p95 {p95} ms -> {verdict}")

    def _print_counts(self, generated: float | None, scale: float) -> None:
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
        found = dataset_read()
        recorded = f"scale {found.scale}" if found else "no recorded scale"
        self.stdout.write(
            f"Scale asked: {scale_label(scale)} ({SCALE_VARIABLE}); data set: {recorded}"
        )
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


def _resident_search():
    """``residents.selectors.resident_search``, or None while that selector does not exist."""
    try:
        return importlib.import_module("residents.selectors").resident_search
    except (ImportError, AttributeError):
        return None
