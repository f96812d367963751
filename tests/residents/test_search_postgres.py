"""On PostgreSQL every kind of search is answered from an index (the 100,000-resident case)."""

from datetime import date

import pytest
from django.db import connection

from residents.selectors import resident_search
from tests.factories import ResidentFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...): checks query plans")


def test_trigram_index_for_name_contains_exists():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'residents_resident_search_name_trgm'"
        )
        row = cursor.fetchone()
    assert row and "gin_trgm_ops" in row[0]


@pytest.mark.parametrize(
    "query",
    ["やまだ", "ﾔﾏﾀﾞ ﾀﾛｳ", "たろう", "山田", "山田太郎", "太郎", "0246-99-0001", "0001", "S20.5.3"],
)
def test_every_search_kind_can_use_an_index(query):
    for i in range(30):
        ResidentFactory(name=f"佐藤 {i}", name_kana=f"さとう {i}")
    ResidentFactory(
        name="山田 太郎",
        name_kana="やまだ たろう",
        phone="0246-99-0001",
        birth_date=date(1945, 5, 3),
    )
    with connection.cursor() as cursor:
        # With sequential scans priced out, a plan that still scans the table has no index to use.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = resident_search(query=query).explain()
        cursor.execute("SET LOCAL enable_seqscan = on")
    assert "Seq Scan" not in plan, plan
    assert [r.name for r in resident_search(query=query)] == ["山田 太郎"]
