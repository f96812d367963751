"""Center staff lend a device and receive it back, in a real headless Chromium.

Logs in, finds an available device by part of its asset tag, chooses a resident, prints the
draft agreement before lending, records that a proxy signed (a handover with no signature and no
reason is refused first) and hands the device over (kit ticked), opens the final agreement PDF,
receives the device back (kit ticked, condition, data wipe), sees the device available again and
opens the return receipt PDF.
"""

import re
from datetime import date

import pytest

from tests.browser.helpers import assert_pdf
from tests.factories import DeviceFactory, LoanPolicyFactory, ResidentFactory
from tests.reports.pdf_helpers import pdf_pages_text

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

    # 2. Before lending: the draft agreement, printed from the lend page, marked 下書き.
    draft = page.get_by_role("link", name="同意書を印刷（下書き）")
    draft_url = live_server.url + draft.get_attribute("href")
    assert_pdf(page, draft_url)
    draft_pages = pdf_pages_text(page.request.get(draft_url).body())
    assert all("下書き" in text for text in draft_pages)
    assert not Loan.objects.filter(device=device).exists()

    # 3. Handing over with no signature and no reason is refused, with the reason to give.
    page.get_by_label("まだ署名がない：署名なしで渡す（理由を記入）").check()
    page.get_by_role("button", name="端末を引き渡す").click()
    assert "署名なしで渡す理由を記入してください" in page.locator("main").inner_text()
    assert not Loan.objects.filter(device=device).exists()

    # 4. Signed by a proxy (name and relationship), then handed over.
    page.get_by_label("代理人が本人に代わって署名した").check()
    page.get_by_label("代理人の氏名").fill("鈴木 一郎")
    page.get_by_label("代理人と本人の関係（続柄）").fill("長男")
    page.get_by_role("button", name="端末を引き渡す").click()
    page.wait_for_url(f"{live_server.url}/loans/loans/*/")

    loan = Loan.objects.get(device=device)
    assert loan.status == Loan.Status.ACTIVE
    assert loan.kit_handed_over_items == ["充電器", "ケーブル", "ケース"]
    assert loan.agreement_signed
    assert (loan.signed_by, loan.proxy_signer_name, loan.proxy_signer_relation) == (
        "proxy",
        "鈴木 一郎",
        "長男",
    )
    main = page.locator("main").inner_text()
    assert "鈴木 幸子" in main and "代理人：鈴木 一郎（長男）" in main
    assert Device.objects.get(pk=device.pk).status == Device.Status.ON_LOAN

    # 5. The final loan agreement PDF, no longer a draft, names the proxy.
    agreement = page.locator(f"a[href$='/loans/loans/{loan.pk}/agreement.pdf']")
    final_url = live_server.url + agreement.get_attribute("href")
    assert_pdf(page, final_url)
    final_text = "".join(pdf_pages_text(page.request.get(final_url).body()))
    assert "下書き" not in final_text and "鈴木 一郎（続柄: 長男）" in final_text

    # 6. Receive back: tick every kit item, condition, data wipe.
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

    # 7. The device is available again, on its page as well as in the database.
    page.goto(f"{live_server.url}/loans/devices/{device.pk}/")
    assert Device.objects.get(pk=device.pk).status == Device.Status.AVAILABLE
    # The heading's status badge turns green ("ok") only for an available device.
    badge = page.locator("h1 .badge")
    assert "ok" in badge.get_attribute("class").split()
    assert badge.inner_text().strip() in ("貸与可能", "Available")

    # 8. The return receipt PDF, linked from the loan page.
    page.goto(f"{live_server.url}/loans/loans/{loan.pk}/")
    receipt = page.locator(f"a[href$='/loans/loans/{loan.pk}/return-receipt.pdf']")
    assert_pdf(page, live_server.url + receipt.get_attribute("href"))
