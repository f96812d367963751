"""``reports:venue_calendar``: the large-print monthly calendar of a venue, read back from the PDF."""

from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pdfplumber
import pytest
from django.urls import reverse

from classes.models import Session
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory
from tests.reports.pdf_helpers import assert_only_embedded_ipaex, pdf_pages_text

TOKYO = ZoneInfo("Asia/Tokyo")


def _at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TOKYO)


@pytest.fixture
def december(venue, other_venue):
    venue.phone = "0246-22-1111"
    venue.save()
    line = SessionFactory(
        venue=venue, title="LINE教室", starts_at=_at(3, 10), ends_at=_at(3, 11, 30), seats=12
    )
    salon = SessionFactory(
        venue=venue,
        kind=Session.Kind.SALON,
        title="スマホサロン",
        starts_at=_at(6, 13, 30),
        ends_at=_at(6, 15),
    )
    cancelled = SessionFactory(
        venue=venue,
        title="地図アプリ教室",
        starts_at=_at(12, 10),
        ends_at=_at(12, 12),
        status=Session.Status.CANCELLED,
    )
    # Not on this calendar: another month, another venue.
    SessionFactory(venue=venue, title="十一月の教室", starts_at=_at(30, 10, month=11))
    SessionFactory(venue=other_venue, title="よその教室", starts_at=_at(4, 10))
    RegistrationFactory(session=line, resident=ResidentFactory(name="佐藤 花子"))
    return line, salon, cancelled


def url(venue, year=2026, month=12) -> str:
    return reverse("reports:venue_calendar", args=[venue.pk, year, month])


def test_url_path(venue):
    assert url(venue) == f"/reports/venues/{venue.pk}/calendar/2026/12.pdf"


def test_calendar_lists_the_months_sessions_with_japanese_weekdays(staff_client, venue, december):
    response = staff_client.get(url(venue))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(pdf_pages_text(response.content))
    assert "いわき市中央公民館" in text and "2026年12月" in text
    assert "12月3日(木)" in text and "10:00〜11:30" in text and "LINE教室" in text
    assert "12月6日(日)" in text and "13:30〜15:00" in text and "スマホサロン" in text
    assert "12月12日(土)" in text and "中止" in text and "地図アプリ教室" in text
    assert "0246-22-1111" in text
    for absent in ("十一月の教室", "よその教室", "佐藤"):
        assert absent not in text
    # In date order.
    assert text.index("LINE教室") < text.index("スマホサロン") < text.index("地図アプリ教室")
    assert_only_embedded_ipaex(response.content)


def test_first_page_is_the_month_as_one_landscape_grid_from_sunday(staff_client, venue, december):
    content = staff_client.get(url(venue)).content
    pages = pdf_pages_text(content)
    # The grid on one page, the details overleaf: 2 pages for December's three sessions.
    assert len(pages) == 2
    with pdfplumber.open(BytesIO(content)) as pdf:
        page = pdf.pages[0]
        assert (round(page.width), round(page.height)) == (842, 595)  # A4 landscape
        words = page.extract_words(extra_attrs=["size", "non_stroking_color"])
        header = [w for w in words if w["text"] in "日月火水木金土" and len(w["text"]) == 1]
        # One column a weekday, Sunday first, left to right.
        assert [w["text"] for w in sorted(header, key=lambda w: w["x0"])] == list("日月火水木金土")
        # Every session is in its day's box, below the day's number.
        line = next(w for w in words if "LINE教室" in w["text"])
        three = next(w for w in words if w["text"] == "3" and w["size"] >= 16)
        column = next(w for w in header if w["text"] == "木")  # 3 December 2026 is a Thursday
        assert column["x0"] - 40 < line["x0"] < column["x1"] + 40
        assert three["top"] < line["top"]
        # The details list overleaf, in large print.
        details = pdf.pages[1].extract_words(extra_attrs=["size"])
        body = [w for w in details if "LINE教室" in w["text"] or "12月3日" in w["text"]]
        assert body and min(w["size"] for w in body) >= 14


def test_saturdays_are_blue_and_sundays_and_holidays_red(staff_client, venue):
    january = url(venue, 2027, 1)  # 1 January (元日) is a Friday, 11 January 成人の日
    SessionFactory(
        venue=venue, title="初春の教室", starts_at=datetime(2027, 1, 12, 10, tzinfo=TOKYO)
    )
    with pdfplumber.open(BytesIO(staff_client.get(january).content)) as pdf:
        words = pdf.pages[0].extract_words(extra_attrs=["size", "non_stroking_color"])
    days = {w["text"]: w["non_stroking_color"] for w in words if w["size"] >= 16}
    red, blue = (0.690196, 0, 0.12549), (0.101961, 0.309804, 0.627451)

    def close(color, expected):
        return all(abs(a - b) < 0.01 for a, b in zip(color, expected, strict=True))

    assert close(days["3"], red)  # a Sunday
    assert close(days["1"], red) and close(days["11"], red)  # holidays
    assert close(days["2"], blue) and close(days["9"], blue)  # Saturdays
    assert not close(days["12"], red) and not close(days["12"], blue)
    text = pdf_pages_text(staff_client.get(january).content)[0]
    assert "元日" in text and "成人の日" in text


def test_a_busy_month_keeps_the_grid_on_one_page(staff_client, venue):
    for day in range(1, 32):
        for hour in (9, 10, 11, 13, 14, 15):
            SessionFactory(
                venue=venue,
                title=f"教室{day}の{hour}時",
                starts_at=_at(day, hour),
                ends_at=_at(day, hour, 50),
            )
    pages = pdf_pages_text(staff_client.get(url(venue)).content)
    grid = pages[0]
    assert "12月の予定" in grid and "12月の予定の詳細" not in grid
    # What does not fit in a day's box is pointed overleaf, where every session is listed.
    assert "ほか" in grid and "裏面" in grid
    assert "12月の予定の詳細" in pages[1]
    joined = "\n".join(pages[1:])
    assert "教室1の9時" in joined and "教室31の15時" in joined and "12月31日(木)" in joined
    assert f"1 / {len(pages)}" in pages[0]


def test_empty_month_says_so(staff_client, venue, december):
    text = "\n".join(pdf_pages_text(staff_client.get(url(venue, 2027, 2)).content))
    assert "この月の予定はありません" in text


def test_who_may_print(
    client, venue, december, supporter_user, other_staff_user, coordinator_client
):
    assert coordinator_client.get(url(venue)).status_code == 200
    client.force_login(other_staff_user)
    assert client.get(url(venue)).status_code == 200  # sessions are public information
    client.force_login(supporter_user)
    assert client.get(url(venue)).status_code == 403
    client.logout()
    assert client.get(url(venue)).status_code == 302


def test_impossible_month_or_venue_is_404(staff_client, venue):
    assert staff_client.get(url(venue, 2026, 13)).status_code == 404
    assert staff_client.get(url(venue, 2026, 0)).status_code == 404
    assert (
        staff_client.get(reverse("reports:venue_calendar", args=[9999, 2026, 12])).status_code
        == 404
    )
