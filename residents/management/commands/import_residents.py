"""manage.py import_residents FILE [--report PATH] [--user USERNAME]"""

import os
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from residents.services_import import import_residents


class Command(BaseCommand):
    help = (
        "Import a resident list as the office keeps it (.xlsx, or CSV in UTF-8, Shift_JIS or "
        "UTF-16; the header may sit below title lines). Writes a report next to the file "
        "(<name>.report.txt) or to --report, also when the file is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--report", type=Path, help="Where to write the report.")
        parser.add_argument("--user", help="Username recorded as the importer.")

    def handle(self, *args, file: Path, report: Path | None, user: str | None, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        report_path = report or file.with_name(f"{file.stem}.report.txt")
        # Check before importing, so a report that cannot be written does not follow an import.
        report_dir = report_path.parent if str(report_path.parent) else Path(".")
        if not os.access(report_dir, os.W_OK) or (
            report_path.exists() and not os.access(report_path, os.W_OK)
        ):
            raise CommandError(
                f"Cannot write the report to {report_path}. Choose another place with --report."
            )
        by = None
        if user:
            by = get_user_model().objects.filter(username=user).first()
            if by is None:
                raise CommandError(f"No user named {user!r}.")
        with file.open("rb") as handle:
            run = import_residents(file=handle, file_name=file.name, by=by)
        report_path.write_text(run.report, encoding="utf-8")
        self.stdout.write(run.report)
        if run.refused:
            raise CommandError(
                f"{file}: {run.error} Nothing was imported. Report written to {report_path}"
            )
        self.stdout.write(self.style.SUCCESS(f"Report written to {report_path}"))
