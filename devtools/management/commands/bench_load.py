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

import ast
import csv
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from classes.models import Registration, Session, Venue
from classes.selectors import local_day_bounds
from devtools.tables import format_table
from loans import services as loan_services
from loans.models import Device, DeviceEvent, Loan
from project.models import Profile, Role
from residents.models import Resident

LOCUSTFILE = Path(__file__).resolve().parents[2] / "loadtest" / "locustfile.py"
ACCOUNT_PREFIX = "bench-load-"
# Only ever used on the bench database; the accounts are staff of a few venues, nothing more.
ACCOUNT_PASSWORD = "bench-load-Pa55word"
BENCH_SECRET_KEY = "bench-load-not-secret-" + "x" * 40
LOAN_SLOTS_PER_ACCOUNT = 3
RATIO_GOAL = 0.10
P95_GOAL_MS = 200
# The state of the last run, kept until it is restored (so a run killed half-way is undone by
# the next one).
RESTORE_FILE = "bench_load_restore.json"


def locustfile_routes(path: Path = LOCUSTFILE) -> dict[str, tuple[str, str]]:
    """``ROUTES`` of the locustfile, read without importing it (locust patches the process).

    Returns {name: (path template, URL name)}. Raises ValueError when there is no literal
    ``ROUTES = {...}`` assignment.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "ROUTES" for t in node.targets
        ):
            return {k: tuple(v) for k, v in ast.literal_eval(node.value).items()}
    raise ValueError(f"no ROUTES in {path}")


def check_routes(routes: dict[str, tuple[str, str]]) -> list[str]:
    """Routes whose path is not what Django reverses for their URL name (pk 1 for ``{pk}``)."""
    wrong = []
    for name, (template, url_name) in routes.items():
        kwargs = {"pk": 1} if "{pk}" in template else None
        expected = template.format(pk=1)
        try:
            actual = reverse(url_name, kwargs=kwargs)
        except Exception as exc:  # NoReverseMatch and friends: report, do not crash
            wrong.append(f"{name}: {url_name} does not reverse ({exc})")
            continue
        if actual != expected:
            wrong.append(f"{name}: {url_name} is {actual}, the locustfile says {expected}")
    return wrong


class Command(BaseCommand):
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

    # --- preparation -----------------------------------------------------------------------

    def _plan(self, accounts: int, venue_count: int, think: list[float]) -> dict:
        """Bench accounts (created once, staff at ``venue_count`` busy venues) and what each
        simulated user works on. Deterministic for a given database and day."""
        rng = random.Random(20240401)
        today = timezone.localdate()
        now = timezone.now()
        day_start, day_end = local_day_bounds(today)
        venues = list(
            Venue.objects.filter(is_active=True)
            .annotate(
                upcoming=Count(
                    "sessions",
                    filter=Q(
                        sessions__starts_at__gte=now,
                        sessions__starts_at__lt=now + timedelta(days=14),
                        sessions__status=Session.Status.SCHEDULED,
                    ),
                )
            )
            .filter(upcoming__gt=0)
            .order_by("-upcoming", "id")[:venue_count]
        )
        if not venues:
            raise CommandError(
                "No upcoming sessions: generate the city data set first "
                "(manage.py generate_city, or make bench)."
            )
        try:
            policy = loan_services.loan_policy_active()
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc

        family_names = sorted(
            {
                kana.split(" ")[0]
                for kana in Resident.objects.filter(anonymised_at__isnull=True)
                .exclude(name_kana="")
                .order_by("id")
                .values_list("name_kana", flat=True)[:20000]
            }
        )
        kana = rng.sample(family_names, min(60, len(family_names)))
        resident_ids = list(
            Resident.objects.filter(anonymised_at__isnull=True)
            .order_by("id")
            .values_list("id", flat=True)[:20000]
        )
        loan_slots = self._loan_slots(accounts * LOAN_SLOTS_PER_ACCOUNT, policy, today)
        if len(loan_slots) < accounts:
            raise CommandError(
                f"Only {len(loan_slots)} available devices with eligible residents; need "
                f"{accounts}."
            )

        attendance = {}
        for venue in venues:
            today_ids = list(
                Session.objects.filter(
                    venue=venue,
                    status=Session.Status.SCHEDULED,
                    starts_at__gte=day_start,
                    starts_at__lt=day_end,
                    registrations__status=Registration.Status.REGISTERED,
                )
                .distinct()
                .order_by("starts_at")
                .values_list("id", flat=True)[:5]
            )
            if not today_ids:  # nothing today at this venue: the last week's sessions
                today_ids = list(
                    Session.objects.filter(
                        venue=venue,
                        status=Session.Status.SCHEDULED,
                        starts_at__gte=day_start - timedelta(days=7),
                        starts_at__lt=day_start,
                        registrations__status=Registration.Status.REGISTERED,
                    )
                    .distinct()
                    .order_by("-starts_at")
                    .values_list("id", flat=True)[:5]
                )
            attendance[venue.pk] = today_ids

        User = get_user_model()
        plan_accounts = []
        for i in range(accounts):
            venue = venues[i % len(venues)]
            username = f"{ACCOUNT_PREFIX}{i + 1:02d}"
            user, created = User.objects.get_or_create(username=username)
            if created or not user.has_usable_password() or not user.is_active:
                user.set_password(ACCOUNT_PASSWORD)
                user.is_active = True
                user.save(update_fields=["password", "is_active"])
            profile, _ = Profile.objects.update_or_create(user=user, defaults={"role": Role.STAFF})
            profile.venues.set([venue])
            slots = loan_slots[i::accounts][:LOAN_SLOTS_PER_ACCOUNT]
            plan_accounts.append(
                {
                    "username": username,
                    "password": ACCOUNT_PASSWORD,
                    "venue_id": venue.pk,
                    "kana": kana,
                    "phone_residents": rng.sample(resident_ids, min(50, len(resident_ids))),
                    "attendance_sessions": attendance[venue.pk],
                    "loan_slots": slots,
                }
            )
        self.stdout.write(
            f"  {accounts} accounts ({ACCOUNT_PREFIX}NN, center staff) at "
            + ", ".join(
                f"{v.name} ({len(attendance[v.pk])} sessions for attendance)" for v in venues
            )
        )
        return {
            "today": today.isoformat(),
            "think": think,
            "accounts": plan_accounts,
            "login_timeout": 240,
        }

    def _loan_slots(self, wanted: int, policy, today) -> list[dict]:
        """(device, resident) pairs that can be lent now: available, undamaged devices and
        residents the active policy accepts, each used once."""
        devices = list(
            Device.objects.filter(status=Device.Status.AVAILABLE)
            .exclude(condition=Device.Condition.DAMAGED)
            .order_by("id")[: wanted * 2]
        )
        random.Random(7).shuffle(devices)
        candidates = (
            Resident.objects.filter(anonymised_at__isnull=True)
            .exclude(district="")
            .exclude(loans__status=Loan.Status.ACTIVE)
            .order_by("id")
        )
        slots = []
        residents = candidates.iterator(chunk_size=500)
        for device in devices[:wanted]:
            for resident in residents:
                try:
                    loan_services._check_resident_eligible(
                        resident=resident, policy=policy, on=today
                    )
                except ValidationError:
                    continue
                slots.append(
                    {
                        "device": device.pk,
                        "resident": resident.pk,
                        "kit": device.kit_items,
                        "condition": device.condition,
                    }
                )
                break
        return slots

    # --- one locust run --------------------------------------------------------------------

    def _locust(self, out: Path, port: int, plan: dict, users: int, user_class: str, label: str):
        """Run locust headless; return {request name: figures} from its CSV and the run's info
        (failed logins, phase times). Failed logins are written as failures."""
        prefix = out / label
        plan_file = out / f"{label}.plan.json"
        info_file = out / f"{label}.info.json"
        info_file.unlink(missing_ok=True)
        plan = {**plan, "info_file": str(info_file)}
        plan_file.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
        cap = plan["login_timeout"] + (plan["measure_seconds"] or 20 * plan["phase_seconds"]) + 60
        command = [
            str(Path(sys.executable).parent / "locust"),
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{cap}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            user_class,
        ]
        env = {**os.environ, "BENCH_LOAD_PLAN": str(plan_file)}
        with open(out / f"{label}.locust.log", "w") as log:
            subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
        stats_file = Path(f"{prefix}_stats.csv")
        if not stats_file.exists() or not info_file.exists():
            tail = (out / f"{label}.locust.log").read_text(errors="replace")[-2000:]
            raise CommandError(f"The locust run {label} did not finish:\n{tail}")
        stats = _read_stats(stats_file)
        info = json.loads(info_file.read_text())
        if info["logins_failed"]:
            stats["login"] = {
                "requests": users,
                "failures": info["logins_failed"],
                "rps": 0.0,
                "p50": "",
                "p95": "",
                "p99": "",
            }
        failures_file = Path(f"{prefix}_failures.csv")
        if failures_file.exists():
            with failures_file.open(newline="") as fh:
                for row in list(csv.DictReader(fh))[:8]:
                    self.stdout.write(
                        self.style.WARNING(
                            f"  failure x{row['Occurrences']}: {row['Method']} {row['Name']}: "
                            f"{row['Error'][:160]}"
                        )
                    )
        return stats, info

    def _capacity(self, out: Path, port: int, plan: dict, users: int, phase: int) -> list[str]:
        label = f"capacity_{users}"
        # measure_seconds 0: the locustfile runs one phase per page of its CAPACITY_PAGES.
        run_plan = {**plan, "measure_seconds": 0, "phase_seconds": phase}
        load_before = _loadavg()
        stats, info = self._locust(out, port, run_plan, users, "PageCapacity", label)
        pages = info["pages"]  # in phase order, healthz first
        if "login" in stats:
            pages.append("login")
        rates = {}
        for name, (requests, first, last) in info["served"].items():
            # Requests over the time the page was being served: its phase and the drain after.
            rates[name] = requests / (last - first) if last > first else 0.0
        floor = rates.get(pages[0], 0.0)
        rows, failed = [], []
        for page in pages:
            s = stats.get(page)
            if not s:
                rows.append((page, "-", "-", "-", "-", "-", "no requests"))
                continue
            rps = rates.get(page, 0.0)
            ratio = rps / floor if floor else 0.0
            note = ""
            if page != pages[0]:
                note = "ok" if ratio >= RATIO_GOAL else f"below {RATIO_GOAL:.2f}"
            rows.append(
                (
                    page,
                    f"{rps:.1f}",
                    s["p50"],
                    s["p95"],
                    s["p99"],
                    s["failures"],
                    f"{ratio:.2f} {note}".strip(),
                )
            )
            if s["failures"]:
                failed.append(f"{s['failures']} errors on {page} at {users} users")
        self.stdout.write("")
        self.stdout.write(
            f"Capacity at {users} users: each page back to back for {phase} s, no think time "
            f"(load average before: {load_before})"
        )
        header = ("page", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "ratio to healthz")
        for line in format_table([header, *rows], right=(1, 2, 3, 4, 5)):
            self.stdout.write(line)
        self._cleanup()
        return failed

    def _staff_day(self, out: Path, port: int, plan: dict, users: int, duration: int):
        label = f"staff_day_{users}"
        run_plan = {**plan, "measure_seconds": duration}
        snapshot = self._snapshot(plan, out)
        load_before = _loadavg()
        try:
            stats, _info = self._locust(out, port, run_plan, users, "StaffDay", label)
            made = self._load_writes()
            problems = self._overbooking()
        finally:
            self._cleanup(snapshot)
            (out / RESTORE_FILE).unlink(missing_ok=True)
        rows, failed = [], []
        total = stats.pop("Aggregated", None)
        slow = []
        for name, s in sorted(stats.items()):
            rows.append((name, f"{s['rps']:.2f}", s["p50"], s["p95"], s["p99"], s["failures"]))
            if s["failures"]:
                failed.append(f"{s['failures']} errors on {name} at {users} users")
            if _ms(s["p95"]) >= P95_GOAL_MS:
                slow.append(name)
        if total:
            rows.append(
                (
                    "all requests",
                    f"{total['rps']:.2f}",
                    total["p50"],
                    total["p95"],
                    total["p99"],
                    total["failures"],
                )
            )
        self.stdout.write("")
        self.stdout.write(
            f"Staff day at {users} users: think time {plan['think'][0]:g}-{plan['think'][1]:g} s, "
            f"{duration} s (load average before: {load_before}, after: {_loadavg()})"
        )
        header = ("endpoint group", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors")
        for line in format_table([header, *rows], right=(1, 2, 3, 4, 5)):
            self.stdout.write(line)
        self.stdout.write(
            f"  written by the load: {made['registered']} seats, {made['waitlisted']} on a "
            f"waitlist, {made['loans']} loans (all received back: {made['loans_returned']})"
        )
        verdict = "met" if not slow else "missed on " + ", ".join(slow)
        self.stdout.write(f"  p95 under {P95_GOAL_MS} ms on every page: {verdict}")
        if problems:
            for problem in problems:
                self.stdout.write(self.style.ERROR(f"  OVERBOOKING: {problem}"))
            failed += problems
        else:
            self.stdout.write(
                "  overbooking: none (no session over its seats, no device on two active loans)"
            )
        return failed

    # --- checks and cleanup ----------------------------------------------------------------

    def _load_writes(self) -> dict:
        regs = Registration.objects.filter(created_by__username__startswith=ACCOUNT_PREFIX)
        loans = Loan.objects.filter(created_by__username__startswith=ACCOUNT_PREFIX)
        return {
            "registered": regs.filter(status=Registration.Status.REGISTERED).count(),
            "waitlisted": regs.filter(status=Registration.Status.WAITLISTED).count(),
            "loans": loans.count(),
            "loans_returned": loans.filter(status=Loan.Status.RETURNED).count(),
        }

    def _overbooking(self) -> list[str]:
        """Sessions with more seated (non walk-in) registrations than seats; devices on more than
        one active loan. Walk-ins are always let in (they are in the room), so they do not count."""
        problems = []
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT s.id, s.seats, COUNT(r.id)
                FROM classes_session s
                JOIN classes_registration r ON r.session_id = s.id
                WHERE s.seats IS NOT NULL AND r.status = 'registered' AND NOT r.is_walk_in
                GROUP BY s.id, s.seats
                HAVING COUNT(r.id) > s.seats
                """
            )
            for session_id, seats, taken in cursor.fetchall()[:10]:
                problems.append(f"session {session_id} has {taken} seated for {seats} seats")
            cursor.execute(
                """
                SELECT device_id, COUNT(*) FROM loans_loan WHERE status = 'active'
                GROUP BY device_id HAVING COUNT(*) > 1
                """
            )
            for device_id, n in cursor.fetchall()[:10]:
                problems.append(f"device {device_id} is on {n} active loans")
        return problems

    def _snapshot(self, plan: dict, out: Path) -> dict:
        """What the staff day changes in place: attendance marks and the lent devices' rows.
        Also written to a file, so a run killed half-way is restored by the next one."""
        session_ids = {s for a in plan["accounts"] for s in a["attendance_sessions"]}
        device_ids = {slot["device"] for a in plan["accounts"] for slot in a["loan_slots"]}
        fields = [f.attname for f in Device._meta.concrete_fields if not f.primary_key]
        snapshot = {
            "attendance": list(
                Registration.objects.filter(session_id__in=session_ids).values_list(
                    "id", "attendance"
                )
            ),
            "devices": [
                {k: _jsonable(v) for k, v in row.items()}
                for row in Device.objects.filter(pk__in=device_ids).values("pk", *fields)
            ],
        }
        (out / RESTORE_FILE).write_text(json.dumps(snapshot), encoding="utf-8")
        return snapshot

    def _restore(self, out: Path) -> None:
        leftover = out / RESTORE_FILE
        snapshot = json.loads(leftover.read_text()) if leftover.exists() else None
        self._cleanup(snapshot)
        leftover.unlink(missing_ok=True)

    @transaction.atomic
    def _cleanup(self, snapshot: dict | None = None) -> None:
        """Remove what the bench accounts wrote; restore the snapshot's rows when given."""
        by_bench = Q(created_by__username__startswith=ACCOUNT_PREFIX)
        for loan in Loan.objects.filter(by_bench).select_related("device"):
            if snapshot is None and loan.status == Loan.Status.ACTIVE:
                # No snapshot (a killed run): the device was available before it was lent.
                Device.objects.filter(pk=loan.device_id).update(status=Device.Status.AVAILABLE)
            loan._audit_skip = True  # a bench artefact, not a deletion to audit
            loan.delete()
        DeviceEvent.objects.filter(by__username__startswith=ACCOUNT_PREFIX).delete()
        Registration.objects.filter(by_bench).delete()
        if not snapshot:
            return
        by_value: dict[str, list[int]] = {}
        for reg_id, attendance in snapshot["attendance"]:
            by_value.setdefault(attendance, []).append(reg_id)
        for attendance, ids in by_value.items():
            Registration.objects.filter(pk__in=ids).update(attendance=attendance)
        for row in snapshot["devices"]:
            row = dict(row)
            pk = row.pop("pk")
            Device.objects.filter(pk=pk).update(**row)

    # --- gunicorn --------------------------------------------------------------------------

    def _start_gunicorn(self, out: Path, port: int, workers: int, threads: int):
        db_url = os.environ.get("DATABASE_URL") or _database_url()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "DEBUG": "false",
            "SECRET_KEY": BENCH_SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": db_url,
            "DB_CONN_MAX_AGE": "600",
            # Plain HTTP on the loopback: the cookies cannot be Secure-only here.
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_SSL_REDIRECT": "false",
            "LOG_LEVEL": "WARNING",
        }
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "project.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--backlog",
            "2048",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ]
        if threads > 1:
            command += ["--worker-class", "gthread", "--threads", str(threads)]
        log = open(out / "gunicorn.log", "w")  # noqa: SIM115 - open while gunicorn runs
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        url = f"http://127.0.0.1:{port}/healthz"
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        self.stdout.write(
                            f"gunicorn on 127.0.0.1:{port}: {workers} workers x {threads} "
                            f"thread(s), DEBUG off, database {connection.settings_dict['NAME']}"
                        )
                        return process
            except OSError:
                time.sleep(0.3)
        _stop(process)
        tail = (out / "gunicorn.log").read_text(errors="replace")[-2000:]
        raise CommandError(f"gunicorn did not start:\n{tail}")


def _int_list(text: str, option: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise CommandError(f"{option} must be comma-separated numbers, e.g. 10,50.") from None
    if not values or min(values) < 1:
        raise CommandError(f"{option} must be comma-separated numbers, e.g. 10,50.")
    return values


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    """Stop gunicorn (its master and workers: it runs in its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _database_url() -> str:
    cfg = connection.settings_dict
    auth = cfg["USER"] + (f":{cfg['PASSWORD']}" if cfg.get("PASSWORD") else "")
    return f"postgres://{auth}@{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{cfg['NAME']}"


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def _jsonable(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _ms(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("inf")


def _read_stats(path: Path) -> dict[str, dict]:
    """locust's ``*_stats.csv``: {name: requests, failures, rps, p50/p95/p99 (ms, as text)}."""
    stats = {}
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            stats[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50": row["50%"],
                "p95": row["95%"],
                "p99": row["99%"],
            }
    return stats
