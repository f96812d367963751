"""bench_load's runner: gunicorn started on the bench database, one locust run per step of the
ramp (a number of simultaneous desks), and their figures read from locust's CSV files and the
run's info file (CPU used while measuring, see ``procstat``)."""

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
from devtools.loadtest.plan import BENCH_SECRET_KEY
from devtools.tables import format_table

# Longest wait for gunicorn to finish what locust sent before it stopped (see RunSteps._drain).
DRAIN_SECONDS = 30.0

P95_GOAL_MS = 200


class RunSteps(CheckSteps):
    """The locust runs and gunicorn of the bench_load command (they write to its ``stdout``).
    Around each step they take the snapshot, checks and cleanup of ``CheckSteps``."""

    stdout: OutputWrapper  # set by BaseCommand
    style: Style  # set by BaseCommand

    # --- one locust run --------------------------------------------------------------------

    def _locust(self, out: Path, port: int, plan: dict, users: int, label: str):
        """Run locust headless with ``users`` desks; return {request name: figures} from its
        CSV and the run's info (desks that could not start, CPU used). Desks that could not
        start are written as failures."""
        prefix = out / label
        plan_file = out / f"{label}.plan.json"
        info_file = out / f"{label}.info.json"
        info_file.unlink(missing_ok=True)
        plan = {**plan, "info_file": str(info_file)}
        plan_file.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
        cap = plan["login_timeout"] + plan["measure_seconds"] + 60
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
            "StaffDay",
        ]
        env = {**os.environ, "BENCH_LOAD_PLAN": str(plan_file)}
        with open(out / f"{label}.locust.log", "w") as log:
            # Its own process group (the generator's CPU is counted by group); the repository
            # as working directory, so the locustfile can import devtools.loadtest.procstat.
            subprocess.run(
                command,
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
                start_new_session=True,
            )
        stats_file = Path(f"{prefix}_stats.csv")
        if not stats_file.exists() or not info_file.exists():
            tail = (out / f"{label}.locust.log").read_text(errors="replace")[-2000:]
            raise CommandError(f"The locust run {label} did not finish:\n{tail}")
        stats = _read_stats(stats_file)
        info = json.loads(info_file.read_text())
        if info["logins_failed"]:
            stats["start: logged-in session"] = {
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
        self._drain(port)
        return stats, info

    def _drain(self, port: int) -> None:
        """Wait until gunicorn has answered every request locust sent before it stopped.

        At saturation requests wait in the listening socket's queue; when locust stops, gunicorn
        still takes them and runs them (a lend, a registration) after locust has gone. Without
        this wait they would land after the step's cleanup and leave a device lent into the next
        step. The queue is first in, first out, so a /healthz answered means everything queued
        before it has been taken; then the rows the bench accounts wrote are counted until they
        stop changing (at most ``DRAIN_SECONDS``)."""
        url = f"http://127.0.0.1:{port}/healthz"
        deadline = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=DRAIN_SECONDS) as response:
                    response.read()
                break
            except OSError:
                time.sleep(0.5)
        before = self._load_writes()
        while time.monotonic() < deadline:
            time.sleep(1.0)
            now = self._load_writes()
            if now == before:
                return
            before = now

    def _warm_up(self, out: Path, port: int, plan: dict, desks: int, duration: int) -> None:
        """An unreported run, so the first step does not measure workers starting up."""
        snapshot = self._snapshot(plan, out)
        try:
            self._locust(out, port, {**plan, "measure_seconds": duration}, desks, "warm_up")
        finally:
            self._cleanup(snapshot)
            (out / RESTORE_FILE).unlink(missing_ok=True)
        self.stdout.write(f"Warm-up: {desks} desks for {duration} s (not reported)")

    def _staff_day(self, out: Path, port: int, plan: dict, desks: int, duration: int) -> dict:
        """One step of the ramp: ``desks`` simultaneous desks for ``duration`` seconds. Prints
        the table and returns {"desks", "slow": [(page, p95 text)], "errors": [text],
        "overbooking": [text]}."""
        label = f"staff_day_{desks}"
        run_plan = {**plan, "measure_seconds": duration}
        snapshot = self._snapshot(plan, out)
        load_before = _loadavg()
        try:
            stats, info = self._locust(out, port, run_plan, desks, label)
            made = self._load_writes()
            problems = self._overbooking()
        finally:
            self._cleanup(snapshot)
            (out / RESTORE_FILE).unlink(missing_ok=True)
        rows, errors, slow = [], [], []
        total = stats.pop("Aggregated", None)
        stats.pop("start: dashboard", None)  # before timing started
        for name, s in sorted(stats.items()):
            rows.append((name, f"{s['rps']:.2f}", s["p50"], s["p95"], s["p99"], s["failures"]))
            if s["failures"]:
                errors.append(f"{s['failures']} errors on {name}")
            if _ms(s["p95"]) >= P95_GOAL_MS:
                slow.append((name, s["p95"]))
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
            f"{desks} desks: think time {plan['think'][0]:g}-{plan['think'][1]:g} s, "
            f"{duration} s measured (load average before: {load_before}, after: {_loadavg()})"
        )
        header = ("page", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors")
        for line in format_table([header, *rows], right=(1, 2, 3, 4, 5)):
            self.stdout.write(line)
        self.stdout.write("  " + _cpu_line(info, total["requests"] if total else 0))
        self.stdout.write(
            f"  written by the load: {made['registered']} seats, {made['waitlisted']} on a "
            f"waitlist, {made['loans']} loans (all received back: {made['loans_returned']})"
        )
        if problems:
            for problem in problems:
                self.stdout.write(self.style.ERROR(f"  OVERBOOKING: {problem}"))
        else:
            self.stdout.write(
                "  overbooking: none (no session over its seats, no device on two active loans)"
            )
        return {
            "desks": desks,
            "slow": slow,
            "errors": errors,
            "overbooking": problems,
            "rps": total["rps"] if total else 0.0,
            "cpu_ms": cpu_per_request(info, total["requests"] if total else 0),
            "cores": info.get("cores") or 1,
        }

    # --- gunicorn --------------------------------------------------------------------------

    def _start_gunicorn(
        self, out: Path, port: int, workers: int, threads: int, extra_env: dict[str, str]
    ):
        """gunicorn on ``port`` in its own process group (its pid is the group id), with the
        production settings (DEBUG off) plus ``extra_env``; returns the Popen once /healthz
        answers."""
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
            **extra_env,
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
        # Workers import Django one after another: on a busy machine that takes a while.
        deadline = time.monotonic() + 180
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


def _cpu_line(info: dict, requests: int) -> str:
    """The CPU the step used, in cores busy on average (1.00 = one core all the time), and the
    application's and PostgreSQL's CPU per request: the figure that does not depend on what
    else the machine runs."""
    seconds = info.get("seconds") or 0.0
    if not seconds:
        return "CPU: not measured"
    cpu = info.get("cpu", {})

    def cores(group: str) -> float:
        return cpu.get(group, {}).get("seconds", 0.0) / seconds

    def count(group: str) -> int:
        return cpu.get(group, {}).get("processes", 0)

    machine = info.get("machine", {})
    busy = machine.get("busy", 0.0) / seconds
    others = max(0.0, busy - cores("app") - cores("postgres") - cores("generator"))
    return (
        f"CPU (cores busy on average, of {info.get('cores', '?')}): "
        f"app {cores('app'):.2f} ({count('app')} gunicorn processes), "
        f"PostgreSQL {cores('postgres'):.2f} ({count('postgres')} backends), "
        f"load generator {cores('generator'):.2f} (locust); "
        f"whole machine {busy:.2f}, of which other processes {others:.2f}"
        + (
            "\n  CPU per request: "
            + ", ".join(
                f"{label} {per_request[group]:.1f} ms"
                for group, label in CPU_GROUPS
                if group in per_request
            )
            if (per_request := cpu_per_request(info, requests))
            else ""
        )
    )


# The processes whose CPU a step measures: (group in the locustfile's reading, label).
CPU_GROUPS = (("app", "app"), ("postgres", "PostgreSQL"), ("generator", "load generator"))


def cpu_per_request(info: dict, requests: int) -> dict[str, float]:
    """Milliseconds of CPU per request of each group of ``CPU_GROUPS`` during a step ({} when
    nothing was measured). ``info`` is the locustfile's reading: {"seconds", "cpu": {group:
    {"seconds", "processes"}}}."""
    if not requests or not info.get("seconds"):
        return {}
    cpu = info.get("cpu", {})
    return {
        group: cpu[group]["seconds"] * 1000 / requests for group, _ in CPU_GROUPS if group in cpu
    }


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
