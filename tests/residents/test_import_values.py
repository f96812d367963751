"""Cell values as offices type them (``residents.importing.values``)."""

from datetime import date, datetime

import pytest

from residents.importing.values import read_birth_date, read_device, read_phone
from residents.models import OwnDevice

TODAY = date(2026, 4, 1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(1945, 5, 3), date(1945, 5, 3)),  # an Excel date cell
        (16560, date(1945, 5, 3)),  # its serial number
        ("16560", date(1945, 5, 3)),
        ("19450503", date(1945, 5, 3)),
        ("1945-05-03 00:00:00", date(1945, 5, 3)),
        ("昭和20年5月3日", date(1945, 5, 3)),
        ("Ｓ２０．５．３", date(1945, 5, 3)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("M45.7.29", date(1912, 7, 29)),
        ("T1.7.30", date(1912, 7, 30)),
        ("1940年（昭和15年）6月1日", date(1940, 6, 1)),
        ("昭和15年（1940年）6月1日", date(1940, 6, 1)),
    ],
)
def test_birth_dates_are_read(value, expected):
    assert read_birth_date(value, today=TODAY) == (expected, "")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("昭和64年1月8日", "outside the 昭和 era"),
        ("平成元年1月7日", "outside the 平成 era"),
        ("令和元年4月30日", "outside the 令和 era"),
        ("1941/2/30", "there is no day 30"),
        ("1899/12/31", "1900-01-01"),
        ("2030/1/1", "in the future"),
        ("よくわからない", "not a date"),
    ],
)
def test_impossible_birth_dates_say_why(value, reason):
    with pytest.raises(ValueError, match=reason):
        read_birth_date(value, today=TODAY)


def test_combined_date_whose_years_disagree_is_left_empty_and_flagged():
    birth, flag = read_birth_date("1941年（昭和17年）4月1日", today=TODAY)
    assert birth is None and "disagree" in flag


@pytest.mark.parametrize(
    ("value", "phone", "flagged", "warned"),
    [
        (246990001, "0246-99-0001", False, True),  # a number: the leading 0 lost
        (9099990002.0, "090-9999-0002", False, True),
        ("0246 99 0001", "0246-99-0001", False, False),
        ("０９０－９９９９－０００２", "090-9999-0002", False, False),
        ("+81 90-9999-0002", "090-9999-0002", False, False),
        ("12345", "", True, False),
        ("電話なし", "", False, True),
    ],
)
def test_phones(value, phone, flagged, warned):
    result, flag, warning = read_phone(value)
    assert (result, bool(flag), bool(warning)) == (phone, flagged, warned)


@pytest.mark.parametrize(
    ("word", "device"),
    [
        ("スマホ", OwnDevice.SMARTPHONE),
        ("ｽﾏﾎ", OwnDevice.SMARTPHONE),
        ("あり", OwnDevice.SMARTPHONE),
        ("らくらくホン", OwnDevice.FEATURE_PHONE),
        ("ガラケー", OwnDevice.FEATURE_PHONE),
        ("iPhone 13", OwnDevice.IPHONE),
        ("アンドロイド", OwnDevice.ANDROID),
        ("らくらくスマートフォン", OwnDevice.ANDROID),
        ("iPad", OwnDevice.TABLET),
        ("なし", OwnDevice.NONE),
        ("", OwnDevice.NONE),
        ("ポケベル", None),
    ],
)
def test_device_words(word, device):
    assert read_device(word) == device
