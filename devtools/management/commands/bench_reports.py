"""``manage.py bench_reports``: time the fiscal-year report on the current database.

Builds the whole program's figures for one fiscal year, then the PDF, CSV and Excel files from
them, and prints seconds and queries for each step (best of ``--iterations``). Read-only: it
runs inside a transaction that is rolled back. Goal: figures + PDF under 10 s on the city-scale
data set at any scale (``BENCH_SCALE``; at 10: a million residents, 200,000 sessions, three
million registrations, 150,000 loans), with a query count that does not depend on the data's
size. Prints the goal with ``met`` or ``missed: <what>``, and the load average before and after
(the two cores are shared: a figure means little without it).
"""

import os
import time
from collections.abc import Callable

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import ExtractMonth, ExtractYear
from django.test.utils import CaptureQueriesContext

from classes.models import Registration, Session
from devtools.bench_scale import SCALE_VARIABLE, bench_scale_default, database_check, dataset_read
from loans.models import Loan
from reports.figures import (
    TOKYO,
    ReportFigures,
    fiscal_year_period,
    report_figures,
    suppress,
)
from reports.program_report import ProgramReportRenderer
from reports.report_exports import report_csv, report_workbook
from residents.models import Resident

REPORT_GOAL_SECONDS = 10.0


def busiest_fiscal_year() -> int | None:
    """The fiscal year with the most sessions (one query), or None without sessions."""
    rows = (
        Session.objects.annotate(
            y=ExtractYear("starts_at", tzinfo=TOKYO), m=ExtractMonth("starts_at", tzinfo=TOKYO)
        )
        .values("y", "m")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_year: dict[int, int] = {}
    for row in rows:
        fy = row["y"] if row["m"] >= 4 else row["y"] - 1
        per_year[fy] = per_year.get(fy, 0) + row["n"]
    return max(per_year, key=lambda fy: per_year[fy]) if per_year else None


def _load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class Command(BaseCommand):
    help = (
        "Time the fiscal-year report (figures, PDF, CSV, Excel) of the whole program on the "
        "current database. Read-only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fiscal-year", type=int, help="default: the fiscal year with the most sessions"
        )
        parser.add_argument("--iterations", type=int, default=3, help="timed runs (best shown)")
        parser.add_argument(
            "--scale",
            type=float,
            help=f"the bench scale this database should hold (default ${SCALE_VARIABLE} or 1)",
        )

    def handle(self, *args, fiscal_year: int | None, iterations: int, scale, **options):
        if iterations < 1:
            raise CommandError("--iterations must be at least 1.")
        scale = bench_scale_default() if scale is None else scale
        database_check(scale)
        found = dataset_read()
        self.stdout.write(
            f"Data set: {'scale ' + found.scale if found else 'no recorded scale'} "
            f"(asked: {scale:g})"
        )
        self.stdout.write(f"Load average before: {_load_average()}")
        with transaction.atomic():
            self._run(fiscal_year, iterations)
            transaction.set_rollback(True)
        self.stdout.write(f"Load average after: {_load_average()}")

    def _run(self, fiscal_year: int | None, iterations: int) -> None:
        self.stdout.write(f"Database: {connection.vendor} {connection.settings_dict.get('NAME')}")
        for name, model in (
            ("residents", Resident),
            ("sessions", Session),
            ("registrations", Registration),
            ("loans", Loan),
        ):
            self.stdout.write(f"  {name:<14} {model.objects.count():>9,}")
        fiscal_year = fiscal_year or busiest_fiscal_year()
        if fiscal_year is None:
            raise CommandError("No sessions in the database: nothing to report on.")
        period = fiscal_year_period(fiscal_year)
        self.stdout.write(f"Report: FY{fiscal_year} ({period.start} to {period.end}), program")

        results: dict[str, object] = {}

        def figures():
            results["figures"] = suppress(
                report_figures(period=period), settings.REPORT_SUPPRESSION_THRESHOLD
            )

        def made() -> ReportFigures:
            value = results["figures"]
            assert isinstance(value, ReportFigures), "the figures step runs first"
            return value

        steps: list[tuple[str, Callable[[], object]]] = [
            ("figures (aggregate queries)", figures),
            (
                "PDF render",
                lambda: results.__setitem__(
                    "pdf", ProgramReportRenderer(made(), "Fiscal-year report").render()
                ),
            ),
            ("CSV", lambda: results.__setitem__("csv", report_csv(made()))),
            ("Excel", lambda: results.__setitem__("xlsx", report_workbook(made()))),
        ]
        rows: list[tuple[str, float, int]] = []  # step, best seconds, queries
        for label, func in steps:
            best, queries = None, 0
            for _ in range(iterations):
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    func()
                    elapsed = time.perf_counter() - started
                best = elapsed if best is None else min(best, elapsed)
                queries = len(ctx.captured_queries)
            assert best is not None, "--iterations is at least 1"
            rows.append((label, best, queries))
        self.stdout.write(f"{'step':<30} {'seconds':>8} {'queries':>8}")
        for label, seconds, queries in rows:
            self.stdout.write(f"{label:<30} {seconds:>8.2f} {queries:>8}")
        total = rows[0][1] + rows[1][1]
        self.stdout.write(f"{'figures + PDF':<30} {total:>8.2f} {rows[0][2] + rows[1][2]:>8}")
        report, pdf = made(), results["pdf"]
        assert isinstance(pdf, bytes), "the PDF step renders bytes"
        held = report.value("sessions_summary", "held")
        unique = report.value("participants_summary", "unique")
        size = len(pdf) // 1024
        verdict = (
            "met"
            if total < REPORT_GOAL_SECONDS
            else (f"missed: {total:.2f} s, over by {total - REPORT_GOAL_SECONDS:.2f} s")
        )
        self.stdout.write(f"PDF {size} KiB; sessions held {held}, unique residents {unique}.")
        self.stdout.write(
            f"Goal: fiscal-year report figures + PDF under {REPORT_GOAL_SECONDS:.0f} s: "
            f"{total:.2f} s -> {verdict}"
        )
