"""A real headless Chromium (Playwright) for the browser tests, and a page logged in as staff."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PASSWORD = "pass-1234-word"  # tests.factories.UserFactory's password


@pytest.fixture
def page(monkeypatch):
    """A new Chromium page (Japanese locale, downloads allowed); skipped without Chromium."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="needs playwright")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself are safe (they happen before and after, not during, page actions).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
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


@pytest.fixture
def staff_page(page, live_server, staff_user):
    """``page`` after logging in through the login form as ``staff_user`` (staff of ``venue``)."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill(staff_user.username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    return page
