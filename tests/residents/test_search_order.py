"""resident_search takes each search key's first matches and keeps the first in kana order
overall: the same residents, in the same order, as one filter over every key would give."""

from django.db.models import CharField, Q, Value
from django.db.models.functions import Concat

from residents.models import Resident
from residents.selectors import resident_search, resident_search_condition, search_query_parse
from tests.factories import ResidentFactory


def _expected(query: str, limit: int) -> list[int]:
    condition = resident_search_condition(search_query_parse(query))
    assert condition is not None
    ordered = Resident.objects.filter(condition).order_by(
        Concat("search_kana", Value(""), output_field=CharField()), "id"
    )
    return list(ordered.values_list("id", flat=True)[:limit])


def test_first_matches_across_family_and_given_names_in_kana_order(db):
    # サトウ as a family name (many) and as the start of a given name (サトミ... no: サトウ is
    # the given-name key of ones named e.g. 伊藤 サトウ), interleaved in kana order.
    for n in range(12):
        ResidentFactory(name=f"佐藤 {n}", name_kana=f"サトウ {'アイウエオカキクケコサシ'[n]}")
    for given in ("サトウコ", "サトウミ", "サトウエ"):
        ResidentFactory(name=f"安藤 {given}", name_kana=f"アンドウ {given}")
        ResidentFactory(name=f"渡辺 {given}", name_kana=f"ワタナベ {given}")
    ResidentFactory(name="山田 花子", name_kana="ヤマダ ハナコ")

    found = [r.pk for r in resident_search(query="さとう", limit=10)]

    assert found == _expected("さとう", 10)
    kana = [Resident.objects.get(pk=pk).search_kana for pk in found]
    assert kana == sorted(kana)
    # The アンドウ ones (given name サトウ...) come first in kana order, before every サトウ.
    assert kana[:3] == ["アンドウサトウエ", "アンドウサトウコ", "アンドウサトウミ"]


def test_phone_tail_and_prefix_matches_merge_without_duplicates(db):
    both = ResidentFactory(name="重複 一", name_kana="アイダ ハジメ", phone="0246-22-0246")
    tail = ResidentFactory(name="末尾 二", name_kana="イノウエ ジロウ", phone="090-1111-0246")
    ResidentFactory(name="別人 三", name_kana="ウエダ サブロウ", phone="0246-33-1111")
    ResidentFactory(name="無関係 四", name_kana="エンドウ シロウ", phone="080-5555-5555")

    found = list(resident_search(query="0246"))

    # The first number both starts and ends with 0246: listed once.
    assert [r.pk for r in found] == _expected("0246", 30)
    assert [r.name for r in found] == ["重複 一", "末尾 二", "別人 三"]
    assert found.count(both) == 1 and tail in found


def test_era_year_applies_to_every_branch(db):
    ResidentFactory(name="佐藤 一", name_kana="サトウ ハジメ", birth_date="1943-05-01")
    ResidentFactory(name="佐藤 二", name_kana="サトウ ジロウ", birth_date="1950-05-01")
    ResidentFactory(name="伊藤 サトウ", name_kana="イトウ サトウ", birth_date="1950-06-01")

    assert [r.name for r in resident_search(query="さとう 昭和18")] == ["佐藤 一"]
    assert not Resident.objects.filter(
        Q(pk__in=[r.pk for r in resident_search(query="さとう 昭和18")]), birth_date__year=1950
    ).exists()
