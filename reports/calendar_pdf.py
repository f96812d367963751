"""The monthly calendar of a venue's sessions, in large print on A4, for the notice board and
neighbourhood circulars (回覧板).

Like the attendance sheet, this is a Japanese notice: its labels are Japanese whatever the UI
language. No personal data is printed.
"""

from datetime import date
from xml.sax.saxutils import escape

from django.db.models import QuerySet
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from classes.formatting import KIND_LABELS, session_title_ja
from classes.models import Session, Venue
from classes.selectors import session_list
from kernel.pdf import PdfRenderer
from reports.attendance import WEEKDAYS
from reports.figures import month_period

LABELS = {
    "title": "{venue}　{year}年{month}月の予定",
    "date": "日にち",
    "time": "時間",
    "what": "内容",
    "cancelled": "中止",
    "empty": "この月の予定はありません。",
    "seats": "定員{seats}名",
    "bring": "持ち物：{what}",
    "contact": "お問い合わせ：{venue}　{phone}",
    "address": "所在地：{address}",
    "apply": "教室は事前にお申し込みください。お電話で受け付けます。",
}
BODY_SIZE = 16  # points: large print for older readers at a notice board


def venue_month_sessions(*, venue: Venue, year: int, month: int) -> QuerySet[Session]:
    """Sessions at ``venue`` starting in the month (JST), cancelled ones included, in start
    order, with venue and topic. One query. Raises ValueError for an impossible month."""
    period = month_period(year, month)
    return session_list(start=period.start_at, end=period.end_before, venue_ids=[venue.pk])


class VenueMonthCalendarRenderer(PdfRenderer):
    """A4 portrait, one row per session: date with Japanese weekday, time, title and kind.

    Body text is 16 pt; Saturdays are printed in blue and Sundays in red, as Japanese calendars do.
    """

    def __init__(self, venue: Venue, year: int, month: int, sessions) -> None:
        super().__init__()
        self.venue = venue
        self.year = year
        self.month = month
        self.sessions = list(sessions)
        self.title = LABELS["title"].format(venue=venue.name, year=year, month=month)

    def get_stylesheet(self) -> dict[str, ParagraphStyle]:
        styles = super().get_stylesheet()
        body = ParagraphStyle(
            "Body", parent=styles["Normal"], fontSize=BODY_SIZE, leading=BODY_SIZE * 1.35
        )
        styles["Body"] = body
        styles["Cell"] = ParagraphStyle("Cell", parent=body)
        styles["Head"] = ParagraphStyle(
            "Head", parent=body, alignment=TA_CENTER, textColor=colors.white
        )
        styles["BigTitle"] = ParagraphStyle(
            "BigTitle", parent=body, fontSize=24, leading=32, alignment=TA_CENTER
        )
        styles["Note"] = ParagraphStyle("Note", parent=body, fontSize=14, leading=19)
        return styles

    def footer_text(self) -> str:
        return self.title

    def _date_cell(self, day: date) -> Paragraph:
        weekday = day.weekday()
        text = f"{day.month}月{day.day}日({WEEKDAYS[weekday]})"
        color = {5: "#1a4fa0", 6: "#b00020"}.get(weekday)
        if color:
            text = f'<font color="{color}">{text}</font>'
        return Paragraph(text, self.styles["Cell"])

    def _what_cell(self, session: Session) -> Paragraph:
        title = session_title_ja(session)
        parts = [f"<b>{escape(title)}</b>"]
        kind = KIND_LABELS.get(session.kind, "")
        details = [kind] if kind and kind != title else []
        if session.seats and session.kind == Session.Kind.CLASS:
            details.append(LABELS["seats"].format(seats=session.seats))
        if details:
            parts.append("（" + "・".join(escape(d) for d in details) + "）")
        topic = session.topic
        bring = session.what_to_bring or (topic.what_to_bring if topic is not None else "")
        if bring:
            parts.append("<br/>" + escape(LABELS["bring"].format(what=bring)))
        if session.place:
            parts.append("<br/>" + escape(session.place))
        text = "".join(parts)
        if session.status == Session.Status.CANCELLED:
            text = f'<font color="#b00020">【{LABELS["cancelled"]}】</font><strike>{text}</strike>'
        return Paragraph(text, self.styles["Cell"])

    def get_story(self) -> list[Flowable]:
        story: list[Flowable] = [Paragraph(escape(self.title), self.styles["BigTitle"])]
        if self.venue.address:
            story.append(
                Paragraph(
                    escape(LABELS["address"].format(address=self.venue.address)),
                    self.styles["Note"],
                )
            )
        story.append(Spacer(1, 4 * mm))
        if not self.sessions:
            story.append(Paragraph(LABELS["empty"], self.styles["Body"]))
        else:
            rows: list[list] = [
                [Paragraph(LABELS[k], self.styles["Head"]) for k in ("date", "time", "what")]
            ]
            for session in self.sessions:
                start = timezone.localtime(session.starts_at)
                end = timezone.localtime(session.ends_at)
                rows.append(
                    [
                        self._date_cell(start.date()),
                        Paragraph(f"{start:%H:%M}〜{end:%H:%M}", self.styles["Cell"]),
                        self._what_cell(session),
                    ]
                )
            widths = [44 * mm, 50 * mm]
            widths.append(self.content_width - sum(widths))
            table = Table(rows, colWidths=widths, repeatRows=1)
            table.setStyle(
                TableStyle(
                    [
                        # Else the table sets Helvetica, which would be listed unembedded.
                        ("FONT", (0, 0), (-1, -1), self.font_name, BODY_SIZE),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#333333")),
                        ("GRID", (0, 0), (-1, -1), 0.8, colors.black),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                        ("TOPPADDING", (0, 0), (-1, -1), 3 * mm),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
                        *[
                            ("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f2f2f2"))
                            for i in range(2, len(rows), 2)
                        ],
                    ]
                )
            )
            story.append(table)
        story.append(Spacer(1, 6 * mm))
        story.append(Paragraph(LABELS["apply"], self.styles["Note"]))
        if self.venue.phone:
            story.append(
                Paragraph(
                    escape(LABELS["contact"].format(venue=self.venue.name, phone=self.venue.phone)),
                    self.styles["Note"],
                )
            )
        return story
