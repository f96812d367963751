"""Loan agreement (貸与同意書) and return receipt (返却受領書) PDFs, and recording the signature."""

import re
import subprocess
from datetime import date, timedelta
from io import BytesIO

import pdfplumber
import pytest
from django.urls import reverse
from django.utils import timezone, translation
from reportlab.lib.units import mm

from loans.agreement_clauses import CLAUSES
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


def _squeezed(pages: list[str]) -> str:
    """The pages' text without spaces and line breaks (wrapped sentences read whole again)."""
    return re.sub(r"\s+", "", "".join(pages))


def _copies(pages: list[str]) -> tuple[str, str]:
    """The squeezed text of the resident's copy and of the office copy, told apart by the copy
    named in each page's footer."""
    labels = [_footer(page).split()[-1] for page in pages]
    first = labels.index("事務局控え")
    assert set(labels[:first]) == {"利用者控え"} and set(labels[first:]) == {"事務局控え"}
    return _squeezed(pages[:first]), _squeezed(pages[first:])


def _footer(page: str) -> str:
    """The footer line of a page's text (it starts with the privacy note)."""
    return next(line for line in page.splitlines() if line.startswith("個人情報を含みます"))


def _agreement(loan, **kwargs) -> bytes:
    return LoanAgreementRenderer(loan_for_detail(pk=loan.pk), **kwargs).render()


def _clause_headings() -> list[str]:
    with translation.override("ja"):
        return [str(clause.heading) for clause in CLAUSES]


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
        signed_by="",
        unsigned_reason="代理人の長男が明日来所して署名します",
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


def test_agreement_shows_resident_contact_device_kit_dates_and_rules(loan):
    content = _agreement(loan)
    pages = pdf_pages_text(content)
    resident_copy, office_copy = _copies(pages)

    assert "端末貸与同意書" in pages[0]
    for text in (resident_copy, office_copy):
        for expected in [
            "佐藤ハナ",
            "サトウハナ",
            "1948年5月6日",
            "0246-22-1111",
            "佐藤一郎（続柄:長男）電話番号:090-9999-0000",  # the contact person on record
            "SP-0777",
            "スマートフォンSharpAQUOSwish3",
            "SN-AQ-12345",
            "356789012345678",
            "この端末の電話番号070-1234-5678",
            "充電器、ケーブル、ケース、SIMカード",
            "2026年6月4日から2026年12月3日まで",  # 182 days later
            "1回まで（1回182日）",
            "いわき市中央公民館",
            "国際電話",
            "SIMカードなど",
            "利用を停止",
            "ご本人の署名",
            "代理人の署名",
            "担当職員署名",
        ]:
            assert expected in text, expected
    assert_only_embedded_ipaex(content)


def test_agreement_names_the_lender_says_free_and_has_every_clause_in_both_copies(loan, policy):
    policy.lender_name = "いわき市 総合政策部 デジタル推進課"
    policy.save()
    for text in _copies(pdf_pages_text(_agreement(loan))):
        assert "貸与者デジタル推進課" not in text  # the whole name, not a fragment
        assert "貸与者いわき市総合政策部デジタル推進課" in text
        assert (
            "いわき市総合政策部デジタル推進課（以下「貸与者」）は、下記の端末を無料でお貸しします。"
            in text
        )
        assert "貸出料も保証金もいりません。" in text
        # Every clause heading, numbered in order.
        positions = [text.index(f"{n}.{h}") for n, h in enumerate(_clause_headings(), start=1)]
        assert positions == sorted(positions)
        for words in (
            "料金プランを超える料金",  # charges beyond the plan
            "修理や買い替えの費用",  # damage through serious carelessness
            "データ（写真・連絡先・LINEのトーク・アプリ）はすべて消去します",
            "記録する情報：氏名",
            "見る人：貸与者と貸与会場の担当職員です。",
            "だれのことか分からない形にして分析します",
            "メッセージの内容、写真、検索した言葉は集めません。",
            "氏名とご本人との関係（続柄）を書き",
        ):
            assert words in text, words


def test_lender_falls_back_to_the_site_setting(loan, settings):
    settings.LOAN_LENDER_NAME = "いわき市 スマホ貸与事務局"
    text = _squeezed(pdf_pages_text(_agreement(loan)))
    assert "いわき市スマホ貸与事務局（以下「貸与者」）" in text


def test_a_policy_replaces_one_clause_and_keeps_the_other_defaults(loan, policy):
    policy.clause_texts = {"charges": "通話料は{lender}が全額負担します。", "use": "  "}
    policy.lender_name = "湯本市"
    policy.save()
    text = _squeezed(pdf_pages_text(_agreement(loan)))
    assert "3.利用者が支払うもの通話料は湯本市が全額負担します。" in text
    assert "料金プランを超える料金" not in text
    assert "ほかの人に貸したり、あげたり、売ったりしないでください" in text  # blank: default


def test_proxy_signer_and_usage_consent_are_printed_from_the_loan(policy, venue, staff_user):
    loan = loan_checkout(
        device=DeviceFactory(home_venue=venue),
        resident=ResidentFactory(name="伊藤 トメ"),
        venue=venue,
        by=staff_user,
        signed_by="proxy",
        proxy_signer_name="伊藤 二郎",
        proxy_signer_relation="次男",
        usage_data_consent=True,
    )
    for text in _copies(pdf_pages_text(_agreement(loan))):
        assert "代理人の氏名・続柄伊藤二郎（続柄:次男）" in text
        assert "■同意する□同意しない" in text
        assert "署名の記録代理人が署名：伊藤二郎（次男）" in text


def test_agreement_is_two_labelled_copies_each_complete(loan):
    pages = pdf_pages_text(_agreement(loan))
    half = len(pages) // 2
    assert len(pages) == 2 * half
    assert [_footer(page).endswith("利用者控え") for page in pages] == [True] * half + [
        False
    ] * half
    assert pages[0].splitlines()[1] == "利用者控え"  # the label at the top of each copy
    assert pages[half].splitlines()[1] == "事務局控え"
    resident_copy, office_copy = _copies(pages)
    for text in (resident_copy, office_copy):
        assert text.count("端末貸与同意書") >= 1
        assert "私は、この同意書の内容について説明を受け、理解し、同意します。" in text
    assert f"{1} / {len(pages)}" in pages[0]


def test_body_text_is_12_pt_and_identifiers_sit_in_the_staff_box(loan):
    """Everything but the page footer and the staff box is at least 12 pt; the serial number
    and IMEI appear only in the staff box (small, away from the resident's reading)."""
    with pdfplumber.open(BytesIO(_agreement(loan))) as pdf:
        for page in pdf.pages:
            footer_top = page.height - 15 * mm
            body = [c for c in page.chars if c["top"] < footer_top and c["text"].strip()]
            box_tops = [
                w["top"] for w in page.extract_words() if w["text"].startswith("職員記入欄")
            ]
            for char in body:
                if char["size"] < 11.9:
                    assert box_tops and char["top"] >= box_tops[0] - 1, char
            for word in page.extract_words(extra_attrs=["size"]):
                if word["text"] in ("SN-AQ-12345", "356789012345678"):
                    assert box_tops and word["top"] > box_tops[0], word
        sizes = {round(c["size"]) for p in pdf.pages for c in p.chars if c["text"] == "無"}
        assert sizes and min(sizes) >= 12


def test_address_is_left_to_write_in_beside_the_district(loan):
    text = _squeezed(pdf_pages_text(_agreement(loan)))
    assert "住所（ご記入ください）地区平" in text


def test_help_line_prints_the_phone_and_hours(loan, settings):
    settings.LOAN_HELP_LINE = "スマホ相談ダイヤル"
    settings.LOAN_HELP_LINE_PHONE = "0120-123-456"
    settings.LOAN_HELP_LINE_HOURS = "平日 9時～17時"
    text = _squeezed(pdf_pages_text(_agreement(loan)))
    assert "問い合わせ先スマホ相談ダイヤル電話0120-123-456受付時間平日9時～17時" in text


def test_help_line_falls_back_to_the_venue_phone(loan, venue, settings):
    settings.LOAN_HELP_LINE = settings.LOAN_HELP_LINE_PHONE = settings.LOAN_HELP_LINE_HOURS = ""
    venue.phone = "0246-25-0001"
    venue.save()
    text = _squeezed(pdf_pages_text(_agreement(loan)))
    assert "問い合わせ先いわき市中央公民館電話0246-25-0001" in text
    assert "受付時間" not in text


def test_agreement_without_contact_person_leaves_the_proxy_to_write_in(policy, venue):
    loan = LoanFactory(
        venue=venue, resident=ResidentFactory(name="鈴木 一", proxy_name=""), policy=policy
    )
    text = _squeezed(pdf_pages_text(_agreement(loan)))
    assert "鈴木一" in text
    assert f"{loan.resident.phone}連絡先の方" not in text  # no contact person row
    assert "代理人の氏名・続柄氏名（）続柄（）" in text  # blanks to write in
    assert "□同意する□同意しない" not in text  # recorded: not consented
    assert "□同意する■同意しない" in text


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
    assert "受領職員\nstaff1" in text  # no name on record: the login
    assert_only_embedded_ipaex(content)


def test_return_receipt_names_the_staff_member_venue_and_contact_phone(
    returned_loan, staff_user, venue, settings
):
    settings.LOAN_HELP_LINE = settings.LOAN_HELP_LINE_HOURS = ""
    settings.LOAN_HELP_LINE_PHONE = "0246-22-7777"
    staff_user.last_name, staff_user.first_name = "高橋", "誠"
    staff_user.save()
    text = _squeezed(
        pdf_pages_text(ReturnReceiptRenderer(loan_for_detail(pk=returned_loan.pk)).render())
    )
    assert "受領職員高橋誠" in text
    assert "staff1" not in text
    assert "貸与会場いわき市中央公民館" in text
    assert "問い合わせ先いわき市中央公民館電話0246-22-7777" in text


# --- views and access --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["staff_user", "admin_user"])
def test_staff_and_admin_print_the_agreement(client, request, persona, loan):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("loans:agreement_pdf", args=[loan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert "SN-AQ-12345" in "".join(pdf_pages_text(response.content))


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


def test_staff_record_that_a_proxy_signed_later(staff_client, loan):
    response = staff_client.post(
        reverse("loans:agreement_signed", args=[loan.pk]),
        {"signed_by": "proxy", "proxy_signer_name": "佐藤 一郎", "proxy_signer_relation": "長男"},
        follow=True,
    )

    loan.refresh_from_db()
    assert loan.agreement_signed is True
    assert (loan.signed_by, loan.proxy_signer_name, loan.proxy_signer_relation) == (
        "proxy",
        "佐藤 一郎",
        "長男",
    )
    assert loan.unsigned_reason == "代理人の長男が明日来所して署名します"  # kept
    assert "Recorded that the loan agreement was signed." in _messages(response)
    content = response.content.decode()
    assert "Record that it was signed" not in content
    assert "By a proxy: 佐藤 一郎 (長男)" in content
    assert "Handed over unsigned because: 代理人の長男が明日来所して署名します" in content


def test_recording_a_proxy_without_relationship_is_refused(staff_client, loan):
    response = staff_client.post(
        reverse("loans:agreement_signed", args=[loan.pk]),
        {"signed_by": "proxy", "proxy_signer_name": "佐藤 一郎"},
        follow=True,
    )
    loan.refresh_from_db()
    assert loan.agreement_signed is False
    assert any("relationship to the resident" in m for m in _messages(response))


def test_signed_cannot_be_recorded_for_a_returned_loan(staff_client, returned_loan):
    response = staff_client.post(
        reverse("loans:agreement_signed", args=[returned_loan.pk]),
        {"signed_by": "resident"},
        follow=True,
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
    response = client.post(
        reverse("loans:agreement_signed", args=[loan.pk]), {"signed_by": "resident"}
    )
    assert response.status_code == 404
    loan.refresh_from_db()
    assert loan.agreement_signed is False


def test_service_records_signed_twice_without_error(loan, staff_user):
    loan_agreement_record_signed(loan=loan, by=staff_user, signed_by="resident")
    loan_agreement_record_signed(loan=loan, by=staff_user, signed_by="resident")
    assert Loan.objects.get(pk=loan.pk).signed_by == "resident"


# --- the draft, before lending -----------------------------------------------------------------


def test_draft_agreement_is_printable_from_the_lend_page_before_the_loan_exists(
    staff_client, policy, venue
):
    device = DeviceFactory(asset_tag="SP-0888", serial="SN-DRAFT-1", home_venue=venue)
    resident = ResidentFactory(name="村上 キヨ")
    page = staff_client.get(
        reverse("loans:checkout"), {"device": device.pk, "resident": resident.pk}
    ).content.decode()
    draft_url = reverse("loans:agreement_draft") + f"?device={device.pk}&amp;resident={resident.pk}"
    assert draft_url in page

    response = staff_client.get(draft_url.replace("&amp;", "&"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = pdf_pages_text(response.content)
    assert all("下書き" in page for page in pages)
    resident_copy, office_copy = _copies(pages)
    for text in (resident_copy, office_copy):
        assert "端末貸与同意書（下書き）" in text
        assert "村上キヨ" in text and "SN-DRAFT-1" in text
        assert "貸与番号" not in text.replace("貸与番号は、登録後に", "")
        assert "無料でお貸しします" in text
    assert not Loan.objects.exists()


def test_final_agreement_is_not_marked_draft(loan):
    text = _squeezed(pdf_pages_text(_agreement(loan)))
    assert "下書き" not in text
    assert f"貸与番号{loan.pk}" in text


def test_draft_without_a_resident_goes_back_to_the_lend_page(staff_client, policy, device):
    response = staff_client.get(
        reverse("loans:agreement_draft"), {"device": device.pk}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith(reverse("loans:checkout"))
    assert "Choose a device that can be lent and a resident first." in _messages(response)


def test_draft_of_a_device_on_loan_says_why_not(staff_client, loan):
    response = staff_client.get(
        reverse("loans:agreement_draft"),
        {"device": loan.device_id, "resident": ResidentFactory().pk},
        follow=True,
    )
    assert any("cannot be lent now" in m for m in _messages(response))


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
