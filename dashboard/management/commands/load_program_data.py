"""``manage.py load_program_data [--dir DIR]``: load venues, curriculum topics and KPIs from CSV."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dashboard.program_data import ProgramDataError, program_data_load


class Command(BaseCommand):
    help = (
        "Load venues.csv, curriculum.csv and kpis.csv (created or updated by code) and make sure "
        "the default organiser and loan policy exist. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            dest="directory",
            type=Path,
            default=None,
            help="Folder holding the CSV files (default: settings.PROGRAM_DATA_DIR).",
        )

    def handle(self, *args, directory: Path | None = None, **options):
        directory = directory or Path(settings.PROGRAM_DATA_DIR)
        try:
            result = program_data_load(directory=directory)
        except ProgramDataError as exc:
            raise CommandError(f"{' '.join(exc.messages)} (nothing was saved)") from exc
        self.stdout.write(f"Loaded program data from {directory}")
        for file_result in result.files:
            self.stdout.write(f"  {file_result}")
        for created in result.created_defaults:
            self.stdout.write(f"  created default {created}")
        self.stdout.write(self.style.SUCCESS("Done."))
