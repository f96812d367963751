"""Trigram index for "contains" searches on kanji names (3+ characters), PostgreSQL only.

SQLite (development, tests) skips this. Where the database user may not create the pg_trgm
extension, the index is skipped too: search still works, substring matches just scan.
"""

from django.db import migrations, transaction

INDEXES = {"residents_resident_search_name_trgm": "search_name"}


def create_trigram_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias):  # savepoint: a refusal must not abort
            with connection.cursor() as cursor:
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as exc:  # noqa: BLE001 - any refusal means "no trigram indexes"
        print(f"\n  pg_trgm not available ({exc}); skipping trigram indexes.")
        return
    with connection.cursor() as cursor:
        for name, column in INDEXES.items():
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON residents_resident "
                f"USING gin ({column} gin_trgm_ops)"
            )


def drop_trigram_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("residents", "0002_search_keys_and_source_import")]

    operations = [migrations.RunPython(create_trigram_indexes, drop_trigram_indexes)]
