"""``manage.py generate_city``: a city-scale data set for load and query-count checks."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from devtools.demo.city import BATCH_SIZE, CITY_DEFAULTS, CITY_SEED, generate_city
from devtools.demo.common import DemoDataError


class Command(BaseCommand):
    help = (
        "Add a city-scale data set (residents, sessions, registrations, devices, loans, "
        "supporters and assignments) with bulk inserts. Deterministic for a given --seed and day. "
        "--scale multiplies every count (0.01 gives a small set in seconds)."
    )

    def add_arguments(self, parser):
        for name, default in CITY_DEFAULTS.items():
            parser.add_argument(f"--{name}", type=int, default=default, help=f"default {default}")
        parser.add_argument("--scale", type=float, default=1.0, help="multiply every count")
        parser.add_argument("--seed", type=int, default=CITY_SEED)
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, scale: float, seed: int, batch_size: int, **options):
        if scale <= 0:
            raise CommandError("--scale must be greater than 0.")
        counts = {name: max(1, round(options[name] * scale)) for name in CITY_DEFAULTS}
        self.stdout.write(
            "Generating: " + ", ".join(f"{name} {count}" for name, count in counts.items())
        )
        try:
            result = generate_city(
                **counts,
                seed=seed,
                batch_size=batch_size,
                log=lambda m: self.stdout.write(f"  {m}"),
            )
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        if connection.vendor == "postgresql":
            # Fresh statistics, as a live database would have, so the planner uses the indexes.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        for name, count in result.counts.items():
            self.stdout.write(f"  {name:<16} {count:>9}")
        self.stdout.write(self.style.SUCCESS(f"Generated in {result.seconds:.1f} s."))
