"""``manage.py bench_load``: the application under gunicorn on PostgreSQL, driven by locust.

For each user count (default 10 and 50) two locust runs against a gunicorn started here:

- **capacity**: every simulated user requests one page back to back (no think time), one page
  per phase: first ``/healthz`` (a trivial view: the floor of this stack), then each key page.
  Requests/s per page and its ratio to ``/healthz`` (goal: at least 0.10).
- **staff day**: center staff taking phone registrations, attendance and loan checkouts (each
  device lent is received back) and reading the dashboard, with a think time between steps.
  Latency per page (goal: p95 under 200 ms at 50 users) and errors (goal: none).

After each staff-day run: no session has more seated registrations than seats and no device is
on two active loans (SQL). Then everything the load wrote is removed (registrations, loans and
device events made by the bench accounts; attendance marks and device rows restored), so repeated
runs measure the same data. Audit events are append-only and stay.

Exits non-zero on request errors or overbooking. Needs PostgreSQL (the ``bench`` database of
``make bench``), gunicorn and locust (both in the dev dependencies).
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from devtools.limits import BENCH_AUDIT_READ_LIMIT, read_limit_line
from devtools.loadtest.checks import CheckSteps, check_routes, locustfile_routes
from devtools.loadtest.plan import PlanSteps
from devtools.loadtest.runner import RunSteps, _free_port, _loadavg, _stop


class Command(PlanSteps, RunSteps, CheckSteps, BaseCommand):
    help = (
        "Load-test the staff pages under gunicorn with locust at 10 and 50 users on the current "
        "(PostgreSQL) database: capacity per page against /healthz, then a staff day with think "
        "time; checks for overbooking and removes what the load wrote."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--users", default="10,50", help="comma-separated user counts (default 10,50)"
        )
        parser.add_argument(
            "--duration", type=int, default=30, help="seconds of each staff-day run (default 30)"
        )
        parser.add_argument(
            "--phase-seconds",
            type=int,
            default=8,
            help="seconds per page in each capacity run (default 8)",
        )
        parser.add_argument(
            "--think",
            default="1,3",
            help="staff think time between steps, min,max seconds (default 1,3)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=0,
            help="gunicorn workers (default 2 x cores + 1)",
        )
        parser.add_argument(
            "--threads", type=int, default=1, help="threads per worker (>1: gthread; default 1)"
        )
        parser.add_argument(
            "--venues", type=int, default=4, help="venues the bench accounts work at (default 4)"
        )
        parser.add_argument("--skip-capacity", action="store_true", help="only the staff-day runs")
        parser.add_argument("--skip-staff-day", action="store_true", help="only the capacity runs")
        parser.add_argument(
            "--output-dir",
            default="",
            help="keep the plan, locust CSVs and gunicorn log here (default: a temporary folder)",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_load measures the production stack: set DATABASE_URL to PostgreSQL "
                "(make bench uses postgres://postgres@127.0.0.1:5432/bench)."
            )
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError(
                "The database has unapplied migrations: run manage.py migrate first "
                "(make bench does)."
            )
        users = _int_list(options["users"], "--users")
        think = [float(x) for x in options["think"].split(",")]
        if len(think) != 2 or think[0] < 0 or think[1] < think[0]:
            raise CommandError("--think must be min,max seconds, e.g. 1,3.")
        if options["duration"] < 5 or options["phase_seconds"] < 3:
            raise CommandError("--duration must be at least 5 and --phase-seconds at least 3.")
        for tool in ("gunicorn", "locust"):
            if not shutil.which(tool, path=str(Path(sys.executable).parent)):
                raise CommandError(f"{tool} is not installed in this environment (pip install).")
        wrong = check_routes(locustfile_routes())
        if wrong:
            raise CommandError("The locustfile's paths are out of date: " + "; ".join(wrong))

        out = Path(options["output_dir"] or tempfile.mkdtemp(prefix="bench_load_"))
        out.mkdir(parents=True, exist_ok=True)
        self._restore(out)
        self.stdout.write("Preparing bench accounts and data...")
        self.stdout.write(read_limit_line(BENCH_AUDIT_READ_LIMIT))
        plan = self._plan(max(users), options["venues"], think)
        workers = options["workers"] or 2 * (os.cpu_count() or 1) + 1
        threads = max(1, options["threads"])
        port = _free_port()
        gunicorn = self._start_gunicorn(out, port, workers, threads)
        failed = []
        try:
            for count in users:
                if not options["skip_capacity"]:
                    failed += self._capacity(out, port, plan, count, options["phase_seconds"])
                if not options["skip_staff_day"]:
                    failed += self._staff_day(out, port, plan, count, options["duration"])
        finally:
            _stop(gunicorn)
            if not options["output_dir"]:
                shutil.rmtree(out, ignore_errors=True)
        self.stdout.write("")
        self.stdout.write(
            f"gunicorn: {workers} worker(s) x {threads} thread(s); locust runs on the same "
            f"{os.cpu_count()}-core machine and takes part of it. Load average now: {_loadavg()}"
        )
        if failed:
            raise CommandError("; ".join(failed))
        self.stdout.write(self.style.SUCCESS("No errors, no overbooking."))


def _int_list(text: str, option: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise CommandError(f"{option} must be comma-separated numbers, e.g. 10,50.") from None
    if not values or min(values) < 1:
        raise CommandError(f"{option} must be comma-separated numbers, e.g. 10,50.")
    return values
