"""``manage.py bench_load``: the staff desks of a prefecture on one small server.

The application runs under gunicorn on PostgreSQL (DEBUG off), started here; locust simulates
center-staff desks on the same machine: phone registrations (search, form, register, read-back),
attendance (session page, save), loan checkouts (device list, lend form, lend, loan page,
return) and the dashboard, with a think time of 1-3 s between steps. The ramp runs one step per
desk count (default 50, 100, 150, 200 and 250 simultaneous desks); each step prints p95 per page,
errors, and the CPU used while measuring by the application (gunicorn's processes), PostgreSQL
(the backends of this database) and the load generator (locust), beside the whole machine's.
Then one line: ``desks at p95 under 200 ms: N`` (the largest step at which every page's p95 is
under 200 ms with no error, every smaller step too), ``met`` when N >= 200.

After each step: no session has more seated registrations than seats and no device is on two
active loans (SQL). Then everything the load wrote is removed (registrations, loans and device
events made by the bench accounts; attendance marks and device rows restored), so every step
measures the same data. Audit events are append-only and stay.

Exits non-zero on request errors or overbooking (a slow step is a ``missed``, not a failure).
Needs PostgreSQL (the ``bench`` database of ``make bench``), gunicorn and locust (both in the dev
dependencies).
"""

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
from devtools.loadtest.runner import (
    CPU_GROUPS,
    P95_GOAL_MS,
    RunSteps,
    _free_port,
    _loadavg,
    _stop,
)

DESKS_GOAL = 200
# The gunicorn of compose.yaml's web service (measured with this command: see docs/load.md).
DEFAULT_WORKERS = 5
DEFAULT_THREADS = 1


class Command(PlanSteps, RunSteps, CheckSteps, BaseCommand):
    help = (
        "Load-test the staff pages under gunicorn with locust on the current (PostgreSQL) "
        "database: a staff day with think time at 50, 100, 150, 200 and 250 simultaneous desks, "
        "p95 per page, errors and CPU per step, then how many desks keep p95 under 200 ms; "
        "checks for overbooking and removes what the load wrote."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--desks",
            default="50,100,150,200,250",
            help="comma-separated simultaneous desks, one step each (default 50,100,150,200,250)",
        )
        parser.add_argument(
            "--duration", type=int, default=45, help="seconds measured per step (default 45)"
        )
        parser.add_argument(
            "--warmup",
            type=int,
            default=15,
            help="seconds of an unreported run at 20 desks before the steps (default 15; 0: none)",
        )
        parser.add_argument(
            "--think",
            default="1,3",
            help="staff think time between steps, min,max seconds (default 1,3)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=DEFAULT_WORKERS,
            help=f"gunicorn workers (default {DEFAULT_WORKERS}, as in compose.yaml)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=DEFAULT_THREADS,
            help=f"threads per worker (>1: gthread; default {DEFAULT_THREADS})",
        )
        parser.add_argument(
            "--venues", type=int, default=4, help="venues the bench accounts work at (default 4)"
        )
        parser.add_argument(
            "--port", type=int, default=0, help="gunicorn's port (default: any free port)"
        )
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
        steps = _int_list(options["desks"], "--desks")
        think = [float(x) for x in options["think"].split(",")]
        if len(think) != 2 or think[0] < 0 or think[1] < think[0]:
            raise CommandError("--think must be min,max seconds, e.g. 1,3.")
        if options["duration"] < 5:
            raise CommandError("--duration must be at least 5 seconds.")
        for tool in ("gunicorn", "locust"):
            if not shutil.which(tool, path=str(Path(sys.executable).parent)):
                raise CommandError(f"{tool} is not installed in this environment (pip install).")
        wrong = check_routes(locustfile_routes())
        if wrong:
            raise CommandError("The locustfile's paths are out of date: " + "; ".join(wrong))

        out = Path(options["output_dir"] or tempfile.mkdtemp(prefix="bench_load_"))
        out.mkdir(parents=True, exist_ok=True)
        self._restore(out)
        self.stdout.write("Preparing bench accounts, their sessions and data...")
        self.stdout.write(read_limit_line(BENCH_AUDIT_READ_LIMIT))
        plan = self._plan(max(steps), options["venues"], think)
        workers = max(1, options["workers"])
        threads = max(1, options["threads"])
        port = options["port"] or _free_port()
        gunicorn = self._start_gunicorn(out, port, workers, threads, {})
        plan["cpu"] = {"app_pgid": gunicorn.pid, "db_name": connection.settings_dict["NAME"]}
        results = []
        try:
            if options["warmup"]:
                # Each worker compiles its templates and fills its caches on its first pages.
                self._warm_up(out, port, plan, min(20, max(steps)), options["warmup"])
            for desks in steps:
                results.append(self._staff_day(out, port, plan, desks, options["duration"]))
        finally:
            _stop(gunicorn)
            if not options["output_dir"]:
                shutil.rmtree(out, ignore_errors=True)
        self.stdout.write("")
        self.stdout.write(
            f"gunicorn: {workers} worker(s) x {threads} thread(s); locust runs on the same "
            f"machine and takes part of it. Load average now: {_loadavg()}"
        )
        self.stdout.write(_verdict(results))
        self.stdout.write(_cpu_budget(results))
        failed = [f"{e} at {r['desks']} desks" for r in results for e in r["errors"]]
        failed += [p for r in results for p in r["overbooking"]]
        if failed:
            raise CommandError("; ".join(failed))
        self.stdout.write(self.style.SUCCESS("No errors, no overbooking."))


def _verdict(results: list[dict]) -> str:
    """``desks at p95 under 200 ms: N`` with ``met`` or ``missed: <what>``. N is the largest
    step reached with every page under the goal and no error, counting up from the first."""
    reached = 0
    stopped = None
    for result in sorted(results, key=lambda r: r["desks"]):
        if result["slow"] or result["errors"] or result["overbooking"]:
            stopped = result
            break
        reached = result["desks"]
    line = f"desks at p95 under {P95_GOAL_MS} ms: {reached}"
    if reached >= DESKS_GOAL:
        return f"{line} met"
    if stopped is None:
        return f"{line} missed: no step of {DESKS_GOAL} desks or more was run"
    what = [f"{name} p95 {p95} ms" for name, p95 in stopped["slow"]]
    what += stopped["errors"] + stopped["overbooking"]
    return f"{line} missed: at {stopped['desks']} desks " + ", ".join(what)


def _cpu_budget(results: list[dict]) -> str:
    """What the goal asks of each request's CPU, from the first (smallest) step of the ramp,
    where the machine is least saturated: the requests per second a desk makes there, hence
    the requests per second ``DESKS_GOAL`` desks make; the CPU per request measured (app,
    PostgreSQL, load generator), hence the requests per second the machine's cores can serve
    at most; and the CPU per request in all that the goal leaves."""
    measured = [r for r in sorted(results, key=lambda r: r["desks"]) if r.get("cpu_ms")]
    if not measured or not measured[0].get("rps"):
        return "CPU budget: not measured"
    first = measured[0]
    per_desk = first["rps"] / first["desks"]
    goal_rps = per_desk * DESKS_GOAL
    spent = sum(first["cpu_ms"].values())
    cores = first["cores"]
    most_rps = cores * 1000 / spent
    parts = ", ".join(
        f"{label} {first['cpu_ms'][group]:.1f}"
        for group, label in CPU_GROUPS
        if group in first["cpu_ms"]
    )
    return (
        f"CPU budget (from the {first['desks']}-desk step): a desk makes {per_desk:.2f} req/s, "
        f"so {DESKS_GOAL} desks are about {goal_rps:.0f} req/s; a request costs {spent:.1f} ms "
        f"of CPU ({parts}), so {cores} cores serve at most about {most_rps:.0f} req/s "
        f"(about {most_rps / per_desk:.0f} desks); {DESKS_GOAL} desks leave "
        f"{cores * 1000 / goal_rps:.1f} ms of CPU per request for all of it"
    )


def _int_list(text: str, option: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise CommandError(f"{option} must be comma-separated numbers, e.g. 50,100.") from None
    if not values or min(values) < 1:
        raise CommandError(f"{option} must be comma-separated numbers, e.g. 50,100.")
    return values
