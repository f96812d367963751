"""CPU time used by the parts of the load test, read from Linux's ``/proc``: the application
(gunicorn's process group), PostgreSQL (the backends serving one database) and the load
generator (locust's process group), and the whole machine.

Standard library only: the locustfile imports it (locust runs with the repository as its working
directory), and so do the bench command and its tests.
"""

import os
from pathlib import Path

PROC = Path("/proc")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

# {group name: {pid: CPU seconds (user + system) since the process started}}
Sample = dict[str, dict[int, float]]


def _stat(pid_dir: Path) -> tuple[int, float] | None:
    """(process group id, CPU seconds) of one ``/proc/<pid>``, or None once it has exited."""
    try:
        text = (pid_dir / "stat").read_text()
    except OSError:
        return None
    # The command name sits in parentheses and may hold spaces: the fields follow the last ")".
    fields = text[text.rindex(")") + 2 :].split()
    # fields[0] is field 3 of proc(5): pgrp is field 5, utime 14, stime 15 (clock ticks).
    return int(fields[2]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _cmdline(pid_dir: Path) -> str:
    try:
        return (pid_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def cpu_sample(*, app_pgid: int, generator_pgid: int, db_name: str) -> Sample:
    """CPU seconds of every live process, by group: ``app`` (process group ``app_pgid``),
    ``generator`` (process group ``generator_pgid``) and ``postgres`` (backends whose title
    names ``db_name``, e.g. ``postgres: 15/main: postgres bench 127.0.0.1(5432) idle``).
    PostgreSQL's shared background processes (WAL writer, checkpointer) serve every database
    of the server and are left out."""
    sample: Sample = {"app": {}, "postgres": {}, "generator": {}}
    marker = f" {db_name} "
    for pid_dir in PROC.iterdir():
        if not pid_dir.name.isdigit():
            continue
        stat = _stat(pid_dir)
        if stat is None:
            continue
        pgrp, seconds = stat
        pid = int(pid_dir.name)
        if pgrp == app_pgid:
            sample["app"][pid] = seconds
        elif pgrp == generator_pgid:
            sample["generator"][pid] = seconds
        else:
            title = _cmdline(pid_dir)
            if title.startswith("postgres:") and marker in title:
                sample["postgres"][pid] = seconds
    return sample


def cpu_used(before: Sample, after: Sample) -> dict[str, dict]:
    """CPU seconds each group used between two samples, and how many processes it had at the
    end: {group: {"seconds": float, "processes": int}}. A process started in between counts
    from zero; one that exited in between is missing its last part (persistent connections and
    gunicorn's workers live through a run, so this is small)."""
    used = {}
    for group, pids in after.items():
        old = before.get(group, {})
        seconds = sum(max(0.0, now - old.get(pid, 0.0)) for pid, now in pids.items())
        used[group] = {"seconds": round(seconds, 2), "processes": len(pids)}
    return used


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores (``/proc/stat``)."""
    fields = [int(x) for x in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    # guest time is already counted in user time.
    total = sum(fields[:8])
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS
