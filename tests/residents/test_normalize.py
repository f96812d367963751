"""Normalising what staff type: kana, names, phone numbers and birth dates."""

from datetime import date

import pytest

from residents.normalize import (
    format_phone,
    kana_search_key,
    normalize_kana,
    parse_birth_date,
    phone_digits,
    search_name_key,
)

TODAY = date(2025, 6, 1)


@pytest.mark.parametrize("text", ["ｽｽﾞｷ ｻﾁｺ", "すずき　さちこ", "スズキ  サチコ", " すずき さちこ "])
def test_kana_in_any_script_and_width_is_stored_as_katakana(text):
    assert normalize_kana(text) == "スズキ サチコ"
    assert kana_search_key(text) == "スズキサチコ"


@pytest.mark.parametrize("text", ["山田 太郎", "山田　太郎", "山田太郎"])
def test_name_key_ignores_spaces(text):
    assert search_name_key(text) == "山田太郎"


@pytest.mark.parametrize(
    "text", ["0246-99-0001", "０２４６－９９－０００１", "(0246)99-0001", "0246990001"]
)
def test_phone_digits_in_any_width(text):
    assert phone_digits(text) == "0246990001"
    assert format_phone(text) == "0246-99-0001"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("昭和20年5月3日", date(1945, 5, 3)),
        ("S20.5.3", date(1945, 5, 3)),
        ("S.19.9.19", date(1944, 9, 19)),
        ("s19/9/19", date(1944, 9, 19)),
        ("H2.4.1", date(1990, 4, 1)),
        ("大正15年12月1日", date(1926, 12, 1)),
        ("T15.12.1", date(1926, 12, 1)),
        ("明治45年7月29日", date(1912, 7, 29)),
        ("M45.7.29", date(1912, 7, 29)),
        ("令和2年1月1日", date(2020, 1, 1)),
        ("R2.1.1", date(2020, 1, 1)),
        ("昭和元年12月25日", date(1926, 12, 25)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("大正元年7月30日", date(1912, 7, 30)),
        ("昭和２０年５月３日", date(1945, 5, 3)),
        ("Ｓ２０．５．３", date(1945, 5, 3)),
        ("1942/11/23", date(1942, 11, 23)),
        ("1939-07-01", date(1939, 7, 1)),
        ("1944年4月1日", date(1944, 4, 1)),
        ("1947.10.10", date(1947, 10, 10)),
        ("１９４７．１０．１０", date(1947, 10, 10)),
        ("1944/2/29", date(1944, 2, 29)),
    ],
)
def test_birth_dates_in_era_and_western_form(text, expected):
    assert parse_birth_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("昭和13年13月1日", "month 13 does not exist"),
        ("1941/02/30", r"there is no day 30 in 1941/2 \(it has 28 days\)"),
        ("昭和17年2月30日", "there is no day 30"),
        ("1943/2/29", "there is no day 29"),
        ("昭和64年1月8日", "outside the 昭和 era"),
        ("平成元年1月7日", "outside the 平成 era"),
        ("大正15年12月25日", "outside the 大正 era"),
        ("平成31年5月1日", "outside the 平成 era"),
        ("令和10年1月1日", "in the future"),
        ("2030/1/1", "in the future"),
        ("S0.1.1", "no year 0"),
        ("昭和20年", "not a date this program can read"),
        ("0246-99-0001", "not a date this program can read"),
        ("", "empty"),
    ],
)
def test_impossible_birth_dates_are_rejected_with_a_reason(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_birth_date(text, today=TODAY)


def test_today_is_the_last_possible_birth_date():
    assert parse_birth_date("2025/6/1", today=TODAY) == TODAY
    with pytest.raises(ValueError, match="future"):
        parse_birth_date("2025/6/2", today=TODAY)
