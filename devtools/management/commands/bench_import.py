"""``manage.py bench_import [--rows 20000] [--format xlsx|csv] [--keep]``: time a list import.

Writes a list as offices keep it (a title line above the header, mixed date and phone forms,
an empty row and a footer), stores it as an upload, and runs the two steps the background tasks
run: the preview (read every row, look for duplicates) and the import (chunks of 1,000 rows).
Prints the seconds of each and in all. Goal: 20,000 rows in under 60 s in all on PostgreSQL.
The residents and the run are deleted afterwards unless ``--keep``.
"""

import io
import random
import time
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import connection

from residents.models import Resident, ResidentImport
from residents.services_import import (
    resident_import_preview,
    resident_import_run,
)

FAMILY = [("山田", "ヤマダ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"),
          ("田中", "タナカ"), ("渡辺", "ワタナベ"), ("伊藤", "イトウ"), ("中村", "ナカムラ")]  # fmt: skip
GIVEN = [("太郎", "タロウ"), ("和子", "カズコ"), ("幸子", "サチコ"), ("弘", "ヒロシ"),
         ("節子", "セツコ"), ("清", "キヨシ"), ("茂", "シゲル"), ("千代子", "チヨコ")]  # fmt: skip
DEVICES = ["スマホ", "らくらくホン", "ガラケー", "iPhone", "アンドロイド", "なし", ""]
HEADER = ["No.", "氏　名", "フリガナ", "生年月日", "連絡先", "地区", "端末", "備考"]


def list_rows(count: int, seed: int = 1) -> list[list]:
    """``count`` resident rows of varied forms (deterministic for ``seed``)."""
    rng = random.Random(seed)
    rows = []
    for number in range(1, count + 1):
        family, family_kana = rng.choice(FAMILY)
        given, given_kana = rng.choice(GIVEN)
        born = date(1930, 1, 1) + timedelta(days=rng.randrange(0, 365 * 30))
        era_year = born.year - 1925
        birth = rng.choice(
            [born.strftime("%Y/%m/%d"), f"昭和{era_year}年{born.month}月{born.day}日",
             f"S{era_year}.{born.month}.{born.day}"]
        )  # fmt: skip
        phone = f"0246-{10 + number // 10000:02d}-{number % 10000:04d}"
        rows.append(
            [number, f"{family}　{given}", f"{family_kana} {given_kana}", birth, phone,
             rng.choice(["平", "小名浜", "勿来", "常磐"]), rng.choice(DEVICES), ""]
        )  # fmt: skip
    return rows


def list_file(count: int, file_format: str) -> bytes:
    rows = list_rows(count)
    footer = ["合計", f"{count}名"]
    if file_format == "csv":
        lines = ["参加者名簿,,,,,,,", ",".join(HEADER)]
        lines += [",".join(str(c) for c in row) for row in rows[: count // 2]]
        lines += [",,,,,,,"]
        lines += [",".join(str(c) for c in row) for row in rows[count // 2 :]]
        lines += [",".join(footer)]
        return ("\r\n".join(lines) + "\r\n").encode("cp932")
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("名簿")
    sheet.append(["参加者名簿"])
    sheet.append(HEADER)
    for row in rows[: count // 2]:
        sheet.append(row)
    sheet.append([])
    for row in rows[count // 2 :]:
        sheet.append(row)
    sheet.append(footer)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


class Command(BaseCommand):
    help = "Time the preview and the import of a resident list (default 20,000 rows, .xlsx)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=20000)
        parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
        parser.add_argument("--keep", action="store_true", help="Keep the imported residents.")

    def handle(self, *args, rows: int, format: str, keep: bool, **options):
        content = list_file(rows, format)
        upload = SimpleUploadedFile(f"bench.{format}", content)
        run = ResidentImport(file_name=f"bench.{format}", file_size=len(content))
        run.file.save(f"bench-{time.time_ns()}.{format}", upload, save=True)
        started = time.perf_counter()
        resident_import_preview(import_id=run.pk)
        previewed = time.perf_counter()
        ResidentImport.objects.filter(pk=run.pk).update(status=ResidentImport.Status.CONFIRMED)
        resident_import_run(import_id=run.pk)
        finished = time.perf_counter()
        run.refresh_from_db()
        self.stdout.write(
            f"{connection.vendor}, {rows} rows ({format}, {len(content):,} bytes): "
            f"preview {previewed - started:.1f} s, import {finished - previewed:.1f} s, "
            f"in all {finished - started:.1f} s; {run.status}: {run.rows_total} rows = "
            f"{run.rows_imported} imported + {run.rows_flagged} flagged + "
            f"{run.rows_rejected} rejected + {run.rows_skipped} skipped"
        )
        if not keep:
            Resident.objects.filter(source_import=run).delete()
            run.file.delete(save=False)
            run.delete()
