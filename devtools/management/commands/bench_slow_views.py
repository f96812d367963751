"""``manage.py bench_slow_views``: the pages that could keep a user waiting over a second.

Times, through Django's test client on the current database (the bench data set of
``BENCH_SCALE``), every page whose work grows with the data: lists, exports, registers, PDFs,
calendar feeds, the audit trail and the admin lists, as the user who would open them
(administrator for program-wide pages, center staff for their venue's). Prints p50/p95 and the
queries of each, then one line per page: ``met`` when p95 is under 1 s, else ``missed: <what>``.

Work that is moved off the request (report files, list imports, the matching proposal) is timed
as the request that queues it; the task's own time is not a wait anyone sits through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.test import override_settings
from django.utils import timezone

from classes.models import Registration, Session, Venue
from devtools.bench_pages import bench_client, bench_user, measure, page_get
from devtools.bench_scale import (
    SCALE_VARIABLE,
    bench_scale_default,
    database_check,
    dataset_read,
)
from devtools.limits import BENCH_AUDIT_READ_LIMIT, read_limit_line
from devtools.tables import format_table
from loans.models import Device
from reports.figures import TOKYO, fiscal_year_period
from residents.models import Resident
from volunteers.models import Assignment, Supporter

SLOW_GOAL_MS = 1000.0


@dataclass(frozen=True)
class Case:
    """One page to time: its label, who opens it, and the GET (None: not available here)."""

    label: str
    who: str
    run: Callable[[], object] | None


class Command(BaseCommand):
    help = (
        "Time the pages whose work grows with the data (lists, exports, registers, PDFs, feeds, "
        "admin lists) on the current database and print p95 with met/missed against 1 s."
    )

    def add_arguments(self, parser):
        parser.add_argument("--iterations", type=int, default=5, help="timed runs per page")
        parser.add_argument("--warmup", type=int, default=1, help="untimed runs per page first")
        parser.add_argument(
            "--scale",
            type=float,
            help=f"the bench scale this database should hold (default ${SCALE_VARIABLE} or 1)",
        )
        parser.add_argument("--only", help="time only pages whose label contains this text")

    def handle(self, *args, iterations: int, warmup: int, scale, only, **options):
        if iterations < 1:
            raise CommandError("--iterations must be at least 1.")
        scale = bench_scale_default() if scale is None else scale
        database_check(scale)
        if not Resident.objects.exists():
            raise CommandError("No residents: run `manage.py bench` or `generate_city` first.")
        with override_settings(AUDIT_READ_LIMIT=BENCH_AUDIT_READ_LIMIT):
            self.stdout.write(read_limit_line(settings.AUDIT_READ_LIMIT))
            found = dataset_read()
            self.stdout.write(
                f"Database: {connection.vendor} {connection.settings_dict.get('NAME')}; "
                f"data set {'scale ' + found.scale if found else 'without a recorded scale'} "
                f"({Resident.objects.count():,} residents); DEBUG {settings.DEBUG}"
            )
            cases = [c for c in self._cases() if not only or only in c.label]
            rows: list[tuple] = []
            for case in cases:
                if case.run is None:
                    rows.append((case.label, case.who, "n/a", "n/a", "n/a", "not available"))
                    continue
                try:
                    rows.append(
                        (case.label, case.who, *measure(case.run, iterations, warmup=warmup))
                    )
                except Exception as exc:  # one broken page should not hide the others
                    rows.append(
                        (case.label, case.who, "error", "", "", f"{type(exc).__name__}: {exc}"[:90])
                    )
                # As it goes: a slow page shows up while the rest are still timed.
                self.stdout.write(f"  timed {case.label}: p95 {rows[-1][3]} ms")
            self._print(rows, iterations)

    def _cases(self) -> list[Case]:
        venue = (
            Venue.objects.filter(code="iwaki-chuo").first() or Venue.objects.order_by("id").first()
        )
        if venue is None:
            raise CommandError("No venues: run `manage.py load_program_data` first.")
        staff = bench_client(bench_user(venue))
        admin = bench_client(bench_user(None))
        anonymous = bench_client()
        today = timezone.localdate()
        fy = today.year if today.month >= 4 else today.year - 1
        last_fy = fiscal_year_period(fy - 1)
        cases: list[Case] = [
            Case("dashboard (all venues)", "admin", page_get(admin, "dashboard")),
            Case("session list, 14 days", "admin", page_get(admin, "classes:session_list")),
            Case("call list, tomorrow", "staff", page_get(staff, "classes:call_list")),
            Case("call list PDF, tomorrow", "staff", page_get(staff, "classes:call_list_pdf")),
            Case(
                "venue calendar feed (.ics)",
                "public",
                page_get(anonymous, "classes:venue_feed", kwargs={"pk": venue.pk}),
            ),
            Case("device list", "admin", page_get(admin, "loans:device_list")),
            Case("loan list, active", "admin", page_get(admin, "loans:loan_list")),
            Case("loan list, overdue", "admin", page_get(admin, "loans:loan_list", show="overdue")),
            Case("loan follow-up", "admin", page_get(admin, "loans:follow_up")),
            Case("loan applications", "admin", page_get(admin, "loans:applications")),
        ]
        for fmt in ("csv", "xlsx"):
            cases.append(
                Case(
                    f"loan register, FY{fy - 1}, {fmt}",
                    "admin",
                    page_get(
                        admin,
                        "loans:register_export",
                        date_from=last_fy.start.isoformat(),
                        date_to=last_fy.end.isoformat(),
                        format=fmt,
                    ),
                )
            )
        device = Device.objects.annotate(n=Count("loans")).order_by("-n", "id").first()
        if device:
            cases.append(
                Case(
                    f"device detail ({device.n} loans)",
                    "admin",
                    page_get(admin, "loans:device_detail", kwargs={"pk": device.pk}),
                )
            )
        session = self._biggest_session(venue)
        if session:
            cases += [
                Case(
                    f"session detail ({session.n} registrations)",
                    "staff",
                    page_get(staff, "classes:session_detail", kwargs={"pk": session.pk}),
                ),
                Case(
                    "attendance sheet PDF",
                    "staff",
                    page_get(staff, "reports:attendance_sheet", kwargs={"pk": session.pk}),
                ),
            ]
        month = self._busiest_month(venue)
        if month:
            cases.append(
                Case(
                    f"venue month attendance PDF ({month[1]} sessions)",
                    "staff",
                    page_get(
                        staff,
                        "reports:venue_month_attendance",
                        venue=venue.pk,
                        year=month[0].year,
                        month=month[0].month,
                    ),
                )
            )
        cases += [
            Case("reports page", "admin", page_get(admin, "reports:report_list")),
            Case("KPI targets", "admin", page_get(admin, "reports:kpi_targets")),
            Case("resident list (kana order)", "admin", page_get(admin, "residents:list")),
            Case("possible duplicates", "admin", page_get(admin, "residents:duplicates")),
            Case("resident list import", "admin", page_get(admin, "residents:import")),
        ]
        resident = Resident.objects.filter(
            pk__in=Registration.objects.values("resident_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .values("resident_id")[:1]
        ).first()
        if resident:
            cases += [
                Case(
                    "resident detail (most registrations)",
                    "admin",
                    page_get(admin, "residents:detail", kwargs={"pk": resident.pk}),
                ),
                Case(
                    "disclosure export (csv)",
                    "admin",
                    page_get(admin, "privacy:disclosure", kwargs={"pk": resident.pk, "fmt": "csv"}),
                ),
            ]
        cases += [
            Case("supporter list", "admin", page_get(admin, "volunteers:supporter_list")),
            Case("hours approval", "admin", page_get(admin, "volunteers:hours_approval")),
            Case("withdrawals", "admin", page_get(admin, "volunteers:withdrawals")),
            Case("matching", "admin", page_get(admin, "volunteers:matching")),
        ]
        supporter = Supporter.objects.filter(
            pk__in=Assignment.objects.values("supporter_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .values("supporter_id")[:1]
        ).first()
        if supporter:
            cases.append(
                Case(
                    "supporter detail (most assignments)",
                    "admin",
                    page_get(admin, "volunteers:supporter_detail", kwargs={"pk": supporter.pk}),
                )
            )
        cases += [
            Case("audit trail", "admin", page_get(admin, "audit_list")),
            Case(
                "admin: residents", "admin", page_get(admin, "admin:residents_resident_changelist")
            ),
            Case(
                "admin: residents, search",
                "admin",
                page_get(admin, "admin:residents_resident_changelist", q="スズキ"),
            ),
            Case(
                "admin: registrations",
                "admin",
                page_get(admin, "admin:classes_registration_changelist"),
            ),
            Case("admin: sessions", "admin", page_get(admin, "admin:classes_session_changelist")),
            Case("admin: loans", "admin", page_get(admin, "admin:loans_loan_changelist")),
        ]
        return cases

    def _biggest_session(self, venue: Venue):
        """The session at ``venue`` with the most live registrations, within the last 30 days."""
        since = timezone.now() - timedelta(days=30)
        return (
            Session.objects.filter(venue=venue, starts_at__gte=since)
            .annotate(n=Count("registrations", filter=~Q(registrations__status="cancelled")))
            .order_by("-n", "id")
            .first()
        )

    def _busiest_month(self, venue: Venue):
        """(first day, session count) of the month with most sessions at ``venue``."""
        row = (
            Session.objects.filter(venue=venue)
            .annotate(m=TruncMonth("starts_at", tzinfo=TOKYO))
            .values("m")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        return (row["m"], row["n"]) if row else None

    def _print(self, rows, iterations: int) -> None:
        self.stdout.write("")
        self.stdout.write(
            f"{iterations} timed runs each (p95 of few runs is close to the slowest)."
        )
        header = ("page", "as", "p50 ms", "p95 ms", "queries", "note")
        for line in format_table([header, *rows], right=(2, 3, 4)):
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(
            f"Goal: no request waits more than a second (p95 under {SLOW_GOAL_MS:.0f} ms):"
        )
        missed = 0
        for label, _who, _p50, p95, _queries, note in rows:
            try:
                value = float(p95)
            except ValueError:
                verdict = f"missed: not measured ({note or p95})"
                missed += 1
            else:
                if value < SLOW_GOAL_MS:
                    verdict = "met"
                else:
                    verdict = f"missed: p95 {value / 1000:.2f} s"
                    missed += 1
            self.stdout.write(f"  {label}: {verdict}")
        self.stdout.write(f"Pages over 1 s or not measured: {missed} of {len(rows)}")
