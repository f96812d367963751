"""Center staff lend a device and receive it back, in a real headless Chromium.

Logs in, finds an available device by part of its asset tag and lends it to a resident (kit
ticked), opens the loan agreement PDF, receives the device back (kit ticked, condition, data
wipe), sees the device available again and opens the return receipt PDF.
"""

import re
from datetime import date

import pytest

from tests.browser.helpers import assert_pdf
from tests.factories import DeviceFactory, LoanPolicyFactory, ResidentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_lend_a_device_and_receive_it_back(staff_page, live_server, venue):
    from loans.models import Device, Loan

    page = staff_page
    LoanPolicyFactory(term_days=182, min_age=65)
    device = DeviceFactory(
        asset_tag="SP-0700", home_venue=venue, accessories="充電器,ケーブル,ケース"
    )
    resident = ResidentFactory(
        name="鈴木 幸子", name_kana="スズキ サチコ", birth_date=date(1948, 5, 3)
    )

    # 1. Lend: find the device by part of its asset tag and choose it with the keyboard, find
    # the resident by hiragana, tick the kit.
    page.goto(f"{live_server.url}/loans/lend/")
    page.get_by_label("管理番号、種別、メーカーまたは機種").fill("0700")
    page.keyboard.press("Enter")
    page.locator(f"a.button[href*='device={device.pk}']").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"[?&]device={device.pk}(&|$)"))
    page.locator("#resident-q").fill("すずき")
    page.keyboard.press("Enter")
    page.locator(f"a.button[href*='resident={resident.pk}']").click()
    kit = page.locator("input[name=kit]")
    assert kit.count() == 3
    for i in range(kit.count()):
        kit.nth(i).uncheck()  # start from nothing: staff tick what they hand over
        kit.nth(i).check()
    page.locator("#id_agreement_signed").check()
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/loans/loans/*/")

    loan = Loan.objects.get(device=device)
    assert loan.status == Loan.Status.ACTIVE
    assert loan.kit_handed_over_items == ["充電器", "ケーブル", "ケース"]
    assert loan.agreement_signed
    assert "鈴木 幸子" in page.locator("main").inner_text()
    assert Device.objects.get(pk=device.pk).status == Device.Status.ON_LOAN

    # 2. The loan agreement PDF.
    agreement = page.locator(f"a[href$='/loans/loans/{loan.pk}/agreement.pdf']")
    assert_pdf(page, live_server.url + agreement.get_attribute("href"))

    # 3. Receive back: tick every kit item, condition, data wipe.
    page.locator(f"a.button[href$='/loans/loans/{loan.pk}/return/']").click()
    returned = page.locator("input[name=kit_returned]")
    assert returned.count() == 3
    for i in range(returned.count()):
        returned.nth(i).check()
    page.locator("input[name=condition][value=good]").check()
    page.locator("#id_data_wiped").check()
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/loans/loans/{loan.pk}/")

    loan.refresh_from_db()
    assert loan.status == Loan.Status.RETURNED
    assert loan.data_wiped_at is not None
    assert loan.missing_kit_items == []

    # 4. The device is available again, on its page as well as in the database.
    page.goto(f"{live_server.url}/loans/devices/{device.pk}/")
    assert Device.objects.get(pk=device.pk).status == Device.Status.AVAILABLE
    # The heading's status badge turns green ("ok") only for an available device.
    badge = page.locator("h1 .badge")
    assert "ok" in badge.get_attribute("class").split()
    assert badge.inner_text().strip() in ("貸与可能", "Available")

    # 5. The return receipt PDF, linked from the loan page.
    page.goto(f"{live_server.url}/loans/loans/{loan.pk}/")
    receipt = page.locator(f"a[href$='/loans/loans/{loan.pk}/return-receipt.pdf']")
    assert_pdf(page, live_server.url + receipt.get_attribute("href"))
