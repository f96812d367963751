"""Printed loan paperwork: the loan agreement (貸与同意書) and the return receipt (返却受領書).

Both are Japanese city forms: they print in Japanese whatever the UI language. Their labels are
kept together in ``loans.document_labels``; the agreement's clauses come from ``loans.agreement_clauses``
(defaults translated, overridable per policy). Renderers read a loan fetched with
``loans.selectors.loan_for_detail`` (device, resident, venue, policy and users already joined), so
rendering makes no query; the agreement also prints a draft of a loan not yet saved.
"""

from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone, translation
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from kernel.pdf import PdfRenderer
from loans.agreement_clauses import clause_texts, lender_name
from loans.document_labels import CONDITION_LABELS, KIND_LABELS, LABELS
from loans.models import Loan

__all__ = ["KIND_LABELS", "LoanAgreementRenderer", "ReturnReceiptRenderer", "staff_name"]

# Body text of the loan papers: at least 12 pt, for elderly readers.
BODY_SIZE = 12
GREY = colors.HexColor("#e8e8e8")


def japanese_date(day: date | None) -> str:
    """``date(2026, 12, 3)`` -> ``'2026年12月3日'``; None -> ``''``."""
    if day is None:
        return ""
    return f"{day.year}年{day.month}月{day.day}日"


def staff_name(user) -> str:
    """A staff member's name the Japanese way (family name first), else the login; None: ''."""
    if user is None:
        return ""
    full = f"{user.last_name} {user.first_name}".strip()
    return full or user.get_username()


@dataclass(frozen=True)
class HelpLine:
    """Who to call about a loan: a name, a phone number and the hours (any may be empty)."""

    name: str
    phone: str
    hours: str

    def text(self) -> str:
        """``'いわき市中央公民館 電話 0246-00-0000（受付時間 平日9時～17時）'``, parts left out
        when empty."""
        parts = [self.name]
        if self.phone:
            parts.append(f"{LABELS['help_phone']} {self.phone}")
        text = " ".join(p for p in parts if p)
        if self.hours:
            text += f"（{LABELS['help_hours']} {self.hours}）"
        return text


def help_line_for(venue) -> HelpLine:
    """The help line of a loan made at ``venue`` (a classes.Venue or None): the LOAN_HELP_LINE,
    LOAN_HELP_LINE_PHONE and LOAN_HELP_LINE_HOURS settings, the venue's name and phone where the
    name or phone setting is empty."""
    name = getattr(settings, "LOAN_HELP_LINE", "")
    phone = getattr(settings, "LOAN_HELP_LINE_PHONE", "")
    if venue is not None:
        name = name or venue.name
        phone = phone or venue.phone
    return HelpLine(name=name, phone=phone, hours=getattr(settings, "LOAN_HELP_LINE_HOURS", ""))


class Blank(str):
    """A table value drawn as plain text, spaces kept (a Paragraph would squeeze them): the
    blanks of a date to write in."""


class _CopyMarker(Flowable):
    """Takes no room; tells the canvas which copy (利用者控え / 事務局控え) its page belongs to,
    for the footer."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def wrap(self, *_args) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._copy_label = self.label


class _LoanDocumentRenderer(PdfRenderer):
    """Shared parts of the loan documents: label/value tables and signature boxes, 12 pt."""

    label_width = 50 * mm

    def __init__(self, loan: Loan) -> None:
        self.loan = loan
        super().__init__()

    def get_stylesheet(self) -> dict[str, ParagraphStyle]:
        styles = super().get_stylesheet()
        body = ParagraphStyle(
            "Body", parent=styles["Normal"], fontSize=BODY_SIZE, leading=BODY_SIZE * 1.55
        )
        styles.update(
            Normal=body,
            TableCell=ParagraphStyle("Cell", parent=body, leading=BODY_SIZE * 1.35),
            Heading=ParagraphStyle("Heading", parent=body, fontSize=14, leading=20),
            ClauseHeading=ParagraphStyle(
                "ClauseHeading", parent=body, fontSize=13, leading=18, spaceBefore=2 * mm
            ),
            Staff=ParagraphStyle("Staff", parent=body, fontSize=10, leading=13),
            Big=ParagraphStyle("Big", parent=body, fontSize=16, leading=22),
        )
        return styles

    def _p(self, text: str, style: str = "TableCell") -> Paragraph:
        return Paragraph(escape(text), self.styles[style])

    def section_heading(self, text: str) -> Paragraph:
        return Paragraph(escape(text), self.styles["Heading"])

    def field_table(
        self, rows: list[tuple[str, str]], *, style: str = "TableCell", heights=None
    ) -> Table:
        """A two-column table of Japanese labels (shaded) and values; a ``Blank`` value is drawn
        as it is (its spaces kept), a blank to write in."""
        data = [
            [self._p(label, style), value if isinstance(value, Blank) else self._p(value, style)]
            for label, value in rows
        ]
        table = Table(
            data,
            colWidths=[self.label_width, self.content_width - self.label_width],
            rowHeights=heights,
        )
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.font_name, BODY_SIZE),
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (0, -1), GREY),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        return table

    def contact_text(self) -> str:
        """The resident's contact person (from the resident record): name, relationship, phone."""
        resident = self.loan.resident
        if not resident.proxy_name:
            return ""
        parts = [resident.proxy_name]
        if resident.proxy_relation:
            parts.append(f"（{LABELS['relation']}: {resident.proxy_relation}）")
        if resident.proxy_phone:
            parts.append(f" {LABELS['phone']}: {resident.proxy_phone}")
        return "".join(parts)

    def device_name(self) -> str:
        device = self.loan.device
        kind = KIND_LABELS.get(device.kind, device.kind)
        return f"{kind} {device.maker} {device.model_name}".strip()

    def staff_device_rows(self) -> list[tuple[str, str]]:
        """The device's identifiers, for staff (a box away from the resident's reading)."""
        device = self.loan.device
        return [
            (LABELS["asset_tag"], device.asset_tag),
            (LABELS["serial"], device.serial),
            (LABELS["imei"], device.imei or LABELS["none"]),
            (LABELS["sim_phone_staff"], device.sim_phone_number or LABELS["none"]),
        ]

    def footer_text(self) -> str:
        return f"{LABELS['privacy']}　{self.title} {self.loan.device.asset_tag}"


class LoanAgreementRenderer(_LoanDocumentRenderer):
    """The loan agreement (貸与同意書) of one loan, A4 portrait, in two labelled copies (the
    resident's and the office's), each starting on a new page.

    ``draft=True`` prints the agreement of a loan not yet saved (a ``Loan`` built in memory for the
    chosen resident, device and term), marked 下書き on every page and without a loan number.
    """

    top_margin = 12 * mm
    copies = (LABELS["copy_resident"], LABELS["copy_office"])

    def __init__(self, loan: Loan, *, draft: bool = False) -> None:
        self.draft = draft
        self.title = LABELS["agreement_title"] + (LABELS["draft_suffix"] if draft else "")
        super().__init__(loan)

    # --- values -------------------------------------------------------------------------------

    def lender(self) -> str:
        return lender_name(self.loan.policy)

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

    def clause_values(self) -> dict[str, str]:
        """What the clauses' placeholders become for this loan."""
        policy = self.loan.policy
        if policy is None or policy.max_renewals == 0:
            renewal = LABELS["renewal_sentence_none"]
        else:
            renewal = LABELS["renewal_sentence"].format(
                count=policy.max_renewals, days=policy.term_days
            )
        classes = ""
        if policy is not None and policy.classes_to_attend:
            classes = LABELS["classes_sentence"].format(count=policy.classes_to_attend)
        return {
            "lender": self.lender(),
            "start": japanese_date(self.loan.start_date),
            "due": japanese_date(self.loan.due_date),
            "renewal": renewal,
            "classes": classes,
        }

    def clauses(self) -> list[tuple[str, str]]:
        """(heading, text) of each clause, in Japanese whatever the UI language."""
        with translation.override("ja"):
            return clause_texts(self.loan.policy, self.clause_values())

    def signer_record(self) -> str:
        loan = self.loan
        if loan.agreement_signed and loan.signed_by == Loan.Signer.PROXY:
            return LABELS["signed_proxy"].format(
                name=loan.proxy_signer_name, relation=loan.proxy_signer_relation
            )
        if loan.agreement_signed:
            return LABELS["signed_resident"]
        if loan.unsigned_reason:
            return LABELS["unsigned"].format(reason=loan.unsigned_reason)
        return ""

    # --- parts --------------------------------------------------------------------------------

    def resident_rows(self) -> list[tuple[str, str]]:
        resident = self.loan.resident
        rows = [
            (LABELS["name"], resident.name),
            (LABELS["kana"], resident.name_kana),
            (LABELS["birth_date"], japanese_date(resident.birth_date)),
            (LABELS["address"], LABELS["address_hint"]),
            (LABELS["district"], resident.district),
            (LABELS["phone"], resident.phone),
        ]
        contact = self.contact_text()
        if contact:
            rows.append((LABELS["contact"], contact))
        return rows

    def loan_rows(self) -> list[tuple[str, str]]:
        """(label, value) rows of the device and term section, for the resident to read."""
        loan, device = self.loan, self.loan.device
        rows = [(LABELS["device_name"], self.device_name())]
        if device.sim_phone_number:
            rows.append((LABELS["sim_phone"], device.sim_phone_number))
        rows += [
            (LABELS["kit"], "、".join(loan.kit_handed_over_items) or LABELS["none"]),
            (
                LABELS["term"],
                LABELS["term_text"].format(
                    start=japanese_date(loan.start_date), due=japanese_date(loan.due_date)
                ),
            ),
            (LABELS["renewals"], self.renewals_text()),
            (LABELS["venue"], loan.venue.name if loan.venue is not None else ""),
            (LABELS["lender"], self.lender()),
        ]
        return rows

    def header(self, copy_label: str) -> Table:
        """The copy's label in a box at the top right, the loan number (or 下書き) at the left."""
        if self.draft:
            left = LABELS["draft_mark"]
        else:
            left = f"{LABELS['loan_number']} {self.loan.pk}"
        table = Table(
            [[self._p(left), self._p(copy_label, "Heading")]],
            colWidths=[self.content_width - 40 * mm, 40 * mm],
        )
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.font_name, BODY_SIZE),
                    ("BOX", (1, 0), (1, 0), 1.5, colors.black),
                    ("ALIGN", (1, 0), (1, 0), "CENTER"),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        return table

    def clause_flowables(self) -> list[Flowable]:
        story: list[Flowable] = [self.section_heading(LABELS["clauses"])]
        for number, (heading, text) in enumerate(self.clauses(), start=1):
            # A line break in a clause's text starts a new paragraph.
            lines = [self._p(line.strip(), "Normal") for line in text.splitlines() if line.strip()]
            story.append(KeepTogether([self._p(f"{number}. {heading}", "ClauseHeading"), *lines]))
        return story

    def help_line_box(self) -> Table:
        line = help_line_for(self.loan.venue)
        rows = [[self._p(LABELS["help_line"], "Heading")], [self._p(line.name)]]
        if line.phone:
            rows.append([self._p(f"{LABELS['help_phone']} {line.phone}", "Big")])
        if line.hours:
            rows.append([self._p(f"{LABELS['help_hours']} {line.hours}")])
        table = Table(rows, colWidths=[self.content_width])
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.font_name, BODY_SIZE),
                    ("BOX", (0, 0), (-1, -1), 1.5, colors.black),
                ]
            )
        )
        return table

    def consent_text(self) -> str:
        on, off = LABELS["box_on"], LABELS["box_off"]
        if self.draft:
            yes = no = off
        else:
            yes, no = (on, off) if self.loan.usage_data_consent else (off, on)
        return f"{yes} {LABELS['consent_yes']}　　{no} {LABELS['consent_no']}"

    def proxy_value(self) -> str:
        loan = self.loan
        if not self.draft and loan.signed_by == Loan.Signer.PROXY:
            return f"{loan.proxy_signer_name}（{LABELS['relation']}: {loan.proxy_signer_relation}）"
        return Blank(LABELS["proxy_blank"])

    def signature_block(self) -> list[Flowable]:
        rows = [
            (LABELS["signed_on"], Blank(LABELS["date_blank"]), None),
            (LABELS["signature_resident"], "", 16 * mm),
            (LABELS["signature_proxy"], "", 16 * mm),
            (LABELS["proxy_name_relation"], self.proxy_value(), 12 * mm),
            (LABELS["usage_consent"], self.consent_text(), None),
            (LABELS["lender"], self.lender(), None),
            (LABELS["signature_staff"], "", 16 * mm),
        ]
        table = self.field_table(
            [(label, value) for label, value, _h in rows], heights=[h for _l, _v, h in rows]
        )
        return [
            KeepTogether(
                [
                    self.section_heading(LABELS["signatures"]),
                    self._p(LABELS["consent_statement"], "Normal"),
                    self._p(LABELS["proxy_only"], "Normal"),
                    Spacer(1, 2 * mm),
                    table,
                ]
            )
        ]

    def staff_box(self) -> Table:
        """Device identifiers and the desk's records, small print in a shaded box for staff."""
        rows = self.staff_device_rows()
        if not self.draft:
            rows.append((LABELS["loan_number"], str(self.loan.pk)))
            rows.append((LABELS["lent_by"], staff_name(self.loan.created_by)))
            record = self.signer_record()
            if record:
                rows.append((LABELS["signature_record"], record))
        data = [[self._p(LABELS["staff_box"], "Staff"), ""]] + [
            [self._p(label, "Staff"), self._p(value, "Staff")] for label, value in rows
        ]
        table = Table(data, colWidths=[self.label_width, self.content_width - self.label_width])
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.font_name, 10),
                    ("SPAN", (0, 0), (-1, 0)),
                    ("BOX", (0, 0), (-1, -1), 1, colors.black),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f2f2f2")),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ]
            )
        )
        return table

    def copy_story(self, copy_label: str) -> list[Flowable]:
        story: list[Flowable] = [
            _CopyMarker(copy_label),
            self.header(copy_label),
            Paragraph(escape(self.title), self.styles["Title"]),
        ]
        if self.draft:
            story += [self._p(LABELS["draft_note"], "Normal"), Spacer(1, 2 * mm)]
        story += [
            self._p(LABELS["intro"].format(lender=self.lender()), "Normal"),
            Spacer(1, 3 * mm),
            self.section_heading(LABELS["resident"]),
            self.field_table(
                self.resident_rows(),
                heights=[None, None, None, 14 * mm] + [None] * (len(self.resident_rows()) - 4),
            ),
            Spacer(1, 3 * mm),
            self.section_heading(LABELS["device_and_term"]),
            self.field_table(self.loan_rows()),
            Spacer(1, 2 * mm),
            *self.clause_flowables(),
            Spacer(1, 4 * mm),
            KeepTogether([self.help_line_box()]),
            Spacer(1, 4 * mm),
            *self.signature_block(),
            Spacer(1, 4 * mm),
            KeepTogether([self.staff_box()]),
            Spacer(1, 2 * mm),
            self._p(LABELS["copy_note"], "Normal"),
        ]
        return story

    def get_story(self) -> list[Flowable]:
        story: list[Flowable] = []
        for index, label in enumerate(self.copies):
            if index:
                story.append(PageBreak())
            story += self.copy_story(label)
        return story

    def footer_text(self) -> str:
        tag = self.loan.device.asset_tag
        return f"{LABELS['privacy']}　{self.title} {tag} {self._copy_label}"

    def draw_footer(self, canvas: Canvas, page_number: int, page_count: int) -> None:
        self._copy_label = getattr(canvas, "_copy_label", "")
        super().draw_footer(canvas, page_number, page_count)
        if self.draft:
            canvas.saveState()
            canvas.setFillColor(colors.Color(0.5, 0.5, 0.5, alpha=0.18))
            canvas.setFont(self.font_name, 110)
            canvas.translate(self.pagesize[0] / 2, self.pagesize[1] / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, -40, LABELS["draft_mark"])
            canvas.restoreState()


class ReturnReceiptRenderer(_LoanDocumentRenderer):
    """The return receipt (返却受領書) of one returned loan, A4 portrait: who received the device
    back (the staff member's name), where, and whom to call."""

    title = LABELS["receipt_title"]

    def resident_rows(self) -> list[tuple[str, str]]:
        resident = self.loan.resident
        return [
            (LABELS["name"], resident.name),
            (LABELS["kana"], resident.name_kana),
            (LABELS["phone"], resident.phone),
        ]

    def device_rows(self) -> list[tuple[str, str]]:
        return [(LABELS["device_name"], self.device_name()), *self.staff_device_rows()]

    def return_rows(self) -> list[tuple[str, str]]:
        """(label, value) rows of the return section; the wipe time is local (JST)."""
        loan = self.loan
        wiped = ""
        if loan.data_wiped_at:
            local = timezone.localtime(loan.data_wiped_at)
            wiped = f"{japanese_date(local.date())} {local:%H:%M}"
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
            (LABELS["received_by"], staff_name(loan.returned_by)),
            (LABELS["help_line"], help_line_for(loan.venue).text()),
        ]

    def get_story(self) -> list[Flowable]:
        signature = Table(
            [[self._p(LABELS["signature_staff"]), ""]],
            colWidths=[self.label_width, self.content_width - self.label_width],
            rowHeights=[16 * mm],
        )
        signature.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.font_name, BODY_SIZE),
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (0, -1), GREY),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        return [
            Paragraph(escape(self.title), self.styles["Title"]),
            self._p(LABELS["receipt_intro"], "Normal"),
            Spacer(1, 3 * mm),
            self.section_heading(LABELS["resident"]),
            self.field_table(self.resident_rows()),
            Spacer(1, 3 * mm),
            self.section_heading(LABELS["device"]),
            self.field_table(self.device_rows()),
            Spacer(1, 3 * mm),
            self.section_heading(LABELS["return"]),
            self.field_table(self.return_rows()),
            Spacer(1, 5 * mm),
            KeepTogether([self.section_heading(LABELS["signatures"]), signature]),
        ]
