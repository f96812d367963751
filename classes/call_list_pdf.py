"""The day-before call list (前日確認電話リスト) of one venue, printed for the phone.

A Japanese city form: labels are Japanese whatever the UI language.
"""

from datetime import date
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from classes.formatting import date_ja, session_title_ja
from classes.models import CallListEntry, Venue
from kernel.pdf import PdfRenderer

LABELS = {
    "title": "前日確認電話リスト",
    "name": "氏名",
    "kana": "ふりがな",
    "phone": "電話",
    "session": "開催",
    "time": "時刻",
    "result": "結果",
    "boxes": "□済 □不在 □取消",
    "proxy": "代理",
    "email": "メール送信済",
    "empty": "対象者はいません。",
    "privacy": "個人情報を含みます。取り扱いと保管にご注意ください。",
}


class CallListRenderer(PdfRenderer):
    """Call list of ``venue`` for ``day``, A4 portrait.

    ``entries`` come from ``classes.selectors_calls.reminder_entries`` (related rows selected),
    so rendering makes no query.
    """

    title = LABELS["title"]
    # name, kana, phone, session, time, result: 180 mm, the A4 content width.
    column_widths_mm = (30, 32, 34, 38, 20, 26)

    def __init__(self, *, venue: Venue, day: date, entries: list[CallListEntry]) -> None:
        self.venue = venue
        self.day = day
        self.entries = entries
        super().__init__()

    def footer_text(self) -> str:
        return f"{LABELS['privacy']}　{LABELS['title']} {date_ja(self.day)} {self.venue.name}"

    def _cell(self, text: str, style: str = "TableCell") -> Paragraph:
        return Paragraph(escape(text), self.styles[style])

    def phone_text(self, entry: CallListEntry) -> str:
        """The resident's phone, else the proxy's phone marked 代理, else "—"."""
        resident = entry.registration.resident
        if resident.phone:
            return resident.phone
        if resident.proxy_phone:
            who = resident.proxy_relation or resident.proxy_name
            return f"{resident.proxy_phone}（{LABELS['proxy']}{' ' + who if who else ''}）"
        return "—"

    def result_text(self, entry: CallListEntry) -> str:
        """The result cell: "メール送信済" when the reminder went by e-mail, else boxes to tick."""
        if entry.sent_at and entry.status == CallListEntry.Status.REMINDED:
            return LABELS["email"]
        return LABELS["boxes"]

    def row(self, entry: CallListEntry) -> list:
        """The line of one call-list entry: name, kana, phone, session, time (JST), result."""
        session = entry.registration.session
        resident = entry.registration.resident
        start = timezone.localtime(session.starts_at)
        end = timezone.localtime(session.ends_at)
        return [
            self._cell(resident.name),
            self._cell(resident.name_kana, "Small"),
            self._cell(self.phone_text(entry), "Small"),
            self._cell(session_title_ja(session), "Small"),
            f"{start:%H:%M}〜{end:%H:%M}",
            self._cell(self.result_text(entry), "Small"),
        ]

    def table(self) -> Table:
        """The call list table, one line per entry under a repeated header."""
        headers = ["name", "kana", "phone", "session", "time", "result"]
        rows: list[list] = [[self._cell(LABELS[k], "TableHeader") for k in headers]]
        rows += [self.row(entry) for entry in self.entries]
        table = Table(rows, colWidths=[w * mm for w in self.column_widths_mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.font_name, 10),
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 1), (-1, -1), 6),
                    ("BOTTOMPADDING", (0, 1), (-1, -1), 6),
                ]
            )
        )
        return table

    def get_story(self) -> list[Flowable]:
        heading = f"{self.venue.name}　{date_ja(self.day)}"
        story: list[Flowable] = [
            Paragraph(escape(LABELS["title"]), self.styles["Title"]),
            Paragraph(escape(heading), self.styles["Heading"]),
            Spacer(1, 4 * mm),
        ]
        if self.entries:
            story.append(self.table())
        else:
            story.append(Paragraph(escape(LABELS["empty"]), self.styles["Normal"]))
        return story
