"""``manage.py seed_demo [--reset]``: a believable demo program with demo logins."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from devtools.demo.builder import DEMO_USERNAMES, demo_data_delete, demo_data_exists, seed_demo
from devtools.demo.common import DemoDataError
from devtools.tables import format_table


class Command(BaseCommand):
    help = (
        "Fill the database with a demo program: about 300 residents, three months of sessions "
        "with registrations and attendance, devices and loans, supporters and their assignments, "
        "and demo logins (admin, staff, staff2, coordinator, supporter). Does nothing when the "
        "demo data is already there, unless --reset. For a demo database only: the demo "
        "passwords are public."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="First delete ALL residents, sessions, registrations, devices, loans, supporters "
            "and assignments, and the demo logins (venues, topics and policies stay).",
        )

    def handle(self, *args, reset: bool = False, **options):
        if demo_data_exists() and not reset:
            self.stdout.write(
                "Demo data already exists (one of the logins "
                f"{', '.join(DEMO_USERNAMES)} is there). Nothing done; use --reset to rebuild it."
            )
            return
        try:
            # One transaction: a failed seed leaves the earlier data in place.
            with transaction.atomic():
                if reset:
                    deleted = demo_data_delete()
                    self.stdout.write(f"Deleted {sum(deleted.values())} rows of earlier data.")
                result = seed_demo(stdout=self.stdout)
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("Demo data created:"))
        for label, count in result.counts.items():
            self.stdout.write(f"  {label:<40} {count:>6}")
        for fact in result.facts:
            self.stdout.write(f"  {fact}")
        self.stdout.write("")
        self.stdout.write("Demo logins:")
        rows = [("username", "role", "venues", "password"), *result.users]
        for line in format_table(rows):
            self.stdout.write(f"  {line}")
