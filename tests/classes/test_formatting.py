"""Times on pages in the page's language; the Japanese form on Japanese papers."""

from datetime import UTC, datetime, timedelta

from django.utils import translation

from classes.formatting import time_range, time_range_ja

# 01:00 and 02:30 UTC are 10:00 and 11:30 in Asia/Tokyo.
START = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
END = START + timedelta(minutes=90)


def test_a_time_range_uses_the_wave_dash_in_japanese_and_an_en_dash_in_english():
    with translation.override("ja"):
        assert time_range(START, END) == "10:00〜11:30"
    with translation.override("en"):
        assert time_range(START, END) == "10:00–11:30"
        # Papers printed in Japanese keep their form whatever the page's language.
        assert time_range_ja(START, END) == "10:00〜11:30"
