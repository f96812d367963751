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


def test_body_text_is_large_print(staff_client, venue, december):
    response = staff_client.get(url(venue))
    with pdfplumber.open(BytesIO(response.content)) as pdf:
        page = pdf.pages[0]
        assert page.width == pytest.approx(595.3, abs=1) and page.height == pytest.approx(
            841.9, abs=1
        )
        words = page.extract_words(extra_attrs=["size"])
        body = [w for w in words if "LINE教室" in w["text"] or "12月3日" in w["text"]]
        assert body
        assert min(w["size"] for w in body) >= 14


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


def test_a_long_month_spreads_over_pages_with_page_numbers(staff_client, venue):
    for day in range(1, 32):
        SessionFactory(
            venue=venue, title=f"教室{day}", starts_at=_at(day, 10), ends_at=_at(day, 11)
        )
    pages = pdf_pages_text(staff_client.get(url(venue)).content)
    assert len(pages) >= 2
    assert f"1 / {len(pages)}" in pages[0]
    joined = "\n".join(pages)
    assert "教室1" in joined and "教室31" in joined and "12月31日(木)" in joined
