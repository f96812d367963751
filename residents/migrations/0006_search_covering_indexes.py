"""Covering indexes for the phone search on a million residents (PostgreSQL only).

``resident_search`` asks each search key for its first matches in kana order
(``residents.selectors._first_matches``). With the kana and the id inside the index, PostgreSQL
answers that from the index alone (an index-only scan), however many residents share a family
name, instead of fetching each match from the table to sort it. Built CONCURRENTLY, so a live
database keeps taking registrations while they are made (hence not atomic). SQLite skips this:
its search is fast enough on the sizes it serves.
"""

from django.db import migrations

# name -> (column, included columns)
INDEXES = {
    "residents_kana_cover": ("search_kana", "id"),
    "residents_kana_given_cover": ("search_kana_given", "search_kana, id"),
    "residents_name_cover": ("search_name", "search_kana, id"),
    "residents_name_given_cover": ("search_name_given", "search_kana, id"),
    "residents_phone_cover": ("phone_digits", "search_kana, id"),
    "residents_phone_reversed_cover": ("phone_digits_reversed", "search_kana, id"),
}


def create_covering_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, (column, included) in INDEXES.items():
            cursor.execute(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON residents_resident "
                f"({column} varchar_pattern_ops) INCLUDE ({included})"
            )


def drop_covering_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("residents", "0005_import_preview_and_rows")]

    operations = [migrations.RunPython(create_covering_indexes, drop_covering_indexes)]
