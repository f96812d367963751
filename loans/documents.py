"""Printed loan paperwork: the loan agreement (貸与同意書) and the return receipt (返却受領書).

Both are Japanese city forms: their labels are Japanese whatever the UI language, and are kept
together in ``LABELS`` below. Renderers read a loan fetched with ``loans.selectors.loan_for_detail``
(device, resident, venue, policy and users already joined), so rendering makes no query.
"""

from datetime import date
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from kernel.pdf import PdfRenderer
from loans.models import Device, Loan

LABELS = {
    "agreement_title": "端末貸与同意書",
    "receipt_title": "端末返却受領書",
    "intro": ("私は、下記の端末の貸与を受けるにあたり、以下の利用規則を確認し、これに同意します。"),
    "receipt_intro": "下記の端末の返却を受けました。",
    "resident": "利用者",
    "name": "氏名",
    "kana": "ふりがな",
    "birth_date": "生年月日",
    "district": "住所（地区）",
    "phone": "電話番号",
    "proxy": "代理人",
    "proxy_relation": "続柄",
    "device": "貸与端末",
    "asset_tag": "管理番号",
    "kind": "種別",
    "maker_model": "メーカー・機種",
    "serial": "製造番号",
    "imei": "IMEI",
    "sim_phone": "SIM電話番号",
    "kit": "付属品",
    "loan": "貸与期間",
    "start": "貸与開始日",
    "due": "返却期限",
    "renewals": "延長",
    "renewals_text": "{count}回まで（1回{days}日）",
    "renewals_none": "延長なし",
    "renewed": "（延長{count}回済み）",
    "venue": "貸与会場",
    "rules": "利用規則",
    "signatures": "署名",
    "signature_resident": "利用者・代理人 署名",
    "signature_staff": "担当職員 署名",
    "signed_on": "日付",
    "date_blank": "　　　　年　　月　　日",
    "return": "返却内容",
    "returned_on": "返却日",
    "kit_handed_over": "貸与時の付属品",
    "kit_returned": "返却された付属品",
    "kit_missing": "不足している付属品",
    "none": "なし",
    "condition": "端末の状態",
    "data_wiped_at": "データ消去確認日時",
    "received_by": "受領職員",
    "help_line": "問い合わせ先",
    "privacy": "個人情報を含みます。取り扱いと保管にご注意ください。",
    "copy_note": "本書は2部作成し、利用者と市がそれぞれ保管します。",
}
RULES = [
    "端末と付属品（SIMカードを含む）は、返却期限までにすべて返却してください。",
    "国際電話・国際ローミングは利用できません。",
    "返却時に端末内のデータ（写真・連絡先・アプリ等）はすべて消去します。"
    "必要なデータは事前に控えてください。",
    "紛失・盗難・故障のときは、すぐに問い合わせ先へ連絡してください。",
    "返却期限を過ぎても返却がない場合、市は端末の利用を停止することがあります。",
    "端末を他人に貸したり譲ったりしないでください。",
]
KIND_LABELS: dict[str, str] = {
    Device.Kind.SMARTPHONE: "スマートフォン",
    Device.Kind.TABLET: "タブレット",
    Device.Kind.ROUTER: "モバイルWi-Fiルーター",
}
CONDITION_LABELS: dict[str, str] = {
    Device.Condition.GOOD: "良好",
    Device.Condition.WORN: "使用感あり",
    Device.Condition.DAMAGED: "破損あり",
}


def japanese_date(day: date | None) -> str:
    """``date(2026, 12, 3)`` -> ``'2026年12月3日'``; None -> ``''``."""
    if day is None:
        return ""
    return f"{day.year}年{day.month}月{day.day}日"


def help_line_text(loan: Loan) -> str:
    """Who to call: ``settings.LOAN_HELP_LINE`` when set, else the lending venue and its phone."""
    configured = getattr(settings, "LOAN_HELP_LINE", "")
    if configured:
        return configured
    if loan.venue is not None:
        return f"{loan.venue.name} {loan.venue.phone}".strip()
    return ""


class _LoanDocumentRenderer(PdfRenderer):
    """Shared parts of the loan documents: label/value tables and signature boxes."""

    label_width = 38 * mm

    def __init__(self, loan: Loan) -> None:
        self.loan = loan
        super().__init__()

    def _p(self, text: str, style: str = "TableCell") -> Paragraph:
        return Paragraph(escape(text), self.styles[style])

    def section_heading(self, text: str) -> Paragraph:
        return Paragraph(escape(text), self.styles["Heading"])

    def field_table(self, rows: list[tuple[str, str]]) -> Table:
        """A two-column table of Japanese labels (shaded) and values."""
        data = [[self._p(label), self._p(value)] for label, value in rows]
        table = Table(data, colWidths=[self.label_width, self.content_width - self.label_width])
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.font_name, 10),
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#e8e8e8")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        return table

    def resident_rows(self) -> list[tuple[str, str]]:
        resident = self.loan.resident
        return [
            (LABELS["name"], resident.name),
            (LABELS["kana"], resident.name_kana),
            (LABELS["birth_date"], japanese_date(resident.birth_date)),
            (LABELS["district"], resident.district),
            (LABELS["phone"], resident.phone),
        ]

    def proxy_text(self) -> str:
        resident = self.loan.resident
        if not resident.proxy_name:
            return ""
        parts = [resident.proxy_name]
        if resident.proxy_relation:
            parts.append(f"（{LABELS['proxy_relation']}: {resident.proxy_relation}）")
        if resident.proxy_phone:
            parts.append(f" {LABELS['phone']}: {resident.proxy_phone}")
        return "".join(parts)

    def device_rows(self) -> list[tuple[str, str]]:
        device = self.loan.device
        return [
            (LABELS["asset_tag"], device.asset_tag),
            (LABELS["kind"], KIND_LABELS.get(device.kind, device.kind)),
            (LABELS["maker_model"], f"{device.maker} {device.model_name}".strip()),
            (LABELS["serial"], device.serial),
            (LABELS["imei"], device.imei),
            (LABELS["sim_phone"], device.sim_phone_number),
        ]

    def signature_table(self, rows: list[str]) -> Table:
        """One row per signer: label, a wide blank to sign in, and a date blank."""
        data = [
            [self._p(label), "", self._p(LABELS["signed_on"]), LABELS["date_blank"]]
            for label in rows
        ]
        widths = [48 * mm, 62 * mm, 14 * mm, self.content_width - 124 * mm]
        table = Table(data, colWidths=widths, rowHeights=[15 * mm] * len(data))
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.font_name, 10),
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BOX", (0, 0), (-1, -1), 1, colors.black),
                    ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#e8e8e8")),
                    ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#e8e8e8")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        return table

    def footer_text(self) -> str:
        return f"{LABELS['privacy']}　{self.title} {self.loan.device.asset_tag}"


class LoanAgreementRenderer(_LoanDocumentRenderer):
    """The loan agreement (貸与同意書) of one loan, A4 portrait, one page for a usual loan."""

    title = LABELS["agreement_title"]
    top_margin = 12 * mm

    def renewals_text(self) -> str:
        """How often and by how many days the loan may be renewed, and renewals used."""
        policy = self.loan.policy
        if policy is None or policy.max_renewals == 0:
            text = LABELS["renewals_none"]
        else:
            text = LABELS["renewals_text"].format(count=policy.max_renewals, days=policy.term_days)
        if self.loan.renewals:
            text += LABELS["renewed"].format(count=self.loan.renewals)
        return text

    def loan_rows(self) -> list[tuple[str, str]]:
        """(label, value) rows of the loan period section: dates, renewals, kit, venue."""
        loan = self.loan
        return [
            (LABELS["start"], japanese_date(loan.start_date)),
            (LABELS["due"], japanese_date(loan.due_date)),
            (LABELS["renewals"], self.renewals_text()),
            (LABELS["kit"], "、".join(loan.kit_handed_over_items) or LABELS["none"]),
            (LABELS["venue"], loan.venue.name if loan.venue is not None else ""),
        ]

    def rules_table(self) -> Table:
        """The numbered usage rules, then who to call, as a table."""
        data = [[f"{n}.", self._p(rule)] for n, rule in enumerate(RULES, start=1)]
        help_line = help_line_text(self.loan)
        if help_line:
            data.append(["", self._p(f"{LABELS['help_line']}: {help_line}")])
        table = Table(data, colWidths=[8 * mm, self.content_width - 8 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.font_name, 10),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("ALIGN", (0, 0), (0, -1), "RIGHT"),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ]
            )
        )
        return table

    def get_story(self) -> list[Flowable]:
        resident_rows = self.resident_rows()
        proxy = self.proxy_text()
        if proxy:
            resident_rows.append((LABELS["proxy"], proxy))
        return [
            Paragraph(escape(self.title), self.styles["Title"]),
            self._p(LABELS["intro"], "Normal"),
            Spacer(1, 3 * mm),
            self.section_heading(LABELS["resident"]),
            self.field_table(resident_rows),
            Spacer(1, 3 * mm),
            self.section_heading(LABELS["device"]),
            self.field_table(self.device_rows()),
            Spacer(1, 3 * mm),
            self.section_heading(LABELS["loan"]),
            self.field_table(self.loan_rows()),
            Spacer(1, 3 * mm),
            KeepTogether([self.section_heading(LABELS["rules"]), self.rules_table()]),
            Spacer(1, 4 * mm),
            KeepTogether(
                [
                    self.section_heading(LABELS["signatures"]),
                    self.signature_table([LABELS["signature_resident"], LABELS["signature_staff"]]),
                    Spacer(1, 2 * mm),
                    self._p(LABELS["copy_note"], "Small"),
                ]
            ),
        ]


class ReturnReceiptRenderer(_LoanDocumentRenderer):
    """The return receipt (返却受領書) of one returned loan, A4 portrait."""

    title = LABELS["receipt_title"]

    def return_rows(self) -> list[tuple[str, str]]:
        """(label, value) rows of the return section; the wipe time is local (JST)."""
        loan = self.loan
        wiped = ""
        if loan.data_wiped_at:
            local = timezone.localtime(loan.data_wiped_at)
            wiped = f"{japanese_date(local.date())} {local:%H:%M}"
        received_by = ""
        user = loan.returned_by
        if user is not None:
            received_by = user.get_full_name() or user.get_username()
        return [
            (LABELS["start"], japanese_date(loan.start_date)),
            (LABELS["returned_on"], japanese_date(loan.returned_on)),
            (LABELS["kit_handed_over"], "、".join(loan.kit_handed_over_items) or LABELS["none"]),
            (LABELS["kit_returned"], "、".join(loan.kit_returned_items) or LABELS["none"]),
            (LABELS["kit_missing"], "、".join(loan.missing_kit_items) or LABELS["none"]),
            (
                LABELS["condition"],
                CONDITION_LABELS.get(loan.return_condition, loan.return_condition),
            ),
            (LABELS["data_wiped_at"], wiped),
            (LABELS["venue"], loan.venue.name if loan.venue is not None else ""),
            (LABELS["received_by"], received_by),
        ]

    def get_story(self) -> list[Flowable]:
        return [
            Paragraph(escape(self.title), self.styles["Title"]),
            self._p(LABELS["receipt_intro"], "Normal"),
            Spacer(1, 3 * mm),
            self.section_heading(LABELS["resident"]),
            self.field_table(self.resident_rows()[:2] + self.resident_rows()[4:]),
            Spacer(1, 3 * mm),
            self.section_heading(LABELS["device"]),
            self.field_table(self.device_rows()),
            Spacer(1, 3 * mm),
            self.section_heading(LABELS["return"]),
            self.field_table(self.return_rows()),
            Spacer(1, 5 * mm),
            KeepTogether(
                [
                    self.section_heading(LABELS["signatures"]),
                    self.signature_table([LABELS["signature_staff"]]),
                ]
            ),
        ]
