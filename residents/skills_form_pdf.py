"""The paper form of the できること self-assessment (できることチェック表): one A4 page in large
type, for a resident to fill in at a class or at home, or for staff to read out on the phone.

A Japanese city form: it prints in Japanese whatever the UI language (item wording: the
administrator's Japanese text). Blank, or with a resident's name printed in.
"""

from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from kernel.pdf import PdfRenderer
from residents.models import Resident
from residents.models_skills import SkillItem

BOX = "□"
GREY = colors.HexColor("#e8e8e8")
LABELS = {
    "title": "できることチェック表",
    "intro": "スマートフォンで、いまできることに○をつけてください。分からないところは空けておいてかまいません。",
    "name": "お名前",
    "date": "記入日",
    "date_blank": "　　　　年　　　月　　　日",
    "point": "時期",
    "point_before": "はじめて",
    "point_after": "講座・貸与の終わり",
    "point_follow_up": "その後（6～12か月後）",
    "number": "番号",
    "item": "できること",
    "can": "できる",
    "with_help": "手伝いが\nあれば\nできる",
    "cannot": "できない",
    "smartphone": "いま、スマートフォンを使っていますか。",
    "yes": "はい",
    "no": "いいえ",
    "staff": "職員記入欄",
    "asked_by": "聞いた人",
    "channel": "方法",
    "channel_choices": f"{BOX} 電話　{BOX} 用紙　{BOX} 対面",
    "footer": "できることチェック表（個人情報を含みます。記入後は職員にお渡しください。）",
}


class Blank(str):
    """A table value drawn as plain text, its spaces kept (a Paragraph would squeeze them): the
    blanks of a date to write in."""


class SkillFormRenderer(PdfRenderer):
    """The paper form for ``items`` (SkillItem rows, in order), with ``resident``'s name printed
    in when given. Body text 14 pt (12 pt when more than 12 items, so the form stays one A4
    page). Rendering makes no query."""

    top_margin = 12 * mm
    bottom_margin = 16 * mm

    def __init__(self, items: list[SkillItem], *, resident: Resident | None = None) -> None:
        self.items = list(items)
        self.resident = resident
        self.body_size = 14 if len(self.items) <= 12 else 12
        self.title = LABELS["title"]
        super().__init__()

    def get_stylesheet(self) -> dict[str, ParagraphStyle]:
        styles = super().get_stylesheet()
        size = self.body_size
        styles["Body"] = ParagraphStyle(
            "Body", parent=styles["Normal"], fontSize=size, leading=size * 1.35
        )
        styles["Center"] = ParagraphStyle("Center", parent=styles["Body"], alignment=TA_CENTER)
        styles["Box"] = ParagraphStyle(
            "Box", parent=styles["Center"], fontSize=size + 6, leading=size + 8
        )
        styles["Header"] = ParagraphStyle(
            "Header", parent=styles["Center"], fontSize=12, leading=14
        )
        styles["Title"] = ParagraphStyle(
            "Title", parent=styles["Title"], fontSize=22, leading=28, spaceAfter=2 * mm
        )
        return styles

    def _p(self, text: str, style: str = "Body") -> Paragraph:
        return Paragraph(escape(text), self.styles[style])

    def _lines(self, text: str, style: str = "Body") -> list[Paragraph]:
        """One paragraph per line of ``text``: a table cell holds them stacked."""
        return [self._p(line, style) for line in text.splitlines()]

    def footer_text(self) -> str:
        return LABELS["footer"]

    def header(self) -> Table:
        name = self.resident.name if self.resident is not None else ""
        points = "　".join(
            f"{BOX} {LABELS[key]}" for key in ("point_before", "point_after", "point_follow_up")
        )
        rows = [
            [self._p(LABELS["name"]), self._p(name)],
            [self._p(LABELS["date"]), Blank(LABELS["date_blank"])],
            [self._p(LABELS["point"]), self._p(points)],
        ]
        table = Table(rows, colWidths=[28 * mm, self.content_width - 28 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.font_name, self.body_size),
                    ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                    ("BACKGROUND", (0, 0), (0, -1), GREY),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 2 * mm),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2 * mm),
                ]
            )
        )
        return table

    def item_table(self) -> Table:
        answer_width = 23 * mm
        number_width = 14 * mm
        rows = [
            [
                self._p(LABELS["number"], "Header"),
                self._p(LABELS["item"], "Header"),
                self._p(LABELS["can"], "Header"),
                self._lines(LABELS["with_help"], "Header"),
                self._p(LABELS["cannot"], "Header"),
            ]
        ]
        for number, item in enumerate(self.items, start=1):
            rows.append(
                [
                    self._p(str(number), "Center"),
                    self._p(item.text),
                    self._p(BOX, "Box"),
                    self._p(BOX, "Box"),
                    self._p(BOX, "Box"),
                ]
            )
        item_width = self.content_width - number_width - 3 * answer_width
        table = Table(
            rows,
            colWidths=[number_width, item_width, answer_width, answer_width, answer_width],
            repeatRows=1,
        )
        padding = 2 * mm if len(self.items) <= 12 else 1 * mm
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.font_name, self.body_size),
                    ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                    ("BACKGROUND", (0, 0), (-1, 0), GREY),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), padding),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
                ]
            )
        )
        return table

    def smartphone_question(self) -> Table:
        answers = f"{BOX} {LABELS['yes']}　　{BOX} {LABELS['no']}"
        table = Table(
            [[self._p(LABELS["smartphone"]), self._p(answers)]],
            colWidths=[self.content_width - 60 * mm, 60 * mm],
        )
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.font_name, self.body_size),
                    ("BOX", (0, 0), (-1, -1), 0.6, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 2 * mm),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2 * mm),
                ]
            )
        )
        return table

    def staff_box(self) -> Table:
        width = self.content_width
        rows = [
            [
                self._p(LABELS["staff"], "Small"),
                self._p(LABELS["asked_by"], "Small"),
                "",
                self._p(LABELS["channel"], "Small"),
                self._p(LABELS["channel_choices"], "Small"),
            ]
        ]
        widths = [22 * mm, 18 * mm, width / 2 - 40 * mm, 14 * mm, width / 2 - 14 * mm]
        table = Table(rows, colWidths=widths)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.font_name, 10),
                    ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                    ("BACKGROUND", (0, 0), (0, 0), GREY),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 2.5 * mm),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5 * mm),
                ]
            )
        )
        return table

    def get_story(self) -> list[Flowable]:
        return [
            self._p(LABELS["title"], "Title"),
            self._p(LABELS["intro"]),
            Spacer(1, 3 * mm),
            self.header(),
            Spacer(1, 3 * mm),
            self.item_table(),
            Spacer(1, 3 * mm),
            self.smartphone_question(),
            Spacer(1, 3 * mm),
            self.staff_box(),
        ]
