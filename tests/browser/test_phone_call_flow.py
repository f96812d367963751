"""A center-staff member takes a phone call in a real headless Chromium.

Logs in, finds the caller by kana typed in hiragana, registers them into a class, reads the
summary back, opens the session and its attendance sheet PDF.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.helpers import assert_pdf
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_take_a_call_register_and_open_the_attendance_sheet(
    staff_page, live_server, venue, tmp_path
):
    page = staff_page
    venue.access = "いわき駅から徒歩10分"
    venue.save(update_fields=["access"])
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
    assert "いわき駅から徒歩10分" in text  # how to get there, read to the caller
    assert "10:00〜11:30" in text
    weekday = "月火水木金土日"[start.weekday()]
    assert f"{start.year}年{start.month}月{start.day}日({weekday})" in text
    page.screenshot(path=str(tmp_path / "readback.png"), full_page=True)

    page.locator(f"a.button[href='/sessions/{session.pk}/']").click()
    page.get_by_text("鈴木 幸子").first.wait_for()
    pdf_link = page.locator(f"a[href$='/reports/sessions/{session.pk}/attendance.pdf']")
    assert_pdf(page, live_server.url + pdf_link.get_attribute("href"))


def test_whole_call_new_caller_waitlist_cancel_and_the_seat_offer_answered_on_the_call_list(
    staff_page, live_server, venue, tmp_path
):
    """Search a caller who is not on file, create them from the phone screen, take the last seat;
    a second caller lands on the waitlist; the first cancels and the seat is held for the second,
    whom staff call from the call list: they say yes and get the seat."""
    from classes.models import Registration, SeatOffer
    from residents.models import Resident

    page = staff_page
    start = (timezone.localtime() + timedelta(days=3)).replace(
        hour=13, minute=30, second=0, microsecond=0
    )
    session = SessionFactory(
        venue=venue,
        title="スマホ入門",
        starts_at=start,
        ends_at=start + timedelta(minutes=90),
        seats=2,
    )
    RegistrationFactory(session=session)  # one seat is taken already: one left
    ResidentFactory(name="鈴木 幸子", name_kana="スズキ サチコ", phone="0246-99-9003")

    # 1. The caller is not on file: nothing is found, staff create them from the phone screen.
    page.goto(f"{live_server.url}/sessions/phone/")
    page.locator("#id_q").fill("たかはし はなこ")
    page.keyboard.press("Enter")
    page.locator("#h-results").wait_for()
    assert page.locator("table[aria-describedby=h-results]").count() == 0
    page.locator("a.button[href^='/residents/new/?next=']").click()
    page.locator("#id_name").fill("高橋 花子")
    page.locator("#id_name_kana").fill("たかはし はなこ")
    page.locator("#id_birth_date").fill("S20.5.3")
    page.locator("#id_phone").fill("0246-12-3456")
    page.locator("#id_own_device").select_option("iphone")
    page.locator("#id_consent_given").check()
    page.locator("form.stack button[type=submit]").click()

    # 2. Back on the phone screen with the new resident selected: take the last seat.
    page.locator("#h-resident").wait_for()
    assert "高橋 花子" in page.locator("#h-resident").inner_text()
    first = Resident.objects.get(name="高橋 花子")
    assert f"resident={first.pk}" in page.url
    page.locator("form", has=page.locator(f"input[name=session][value='{session.pk}']")).locator(
        "button[type=submit]"
    ).click()
    page.locator("dl.readback").wait_for()
    assert page.locator(".status-box.seat").count() == 1
    assert "高橋 花子" in page.locator("dl.readback").inner_text()
    first_reg = Registration.objects.get(resident=first, session=session)
    assert first_reg.status == Registration.Status.REGISTERED

    # 3. A second caller: the class is full now, so they go on the waitlist as number 1.
    page.locator("a.button[href='/sessions/phone/']").click()
    page.locator("#id_q").fill("すずき")
    page.keyboard.press("Enter")
    page.locator("a.button", has_text="鈴木 幸子").first.click()
    form = page.locator("form", has=page.locator(f"input[name=session][value='{session.pk}']"))
    assert "キャンセル待ち" in form.locator("button[type=submit]").inner_text()
    form.locator("button[type=submit]").click()
    badge = page.locator(".status-box.waiting")
    badge.wait_for()
    assert "キャンセル待ち 1番目です。まだお席は確保されていません" in badge.inner_text()
    assert "鈴木 幸子" in page.locator("dl.readback").inner_text()

    # 4. The first caller cancels from the session page; the seat is held for the second, and
    #    staff are asked to call her.
    page.goto(f"{live_server.url}/sessions/{session.pk}/")
    page.locator(f"a[href='/sessions/registrations/{first_reg.pk}/cancel/']").click()
    page.get_by_role("button", name="高橋 花子さんの申込を取り消す").click()  # asked once
    page.locator("ul.messages li.warning").wait_for()
    call_note = page.locator("ul.messages li.warning").inner_text()
    assert "鈴木 幸子" in call_note
    assert "0246-99-9003" in call_note
    registered = page.locator("table[aria-describedby=h-registered]")
    assert registered.count() == 0 or "鈴木 幸子" not in registered.inner_text()
    offers = page.locator("table[aria-describedby=h-offers]").inner_text()
    assert "鈴木 幸子" in offers  # the open offer with its deadline
    assert Registration.objects.get(pk=first_reg.pk).status == Registration.Status.CANCELLED
    page.screenshot(path=str(tmp_path / "session-offer.png"), full_page=True)

    # 5. The call list names her with her phone; she says yes on the phone.
    page.get_by_role("link", name="連絡リストで回答を記録").click()
    row = page.locator("table[aria-describedby=h-offers] tr", has_text="鈴木 幸子")
    row.wait_for()
    assert "0246-99-9003" in row.inner_text()
    page.screenshot(path=str(tmp_path / "call-list-offer.png"), full_page=True)
    row.get_by_role("button", name="参加する 鈴木 幸子").click()
    page.locator("ul.messages li.success").wait_for()
    assert (
        "鈴木 幸子さんが参加を承諾し、席が確定しました。"
        in page.locator("ul.messages").inner_text()
    )
    assert page.get_by_text("電話で確認する空席案内はありません。").is_visible()
    offer = SeatOffer.objects.get(registration__resident__name="鈴木 幸子")
    assert offer.status == SeatOffer.Status.ACCEPTED
    assert offer.registration.status == Registration.Status.REGISTERED

    # 6. The session page now lists her among the registered, with no offer open.
    page.goto(f"{live_server.url}/sessions/{session.pk}/")
    registered_text = page.locator("table[aria-describedby=h-registered]").inner_text()
    assert "鈴木 幸子" in registered_text
    assert page.locator("table[aria-describedby=h-offers]").count() == 0
