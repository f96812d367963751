"""Backup and restore (scripts/backup.sh, scripts/restore.sh): every record comes back.

Fills the PostgreSQL test database, backs it up with pg_dump through scripts/backup.sh, restores
it with scripts/restore.sh into a fresh database made for the test, and compares every table.
"""

import os
import shutil
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from classes.models import CallListEntry
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Whole-table checksums of the records that matter most.
KEY_TABLES = ["residents_resident", "classes_registration", "loans_loan", "loans_device"]


def _url(dbname: str) -> str:
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgresql://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{dbname}"


def _pg_bin_dir() -> str:
    """Directory of pg_dump/pg_restore of the server's major version (newer also works)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        major = int(cursor.fetchone()[0]) // 10000
    for candidate in (f"/usr/lib/postgresql/{major}/bin",):
        if Path(candidate, "pg_dump").exists():
            return candidate
    found = shutil.which("pg_dump")
    if not found:
        pytest.skip("needs pg_dump and pg_restore (apt-get install postgresql-client)")
    return str(Path(found).parent)


def _snapshot(conn) -> tuple[dict[str, int], dict[str, str]]:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
    ]
    counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    sums = {
        t: conn.execute(
            f"SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x.id), '')) FROM \"{t}\" x"
        ).fetchone()[0]
        for t in KEY_TABLES
    }
    return counts, sums


def _fill_one_of_everything():
    venue = f.VenueFactory()
    staff = f.make_user("staff", venues=[venue], username="backup-staff")
    session = f.SessionFactory(venue=venue, title="LINE入門 ①")
    registration = f.RegistrationFactory(
        session=session, resident=f.ResidentFactory(name="髙橋 﨑子", email="saki@example.jp")
    )
    f.RegistrationFactory(session=session)
    CallListEntry.objects.create(registration=registration, reason="reminder")
    today = timezone.localdate()
    f.LoanFactory(start_date=today - timedelta(days=20), due_date=today - timedelta(days=1))
    f.LoanFactory()
    f.DeviceFactory()
    supporter = f.SupporterFactory(user=f.make_user("supporter", username="backup-supp"))
    f.AssignmentFactory(session=session, supporter=supporter)
    f.AvailabilityFactory(supporter=supporter)
    return staff


def _run(cmd: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_a_backup_restored_into_a_fresh_database_has_every_record(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    _fill_one_of_everything()
    source_url = _url(connection.settings_dict["NAME"])
    env = {**os.environ, "PATH": f"{_pg_bin_dir()}:{os.environ['PATH']}"}
    env.pop("MEDIA_ROOT", None)

    out = _run(["sh", "scripts/backup.sh", str(tmp_path)], {**env, "DATABASE_URL": source_url})
    dump = Path(out.strip().splitlines()[-1])
    assert dump.exists() and dump.stat().st_size > 0
    assert not list(tmp_path.glob("*.partial"))

    fresh = f"restore_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(_url("postgres"), autocommit=True)
    admin.execute(f'CREATE DATABASE "{fresh}"')
    try:
        _run(["sh", "scripts/restore.sh", str(dump), _url(fresh)], env)
        with psycopg.connect(source_url) as src, psycopg.connect(_url(fresh)) as dst:
            src_counts, src_sums = _snapshot(src)
            dst_counts, dst_sums = _snapshot(dst)
            # Sequences come back too: the next new row does not collide with a restored one.
            next_id = dst.execute(
                "SELECT nextval(pg_get_serial_sequence('residents_resident', 'id'))"
            ).fetchone()[0]
            max_id = dst.execute("SELECT max(id) FROM residents_resident").fetchone()[0]
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
        admin.close()

    filled = [t for t, n in src_counts.items() if n]
    assert len(filled) >= 15, f"the fixture should fill most tables, filled only {filled}"
    assert dst_counts == src_counts
    assert dst_sums == src_sums
    assert next_id > max_id


def test_restore_refuses_a_damaged_dump_and_leaves_nothing_half_restored(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    env = {**os.environ, "PATH": f"{_pg_bin_dir()}:{os.environ['PATH']}"}
    damaged = tmp_path / "damaged.dump"
    damaged.write_bytes(b"PGDMP" + os.urandom(2000))
    fresh = f"restore_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(_url("postgres"), autocommit=True)
    admin.execute(f'CREATE DATABASE "{fresh}"')
    try:
        result = subprocess.run(
            ["sh", "scripts/restore.sh", str(damaged), _url(fresh)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        with psycopg.connect(_url(fresh)) as dst:
            tables = dst.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            ).fetchone()[0]
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
        admin.close()
    assert result.returncode != 0
    assert tables == 0
