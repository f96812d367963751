"""``manage.py generate_city``: a city-scale data set for load and query-count checks."""

import math
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from devtools.bench_scale import (
    SCALE_VARIABLE,
    bench_scale_default,
    database_check,
    dataset_forget,
    dataset_read,
    dataset_record,
    scale_label,
)
from devtools.demo.city import (
    BATCH_SIZE,
    CITY_DEFAULTS,
    CITY_SEED,
    MUNICIPALITIES,
    city_wipe,
    generate_city,
    vacuum_analyze,
)
from devtools.demo.common import DemoDataError
from residents.models import Resident

# The prefecture's data set (a million residents) and how long making it may take (issue: one
# server for a prefecture).
PREFECTURE_SCALE = 10
GENERATION_GOAL_SECONDS = 15 * 60


def generation_goal_line(seconds: float) -> str:
    """``generation at scale 10 under 15 minutes: ... met`` or ``missed: <by how much>``."""
    line = f"generation at scale {PREFECTURE_SCALE} under 15 minutes: {seconds / 60:.1f} min"
    if seconds < GENERATION_GOAL_SECONDS:
        return f"{line} -> met"
    return f"{line} -> missed: over by {(seconds - GENERATION_GOAL_SECONDS) / 60:.1f} min"


class Command(BaseCommand):
    help = (
        "Add a city-scale data set (residents, sessions, registrations, devices, loans, "
        "supporters and assignments) with COPY on PostgreSQL. Deterministic for a given --seed "
        "and day. --scale multiplies every count (default: the BENCH_SCALE variable, else 1; "
        "10 gives a million residents; 0.01 a small set in seconds). --replace empties the "
        "generated tables first. The scale is recorded in the database for the bench."
    )

    def add_arguments(self, parser):
        for name, default in CITY_DEFAULTS.items():
            parser.add_argument(f"--{name}", type=int, help=f"default {default} x scale")
        parser.add_argument(
            "--scale", type=float, help=f"multiply every count (default ${SCALE_VARIABLE} or 1)"
        )
        parser.add_argument(
            "--municipalities",
            type=int,
            help="いわき市 and the prefecture's other municipalities, each with the program's "
            "venues (default: the scale rounded up, at least 1)",
        )
        parser.add_argument("--seed", type=int, default=CITY_SEED)
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument(
            "--replace", action="store_true", help="empty the generated tables first"
        )

    def handle(
        self, *args, scale, municipalities, seed: int, batch_size: int, replace: bool, **options
    ):
        scale = bench_scale_default() if scale is None else scale
        if scale <= 0:
            raise CommandError("--scale must be greater than 0.")
        if municipalities is None:
            municipalities = max(1, math.ceil(scale))
        if not 1 <= municipalities <= len(MUNICIPALITIES) + 1:
            raise CommandError(f"--municipalities must be 1 to {len(MUNICIPALITIES) + 1}.")
        database_check(scale)
        counts = {
            name: options[name] if options[name] is not None else max(1, round(default * scale))
            for name, default in CITY_DEFAULTS.items()
        }
        self.stdout.write(
            f"Generating scale {scale_label(scale)} into {connection.vendor} "
            f"{connection.settings_dict.get('NAME')}: "
            + ", ".join(f"{name} {count:,}" for name, count in counts.items())
            + f"; {municipalities} municipalities"
        )
        started = time.monotonic()
        dataset_forget()
        if replace:
            city_wipe()
            self.stdout.write(
                f"  emptied the generated tables in {time.monotonic() - started:.1f} s"
            )
        was_empty = not Resident.objects.exists()
        try:
            result = generate_city(
                **counts,
                municipalities=municipalities,
                seed=seed,
                batch_size=batch_size,
                log=lambda m: self.stdout.write(f"  {m}"),
            )
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        t0 = time.monotonic()
        vacuum_analyze()
        if connection.vendor == "postgresql":
            self.stdout.write(f"  vacuum and analyze: {time.monotonic() - t0:.1f} s")
        seconds = time.monotonic() - started
        for name, count in result.counts.items():
            self.stdout.write(f"  {name:<16} {count:>11,}")
        if was_empty and all(options[name] is None for name in CITY_DEFAULTS):
            dataset_record(
                scale=scale, seed=seed, generated_at=timezone.now().isoformat(), seconds=seconds
            )
        else:
            self.stdout.write(
                "  Not recorded as a bench data set (added to existing data or counts given): "
                "the bench will generate its own."
            )
        self.stdout.write(self.style.SUCCESS(f"Generated in {seconds:.1f} s."))
        if scale == PREFECTURE_SCALE:
            self.stdout.write(generation_goal_line(seconds))
        marker = dataset_read()
        if marker:
            self.stdout.write(f"Data set recorded: scale {marker.scale}, seed {marker.seed}.")
