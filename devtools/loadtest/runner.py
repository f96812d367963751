"""bench_load's runner: gunicorn started on the bench database, locust runs (capacity per page,
staff day) and their figures read from locust's CSV files."""

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError, OutputWrapper
from django.core.management.color import Style
from django.db import connection

from devtools.limits import BENCH_AUDIT_READ_LIMIT
from devtools.loadtest import LOCUSTFILE
from devtools.loadtest.checks import RESTORE_FILE, CheckSteps
from devtools.tables import format_table

BENCH_SECRET_KEY = "bench-load-not-secret-" + "x" * 40
RATIO_GOAL = 0.10
P95_GOAL_MS = 200


class RunSteps(CheckSteps):
    """The locust runs and gunicorn of the bench_load command (they write to its ``stdout``).
    Around each staff-day run they take the snapshot, checks and cleanup of ``CheckSteps``."""

    stdout: OutputWrapper  # set by BaseCommand
    style: Style  # set by BaseCommand

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
            # The simulated staff open thousands of residents' pages: raise the read limit.
            "AUDIT_READ_LIMIT": str(BENCH_AUDIT_READ_LIMIT),
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
