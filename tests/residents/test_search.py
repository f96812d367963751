"""resident_search: every way staff type a resident finds them, in one query, ordered by kana."""

from datetime import date

import pytest

from residents.selectors import resident_search
from tests.factories import ResidentFactory


@pytest.fixture
def yamada(db):
    return ResidentFactory(
        name="山田　太郎",
        name_kana="やまだ たろう",
        birth_date=date(1945, 5, 3),
        phone="0246-99-0001",
    )


@pytest.fixture
def others(db):
    return [
        ResidentFactory(
            name="佐藤 和子",
            name_kana="サトウ カズコ",
            birth_date=date(1942, 11, 23),
            phone="090-9999-0002",
        ),
        ResidentFactory(
            name="鈴木 幸子",
            name_kana="ｽｽﾞｷ ｻﾁｺ",
            birth_date=date(1942, 2, 14),
            phone="0246-99-9003",
        ),
        ResidentFactory(
            name="山本 美代子",
            name_kana="やまもと みよこ",
            birth_date=date(1950, 6, 30),
            phone="090-9999-0012",
        ),
    ]


def names(qs):
    return [r.name for r in qs]


@pytest.mark.parametrize(
    "query",
    [
        "やまだ",
        "ヤマダ",
        "ﾔﾏﾀﾞ",
        "やまだ たろう",
        "やまだたろう",
        "ヤマダ　タロウ",
        "ﾔﾏﾀﾞﾀﾛｳ",
        "たろう",
        "山田",
        "山田太郎",
        "山田 太郎",
        "山田　太郎",
        "太郎",
        "0246-99-0001",
        "0246990001",
        "０２４６－９９－０００１",
        "(0246)99-0001",
        "0001",
        "99-0001",
        "昭和20年5月3日",
        "S20.5.3",
        "ｓ２０．５．３",
        "1945/5/3",
        "1945-05-03",
        "1945年5月3日",
    ],
)
def test_every_way_of_typing_finds_the_resident(yamada, others, query):
    assert names(resident_search(query=query)) == ["山田　太郎"]


def test_name_is_stored_with_one_ascii_space_but_matches_either_way(yamada):
    yamada.refresh_from_db()
    assert yamada.name == "山田　太郎"  # factory bypasses the service: kept as typed
    assert yamada.search_name == "山田太郎"


def test_kana_prefix_matches_several_in_kana_order(yamada, others):
    assert names(resident_search(query="やま")) == ["山田　太郎", "山本 美代子"]


def test_results_are_ordered_by_kana(yamada, others):
    results = names(resident_search(query="09099990"))
    assert results == ["佐藤 和子", "山本 美代子"]  # サトウ before ヤマモト


def test_half_width_kana_import_is_found_by_hiragana(others):
    assert names(resident_search(query="すずき")) == ["鈴木 幸子"]
    assert names(resident_search(query="9003")) == ["鈴木 幸子"]


def test_a_birth_date_matches_only_that_day(yamada, others):
    assert names(resident_search(query="S17.2.14")) == ["鈴木 幸子"]
    assert names(resident_search(query="S17.2.15")) == []


@pytest.mark.parametrize(
    "query", ["", "   ", "1941/02/30", "昭和13年13月1日", "ヤマダジロウ", "123"]
)
def test_no_match_or_impossible_input_gives_nothing(yamada, others, query):
    assert names(resident_search(query=query)) == []


def test_short_digit_strings_do_not_match_the_middle_of_a_number(yamada):
    # "last digits" needs 4+; 3 digits only match the start of a number
    assert names(resident_search(query="001")) == []
    assert names(resident_search(query="024")) == ["山田　太郎"]


def test_limit_is_respected(db):
    for i in range(8):
        ResidentFactory(name=f"山田 {i}", name_kana=f"やまだ {i}")
    assert len(resident_search(query="やまだ", limit=5)) == 5


@pytest.mark.parametrize("count", [5, 50])
def test_search_is_one_query_however_many_match(db, django_assert_num_queries, count):
    for i in range(count):
        ResidentFactory(
            name=f"山田 花{i}",
            name_kana="やまだ はなこ",
            phone=f"0246-22-{i:04d}",
            # Anyone but S20.5.3 (1945-05-03), which the birth-date query below must find nobody on.
            birth_date=date(1950, 1, 1 + i % 28),
        )
    for query in ("やまだ", "はなこ", "山田", "0246-22", "S20.5.3"):
        with django_assert_num_queries(1):
            results = list(resident_search(query=query, limit=100))
        assert len(results) == (0 if query == "S20.5.3" else count)
    with django_assert_num_queries(1):
        assert names(resident_search(query="0003", limit=100)) == ["山田 花3"]
