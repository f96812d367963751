"""Slips at the desk are forgiven, and the phone read-back says what the caller has, in a real
headless Chromium: cancelling a registration asks first and can be undone; a caller found by
era year alone hears plainly that a waitlist place is not a seat.

Screenshots go to ``$SCREENSHOT_DIR`` when set (to look at them), else to the test's tmp dir.
"""

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from classes.models import Registration, SeatOffer
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, tmp_path, name: str) -> None:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=True)


def _start(days: int = 2):
    return (timezone.localtime() + timedelta(days=days)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )


def test_cancelling_asks_first_and_a_restore_puts_them_back(
    staff_page, live_server, venue, tmp_path
):
    page = staff_page
    start = _start()
    session = SessionFactory(
        venue=venue,
        title="LINEの使い方",
        starts_at=start,
        ends_at=start + timedelta(minutes=90),
        seats=1,
    )
    seated = RegistrationFactory(
        session=session, resident=ResidentFactory(name="佐藤 花子", name_kana="サトウ ハナコ")
    )
    waiting = RegistrationFactory(
        session=session,
        status=Registration.Status.WAITLISTED,
        resident=ResidentFactory(name="鈴木 一郎", name_kana="スズキ イチロウ"),
    )

    page.goto(f"{live_server.url}/sessions/{session.pk}/")
    page.get_by_role("link", name="申込を取り消す 佐藤 花子").click()
    # The question names who and what; nothing is cancelled yet.
    page.get_by_text("佐藤 花子さんの").first.wait_for()
    assert "この申込を取り消しますか？" in page.locator("h1").inner_text()
    assert "LINEの使い方" in page.locator("main").inner_text()
    shot(page, tmp_path, "cancel-confirm.png")
    seated.refresh_from_db()
    assert seated.status == Registration.Status.REGISTERED

    page.get_by_role("link", name="何も変えずに戻る").click()
    page.wait_for_url(f"{live_server.url}/sessions/{session.pk}/")
    seated.refresh_from_db()
    assert seated.status == Registration.Status.REGISTERED

    page.get_by_role("link", name="申込を取り消す 佐藤 花子").click()
    page.get_by_role("button", name="佐藤 花子さんの申込を取り消す").click()
    page.get_by_text("佐藤 花子さんの申込を取り消しました").wait_for()
    seated.refresh_from_db()
    waiting.refresh_from_db()
    assert seated.status == Registration.Status.CANCELLED
    # The seat went on: it is held for the first in line until they answer.
    assert waiting.status == Registration.Status.WAITLISTED
    assert waiting.seat_offers.get().status == SeatOffer.Status.OPEN

    # Undo: the seat is held now, so the restored registration heads the waitlist, and says so.
    page.get_by_role("button", name="元に戻す 佐藤 花子").click()
    message = page.get_by_text("キャンセル待ちの1番目です")
    message.wait_for()
    shot(page, tmp_path, "restored-to-waitlist.png")
    seated.refresh_from_db()
    assert seated.status == Registration.Status.WAITLISTED


def test_an_era_year_search_finds_the_caller_and_the_waitlist_read_back_is_plain(
    staff_page, live_server, venue, tmp_path
):
    page = staff_page
    venue.address = "いわき市平字堂根町1-1"
    venue.phone = "0246-22-0000"
    venue.save(update_fields=["address", "phone"])
    start = _start(3)
    full = SessionFactory(
        venue=venue,
        title="写真の整理",
        starts_at=start,
        ends_at=start + timedelta(minutes=90),
        seats=1,
        what_to_bring="スマートフォン（お持ちでない方は貸出機があります）、筆記用具",
    )
    RegistrationFactory(session=full)
    ResidentFactory(
        name="伊藤 清子", name_kana="イトウ キヨコ", birth_date=date(1943, 5, 1), own_device="none"
    )
    ResidentFactory(name="伊藤 清", name_kana="イトウ キヨシ", birth_date=date(1950, 5, 1))

    page.goto(f"{live_server.url}/sessions/phone/")
    page.locator("#id_q").fill("S18")
    page.keyboard.press("Enter")
    page.get_by_text("伊藤 清子").first.wait_for()
    results = page.locator("table").first.inner_text()
    assert "昭和18年（1943年）5月1日" in results
    assert "伊藤 清\n" not in results and "1950" not in results
    page.locator("a.button", has_text="伊藤 清子").first.click()
    page.locator("form", has=page.locator(f"input[name=session][value='{full.pk}']")).locator(
        "button[type=submit]"
    ).click()

    status = page.locator(".status-box")
    status.wait_for()
    assert "キャンセル待ち 1番目です。まだお席は確保されていません" in status.inner_text()
    assert "waiting" in status.get_attribute("class")
    readback = page.locator("dl.readback").inner_text()
    assert "いわき市平字堂根町1-1" in readback and "0246-22-0000" in readback
    assert "貸出端末をご用意します" in readback
    assert "筆記用具" in readback
    assert "スマートフォン（" not in readback  # no "bring your phone" beside it
    # Not the confirmation's look: the box's colour differs from a seat's green.
    colour = status.evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour != "rgb(232, 245, 233)"
    shot(page, tmp_path, "readback-waitlist.png")
