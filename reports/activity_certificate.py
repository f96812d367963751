"""The activity certificate (活動証明書) of one supporter for a period, for a student's school.

A Japanese document: its labels are Japanese whatever the UI language. Only hours the
coordinator approved count. The issuer printed at the bottom comes from
``settings.ACTIVITY_CERTIFICATE_ISSUER`` (default ``DEFAULT_ISSUER``).
"""

from datetime import date
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from classes.formatting import session_title_ja
from kernel.pdf import PdfRenderer
from volunteers.models import Assignment, Supporter

DEFAULT_ISSUER = "デジタル活用支援事業 事務局"

LABELS = {
    "title": "活動証明書",
    "issued": "発行日",
    "name": "氏名",
    "kind": "区分",
    "organisation": "学校・団体",
    "period": "活動期間",
    "activity": "活動内容",
    "activity_text": "高齢者等のスマートフォン教室・相談会等におけるデジタル活用支援",
    "statement": "上記の者が、下記のとおり当事業の活動に従事したことを証明します。",
    "no": "No.",
    "date": "日付",
    "venue": "会場",
    "topic": "内容",
    "hours": "承認時間",
    "total": "合計",
    "sessions": "活動回数",
    "times": "回",
    "empty": "この期間に承認された活動はありません。",
    "issuer": "発行者",
    "stamp": "印",
    "only_approved": "※コーディネーターが承認した活動時間のみを記載しています。",
}
SUPPORTER_KIND_LABELS: dict[str, str] = {
    Supporter.Kind.STUDENT: "学生",
    Supporter.Kind.VOLUNTEER: "ボランティア",
    Supporter.Kind.DIGITAL_SUPPORTER: "デジタル活用支援員",
    Supporter.Kind.STAFF: "職員",
}


def japanese_day(day: date) -> str:
    """``date(2026, 4, 1)`` -> ``'2026年4月1日'``."""
    return f"{day.year}年{day.month}月{day.day}日"


def minutes_text(minutes: int) -> str:
    """``90`` -> ``'1時間30分'``, ``120`` -> ``'2時間'``, ``45`` -> ``'45分'``."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours}時間{rest}分"
    if hours:
        return f"{hours}時間"
    return f"{rest}分"


class ActivityCertificateRenderer(PdfRenderer):
    """A4 portrait. ``rows`` are the supporter's approved assignments in the period (from
    ``volunteers.selectors_hours.approved_hours_rows``: session, venue and topic joined, so
    rendering makes no query). ``issued_on`` defaults to today (JST)."""

    title = LABELS["title"]
    column_widths_mm = (12, 34, 52, 52, 30)  # No., date, venue, topic, hours: 180 mm

    def __init__(
        self,
        supporter: Supporter,
        date_from: date,
        date_to: date,
        rows: list[Assignment],
        issued_on: date | None = None,
    ) -> None:
        self.supporter = supporter
        self.date_from = date_from
        self.date_to = date_to
        self.rows = rows
        self.issued_on = issued_on or timezone.localdate()
        self.issuer = getattr(settings, "ACTIVITY_CERTIFICATE_ISSUER", "") or DEFAULT_ISSUER
        super().__init__()

    @property
    def total_minutes(self) -> int:
        """Approved minutes of all rows (an int; a row without approved minutes counts 0)."""
        return sum(row.approved_minutes or 0 for row in self.rows)

    @property
    def session_count(self) -> int:
        """How many approved assignments (one per session) the certificate lists."""
        return len(self.rows)

    def period_text(self) -> str:
        """The period, both dates inclusive: "2026年4月1日〜2027年3月31日"."""
        return f"{japanese_day(self.date_from)}〜{japanese_day(self.date_to)}"

    def footer_text(self) -> str:
        return f"{LABELS['title']}　{self.supporter.name}　{self.period_text()}"

    def _cell(self, text: str, style: str = "TableCell") -> Paragraph:
        return Paragraph(escape(text), self.styles[style])

    def info_table(self) -> Table:
        """The name, kind, school or organisation, period and activity table."""
        supporter = self.supporter
        kind = SUPPORTER_KIND_LABELS.get(supporter.kind, supporter.get_kind_display())
        data = [
            [self._cell(LABELS["name"], "TableHeader"), self._cell(supporter.name, "Heading")],
            [self._cell(LABELS["kind"], "TableHeader"), self._cell(kind)],
            [
                self._cell(LABELS["organisation"], "TableHeader"),
                self._cell(supporter.organisation or "—"),
            ],
            [self._cell(LABELS["period"], "TableHeader"), self._cell(self.period_text())],
            [
                self._cell(LABELS["activity"], "TableHeader"),
                self._cell(LABELS["activity_text"]),
            ],
        ]
        table = Table(data, colWidths=[35 * mm, 145 * mm])
        table.setStyle(self._grid_style(header_column=True))
        return table

    def totals_table(self) -> Table:
        """Total approved time (hours and minutes, then minutes) and number of sessions."""
        total = self.total_minutes
        data = [
            [
                self._cell(LABELS["total"], "TableHeader"),
                self._cell(f"{minutes_text(total)}（{total}分）"),
                self._cell(LABELS["sessions"], "TableHeader"),
                self._cell(f"{self.session_count}{LABELS['times']}"),
            ]
        ]
        table = Table(data, colWidths=[35 * mm, 65 * mm, 35 * mm, 45 * mm])
        style = self._grid_style(header_column=True)
        style.add("BACKGROUND", (2, 0), (2, 0), colors.HexColor("#e8e8e8"))
        table.setStyle(style)
        return table

    def sessions_table(self) -> Table:
        """One line per approved assignment: No., date (JST), place, topic, approved time."""
        header = [
            self._cell(LABELS[key], "TableHeader")
            for key in ("no", "date", "venue", "topic", "hours")
        ]
        rows: list[list] = [header]
        tz = timezone.get_default_timezone()
        for number, row in enumerate(self.rows, start=1):
            day = timezone.localtime(row.session.starts_at, tz).date()
            rows.append(
                [
                    str(number),
                    self._cell(japanese_day(day)),
                    self._cell(row.session.place_label),
                    self._cell(session_title_ja(row.session)),
                    self._cell(minutes_text(row.approved_minutes or 0)),
                ]
            )
        table = Table(rows, colWidths=[w * mm for w in self.column_widths_mm], repeatRows=1)
        style = TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), self.font_name, 10),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (0, 1), (0, -1), "RIGHT"),
            ]
        )
        table.setStyle(style)
        return table

    def issuer_block(self) -> Table:
        """The issuer's name with a box for the seal (印), right-aligned."""
        right = ParagraphStyle("Right", parent=self.styles["Normal"], alignment=TA_RIGHT)
        text = Paragraph(
            f"{escape(LABELS['issuer'])}　{escape(self.issuer)}", ParagraphStyle("I", parent=right)
        )
        stamp = Paragraph(escape(LABELS["stamp"]), self.styles["TableHeader"])
        table = Table([[text, stamp]], colWidths=[155 * mm, 20 * mm], rowHeights=[20 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("BOX", (1, 0), (1, 0), 0.8, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("FONT", (0, 0), (-1, -1), self.font_name, 10),
                ]
            )
        )
        return table

    def _grid_style(self, *, header_column: bool) -> TableStyle:
        commands = [
            ("FONT", (0, 0), (-1, -1), self.font_name, 10),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]
        if header_column:
            commands.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#e8e8e8")))
        return TableStyle(commands)

    def get_story(self) -> list[Flowable]:
        right = ParagraphStyle("Issued", parent=self.styles["Normal"], alignment=TA_RIGHT)
        story: list[Flowable] = [
            Paragraph(f"{LABELS['issued']}　{japanese_day(self.issued_on)}", right),
            Spacer(1, 4 * mm),
            Paragraph(escape(LABELS["title"]), self.styles["Title"]),
            self.info_table(),
            Spacer(1, 5 * mm),
            Paragraph(escape(LABELS["statement"]), self.styles["Normal"]),
            Spacer(1, 4 * mm),
            self.totals_table(),
            Spacer(1, 5 * mm),
        ]
        if self.rows:
            story.append(self.sessions_table())
        else:
            story.append(Paragraph(escape(LABELS["empty"]), self.styles["Normal"]))
        story += [
            Spacer(1, 2 * mm),
            Paragraph(escape(LABELS["only_approved"]), self.styles["Small"]),
            Spacer(1, 10 * mm),
            KeepTogether([self.issuer_block()]),
        ]
        return story
