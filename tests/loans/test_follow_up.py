"""The loan follow-up call lists (loans:follow_up): due within a week, overdue."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kernel.dates import date_full
from tests.factories import LoanFactory, ResidentFactory

pytestmark = pytest.mark.django_db

URL = reverse("loans:follow_up")


def _loan(venue, due_in_days: int, **resident):
    today = timezone.localdate()
    return LoanFactory(
        venue=venue,
        start_date=today - timedelta(days=200),
        due_date=today + timedelta(days=due_in_days),
        resident=ResidentFactory(**resident),
    )


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def test_due_soon_and_overdue_loans_are_listed_with_phone_device_and_days_overdue(
    staff_client, venue
):
    soon = _loan(venue, 3, name="佐藤 一郎", phone="0246-11-1111")
    late = _loan(venue, -4, name="高橋 二郎", phone="0246-22-2222")
    _loan(venue, 30, name="田中 三郎")  # due in a month: not on either list

    response = staff_client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    due_soon = _section(html, "h-due-soon")
    overdue = _section(html, "h-overdue")
    assert "call to arrange the return" in due_soon
    assert "佐藤 一郎" in due_soon and "0246-11-1111" in due_soon
    assert soon.device.asset_tag in due_soon
    assert "高橋 二郎" not in due_soon
    assert "高橋 二郎" in overdue and "0246-22-2222" in overdue
    assert late.device.asset_tag in overdue
    assert "4 days" in overdue
    assert date_full(late.due_date) in overdue  # Sat 28 Nov 2026, say
    assert "田中 三郎" not in html


def test_proxy_phone_is_shown_for_a_resident_without_a_phone(staff_client, venue):
    _loan(
        venue,
        -1,
        name="伊藤 ハル",
        phone="",
        proxy_name="伊藤 太郎",
        proxy_relation="長男",
        proxy_phone="090-1234-5678",
    )
    html = _section(staff_client.get(URL).content.decode(), "h-overdue")
    assert "090-1234-5678" in html
    assert "伊藤 太郎" in html and "長男" in html
    assert "1 day" in html


def test_staff_see_only_their_venues_loans(staff_client, venue, other_venue):
    _loan(venue, 2, name="自分 会場")
    _loan(other_venue, 2, name="他所 会場")
    _loan(other_venue, -2, name="他所 延滞")
    html = staff_client.get(URL).content.decode()
    assert "自分 会場" in html
    assert "他所 会場" not in html
    assert "他所 延滞" not in html


def test_administrator_sees_every_venue(admin_client_, venue, other_venue):
    _loan(venue, 2, name="自分 会場")
    _loan(other_venue, -2, name="他所 延滞")
    html = admin_client_.get(URL).content.decode()
    assert "自分 会場" in html and "他所 延滞" in html


def test_coordinator_gets_403(coordinator_client):
    assert coordinator_client.get(URL).status_code == 403


def test_empty_lists_say_so(staff_client):
    html = staff_client.get(URL).content.decode()
    assert "No loans are due within the week." in html
    assert "No loans are overdue." in html


def test_page_is_printable_without_menus(staff_client, venue):
    _loan(venue, 1)
    html = staff_client.get(URL).content.decode()
    # app.css hides nav and .no-print when printing; the loan menu must be one of them.
    assert '<nav aria-label="Device loans" class="no-print">' in html
    assert '<p class="no-print">Print this page' in html
    assert '<th scope="col">Call notes</th>' in html


def test_query_count_is_the_same_for_5_and_50_loans(staff_client, venue):
    def count_for(n: int) -> int:
        for i in range(n):
            _loan(venue, 3 if i % 2 else -3)
        with CaptureQueriesContext(connection) as ctx:
            response = staff_client.get(URL)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    small = count_for(5)
    large = count_for(45)
    assert small == large
