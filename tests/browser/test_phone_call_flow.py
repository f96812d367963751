"""A center-staff member takes a phone call in a real headless Chromium.

Logs in, finds the caller by kana typed in hiragana, registers them into a class, reads the
summary back, opens the session and its attendance sheet PDF.
"""

import os
import shutil
from datetime import timedelta

import pytest
from django.utils import timezone

from project.models import Role
from tests.factories import ResidentFactory, SessionFactory, VenueFactory, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture
def page():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="needs playwright")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself are safe (they happen before and after, not during, page actions).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(locale="ja-JP", accept_downloads=True)
        yield context.new_page()
        context.close()
        browser.close()


def test_staff_take_a_call_register_and_open_the_attendance_sheet(page, live_server, tmp_path):
    venue = VenueFactory(name="いわき市中央公民館", access="いわき駅から徒歩10分")
    make_user(Role.STAFF, venues=[venue], username="desk")
    start = (timezone.localtime() + timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    session = SessionFactory(
        venue=venue,
        title="LINEの使い方",
        starts_at=start,
        ends_at=start + timedelta(minutes=90),
        seats=12,
    )
    ResidentFactory(name="鈴木 幸子", name_kana="スズキ サチコ", phone="0246-99-9003")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill("desk")
    page.get_by_label("パスワード").fill("pass-1234-word")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/sessions/phone/")
    page.locator("#id_q").fill("すずき")
    page.keyboard.press("Enter")
    page.get_by_text("鈴木 幸子").first.wait_for()
    page.locator("a.button", has_text="鈴木 幸子").first.click()
    page.locator("form", has=page.locator(f"input[name=session][value='{session.pk}']")).locator(
        "button[type=submit]"
    ).click()

    readback = page.locator("dl.readback")
    readback.wait_for()
    text = readback.inner_text()
    assert "鈴木 幸子" in text
    assert "いわき市中央公民館" in text
    assert "10:00〜11:30" in text
    weekday = "月火水木金土日"[start.weekday()]
    assert f"{start.year}年{start.month}月{start.day}日({weekday})" in text
    page.screenshot(path=str(tmp_path / "readback.png"), full_page=True)

    page.locator(f"a.button[href='/sessions/{session.pk}/']").click()
    page.get_by_text("鈴木 幸子").first.wait_for()
    pdf_link = page.locator(f"a[href$='/reports/sessions/{session.pk}/attendance.pdf']")
    response = page.request.get(live_server.url + pdf_link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body()[:5] == b"%PDF-"
