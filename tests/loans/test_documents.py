"""Loan agreement (貸与同意書) and return receipt (返却受領書) PDFs, and recording the signature."""

import subprocess
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from loans.documents import LoanAgreementRenderer, ReturnReceiptRenderer
from loans.models import Loan
from loans.selectors import loan_for_detail
from loans.services import loan_checkout, loan_return
from loans.services_documents import loan_agreement_record_signed
from tests.factories import DeviceFactory, LoanFactory, ResidentFactory
from tests.reports.pdf_helpers import assert_only_embedded_ipaex, pdf_pages_text

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def loan(policy, venue, staff_user):
    device = DeviceFactory(
        asset_tag="SP-0777",
        maker="Sharp",
        model_name="AQUOS wish3",
        serial="SN-AQ-12345",
        imei="356789012345678",
        sim_phone_number="070-1234-5678",
        accessories="充電器,ケーブル,ケース,SIMカード",
        home_venue=venue,
    )
    resident = ResidentFactory(
        name="佐藤 ハナ",
        name_kana="サトウ ハナ",
        birth_date=date(1948, 5, 6),
        district="平",
        phone="0246-22-1111",
        proxy_name="佐藤 一郎",
        proxy_relation="長男",
        proxy_phone="090-9999-0000",
    )
    return loan_checkout(
        signed_by="resident",
        device=device,
        resident=resident,
        venue=venue,
        by=staff_user,
        start_date=date(2026, 6, 4),
        kit=["充電器", "ケーブル", "ケース", "SIMカード"],
    )


@pytest.fixture
def returned_loan(loan, staff_user):
    loan_return(
        loan=loan,
        by=staff_user,
        returned_on=date(2026, 9, 1),
        kit_returned=["充電器", "ケース", "SIMカード"],
        condition="worn",
        data_wiped=True,
        outcome=Loan.Outcome.OWN_DEVICE,
    )
    return loan_for_detail(pk=loan.pk)


# --- agreement PDF -----------------------------------------------------------------------------


def test_agreement_shows_resident_proxy_device_kit_dates_and_rules(loan):
    content = LoanAgreementRenderer(loan_for_detail(pk=loan.pk)).render()
    pages = pdf_pages_text(content)
    text = "".join(pages)

    assert len(pages) == 1
    assert "端末貸与同意書" in text
    for expected in [
        "佐藤 ハナ",
        "サトウ ハナ",
        "1948年5月6日",
        "0246-22-1111",
        "佐藤 一郎",
        "長男",
        "090-9999-0000",
        "SP-0777",
        "AQUOS wish3",
        "SN-AQ-12345",
        "356789012345678",
        "070-1234-5678",
        "充電器、ケーブル、ケース、SIMカード",
        "2026年6月4日",
        "2026年12月3日",  # 182 days later
        "1回まで",
        "いわき市中央公民館",
        "国際電話",
        "データ",
        "SIMカードを含む",
        "利用を停止",
        "利用者・代理人 署名",
        "担当職員 署名",
    ]:
        assert expected in text, expected
    assert_only_embedded_ipaex(content)


def test_agreement_without_proxy_has_no_proxy_row(policy, venue, staff_user):
    loan = LoanFactory(
        venue=venue, resident=ResidentFactory(name="鈴木 一", proxy_name=""), policy=policy
    )
    text = pdf_pages_text(LoanAgreementRenderer(loan_for_detail(pk=loan.pk)).render())[0]
    assert "鈴木 一" in text
    assert "\n代理人\n" not in text and "続柄" not in text


def test_agreement_page_looks_right_when_rasterised(loan, tmp_path):
    """Renders to PNG with pdftoppm so the layout can be looked at (and must not fail)."""
    pdf = tmp_path / "agreement.pdf"
    pdf.write_bytes(LoanAgreementRenderer(loan_for_detail(pk=loan.pk)).render())
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "page")], check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 10_000


# --- return receipt PDF ------------------------------------------------------------------------


def test_return_receipt_lists_missing_kit_condition_and_wipe_time(returned_loan):
    content = ReturnReceiptRenderer(returned_loan).render()
    pages = pdf_pages_text(content)
    text = "".join(pages)
    wiped = timezone.localtime(returned_loan.data_wiped_at)

    assert len(pages) == 1
    assert "端末返却受領書" in text
    assert "佐藤 ハナ" in text and "SN-AQ-12345" in text
    assert "2026年9月1日" in text
    assert "充電器、ケース、SIMカード" in text  # returned
    assert "不足している付属品" in text and "ケーブル" in text.split("不足している付属品")[1]
    assert "使用感あり" in text
    assert f"{wiped:%H:%M}" in text
    assert "staff1" in text
    assert_only_embedded_ipaex(content)


# --- views and access --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["staff_user", "admin_user"])
def test_staff_and_admin_print_the_agreement(client, request, persona, loan):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("loans:agreement_pdf", args=[loan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert "SN-AQ-12345" in pdf_pages_text(response.content)[0]


def test_staff_of_another_venue_get_404_for_documents(client, other_staff_user, returned_loan):
    client.force_login(other_staff_user)
    for name in ("loans:agreement_pdf", "loans:return_receipt_pdf"):
        assert client.get(reverse(name, args=[returned_loan.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["coordinator_user", "supporter_user"])
def test_coordinator_and_supporter_get_403_for_documents(client, request, persona, loan):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("loans:agreement_pdf", args=[loan.pk])).status_code == 403
    response = client.post(reverse("loans:agreement_signed", args=[loan.pk]))
    assert response.status_code == 403
    loan.refresh_from_db()
    assert loan.agreement_signed is False


def test_loan_page_offers_print_and_record_signed(staff_client, loan):
    content = staff_client.get(reverse("loans:loan_detail", args=[loan.pk])).content.decode()
    assert reverse("loans:agreement_pdf", args=[loan.pk]) in content
    assert "Print the agreement" in content
    assert "Record that it was signed" in content
    assert reverse("loans:return_receipt_pdf", args=[loan.pk]) not in content


def test_return_receipt_view_for_returned_loan(staff_client, returned_loan):
    detail = staff_client.get(reverse("loans:loan_detail", args=[returned_loan.pk]))
    assert reverse("loans:return_receipt_pdf", args=[returned_loan.pk]) in detail.content.decode()
    response = staff_client.get(reverse("loans:return_receipt_pdf", args=[returned_loan.pk]))
    assert response.status_code == 200
    assert "端末返却受領書" in pdf_pages_text(response.content)[0]


def test_return_receipt_of_active_loan_explains_why_not(staff_client, loan):
    response = staff_client.get(reverse("loans:return_receipt_pdf", args=[loan.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("loans:loan_detail", args=[loan.pk])
    assert "There is no return receipt: this loan is On loan, not returned." in _messages(response)


# --- recording the signature -------------------------------------------------------------------


def test_staff_record_that_the_agreement_was_signed(staff_client, loan):
    response = staff_client.post(reverse("loans:agreement_signed", args=[loan.pk]), follow=True)

    loan.refresh_from_db()
    assert loan.agreement_signed is True
    assert "Recorded that the loan agreement was signed." in _messages(response)
    assert "Record that it was signed" not in response.content.decode()


def test_signed_cannot_be_recorded_for_a_returned_loan(staff_client, returned_loan):
    Loan.objects.filter(pk=returned_loan.pk).update(agreement_signed=False)
    response = staff_client.post(
        reverse("loans:agreement_signed", args=[returned_loan.pk]), follow=True
    )
    returned_loan.refresh_from_db()
    assert returned_loan.agreement_signed is False
    assert any("not active (it is Returned)" in m for m in _messages(response))


def test_recording_signed_needs_post(staff_client, loan):
    response = staff_client.get(reverse("loans:agreement_signed", args=[loan.pk]))
    assert response.status_code == 405
    loan.refresh_from_db()
    assert loan.agreement_signed is False


def test_staff_of_another_venue_cannot_record_signed(client, other_staff_user, loan):
    client.force_login(other_staff_user)
    assert client.post(reverse("loans:agreement_signed", args=[loan.pk])).status_code == 404
    loan.refresh_from_db()
    assert loan.agreement_signed is False


def test_service_records_signed_twice_without_error(loan, staff_user):
    loan_agreement_record_signed(loan=loan, by=staff_user)
    loan_agreement_record_signed(loan=loan, by=staff_user)
    assert Loan.objects.get(pk=loan.pk).agreement_signed is True


def test_due_date_after_renewal_is_printed(loan, staff_user):
    from loans.services import loan_renew

    loan_renew(loan=loan, by=staff_user)
    text = pdf_pages_text(LoanAgreementRenderer(loan_for_detail(pk=loan.pk)).render())[0]
    assert "2026年12月3日" not in text
    assert "2027年6月3日" in text  # 182 more days
    assert "延長1回済み" in text
    assert loan.start_date + timedelta(days=364) == date(2027, 6, 3)


def test_return_receipt_page_rasterises(returned_loan, tmp_path):
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(ReturnReceiptRenderer(returned_loan).render())
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "page")], check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 10_000
