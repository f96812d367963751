"""The monthly calendar of a venue's sessions, in large print on A4 landscape, for the notice
board and neighbourhood circulars (回覧板): the month as one grid on the first page (a column a
weekday from Sunday, Saturdays in blue, Sundays and public holidays in red, each session's start
and title in its day), and overleaf the list of the sessions with their details.

Like the attendance sheet, this is a Japanese notice: its labels are Japanese whatever the UI
language. No personal data is printed.
"""

import calendar
from datetime import date
from xml.sax.saxutils import escape

import jpholiday
from django.db.models import QuerySet
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, Table, TableStyle

from classes.formatting import KIND_LABELS, session_title_ja
from classes.models import Session, Venue
from classes.selectors import session_list
from kernel.pdf import PdfRenderer
from reports.attendance import WEEKDAYS
from reports.figures import month_period

LABELS = {
    "title": "{venue}　{year}年{month}月の予定",
    "weekdays": "日月火水木金土",
    "more": "ほか{n}件（裏面）",
    "details": "{year}年{month}月の予定の詳細",
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
CELL_SIZE = 11  # points: a session's title in the grid (in full overleaf)
TIME_SIZE = 9  # points: its start time
CELL_TITLE_LINES = 2  # a longer title is cut with "…" in the grid
DAY_SIZE = 18  # points: the day's number in the grid
SATURDAY_BLUE = "#1a4fa0"
HOLIDAY_RED = "#b00020"


def venue_month_sessions(*, venue: Venue, year: int, month: int) -> QuerySet[Session]:
    """Sessions at ``venue`` starting in the month (JST), cancelled ones included, in start
    order, with venue and topic. One query. Raises ValueError for an impossible month."""
    period = month_period(year, month)
    return session_list(start=period.start_at, end=period.end_before, venue_ids=[venue.pk])


class VenueMonthCalendarRenderer(PdfRenderer):
    """A4 landscape. Page 1: the month grid, its title, the venue's address and how to apply.
    Overleaf: one row per session (date with Japanese weekday, time, title and details).

    Body text is 16 pt, the grid's titles 12 pt and its day numbers 18 pt. A day with more
    sessions than its box holds shows as many as fit and "ほか N件（裏面）".
    """

    pagesize = landscape(A4)
    top_margin = 12 * mm
    bottom_margin = 15 * mm

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
            "BigTitle", parent=body, fontSize=24, leading=30, alignment=TA_CENTER
        )
        styles["Note"] = ParagraphStyle("Note", parent=body, fontSize=14, leading=19)
        styles["Day"] = ParagraphStyle("Day", parent=body, fontSize=CELL_SIZE, leading=13)
        styles["Weekday"] = ParagraphStyle(
            "Weekday", parent=body, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.2, alignment=TA_CENTER
        )
        return styles

    def footer_text(self) -> str:
        return self.title

    @property
    def frame_width(self) -> float:
        """Width inside the page frame (reportlab pads the frame by 6 pt each side)."""
        return self.content_width - 12

    @property
    def frame_height(self) -> float:
        return self.pagesize[1] - self.top_margin - self.bottom_margin - 12

    # --- the grid --------------------------------------------------------------------------

    @staticmethod
    def day_color(day: date) -> str | None:
        """Red for Sundays and public holidays, blue for Saturdays, else None (black)."""
        if day.weekday() == 6 or jpholiday.is_holiday(day):
            return HOLIDAY_RED
        if day.weekday() == 5:
            return SATURDAY_BLUE
        return None

    def _session_line(self, session: Session, width: float) -> str:
        """Start time and title, the title cut with "…" to fit ``CELL_TITLE_LINES`` lines of
        ``width`` points (one character of slack a line for the line breaking)."""
        start = timezone.localtime(session.starts_at)
        time_text = f"{start:%H:%M} "
        room = (width - CELL_SIZE) * CELL_TITLE_LINES - stringWidth(
            time_text, self.font_name, TIME_SIZE
        )
        title = session_title_ja(session)
        if stringWidth(title, self.font_name, CELL_SIZE) > room:
            while title and stringWidth(title + "…", self.font_name, CELL_SIZE) > room:
                title = title[:-1]
            title += "…"
        text = f'<font size="{TIME_SIZE}">{time_text}</font>{escape(title)}'
        if session.status == Session.Status.CANCELLED:
            cancelled = LABELS["cancelled"]
            return f'<font color="{HOLIDAY_RED}">【{cancelled}】</font><strike>{text}</strike>'
        return text

    def _day_cell(self, day: date, sessions: list[Session], width: float, height: float):
        """The box of one day: its number (coloured), a holiday's name, and as many sessions
        as fit in ``height`` points, then "ほか N件（裏面）"."""
        color = self.day_color(day)
        number = f'<font size="{DAY_SIZE}">{day.day}</font>'
        holiday = jpholiday.is_holiday_name(day)
        if holiday:
            number += f' <font size="9">{escape(holiday)}</font>'
        if color:
            number = f'<font color="{color}">{number}</font>'
        lines = [self._session_line(s, width - 6) for s in sessions]
        shown = len(lines)
        while True:
            parts = [number, *lines[:shown]]
            if shown < len(lines):
                parts.append(LABELS["more"].format(n=len(lines) - shown))
            paragraph = Paragraph("<br/>".join(parts), self.styles["Day"])
            _w, needed = paragraph.wrap(width - 6, height)
            if needed <= height - 4 or shown <= 1:
                return paragraph
            shown -= 1

    def grid(self, height: float) -> Table:
        """The month as a table: a header of weekdays from Sunday, then one row a week."""
        weeks = calendar.Calendar(firstweekday=6).monthdatescalendar(self.year, self.month)
        by_day: dict[date, list[Session]] = {}
        for session in self.sessions:
            by_day.setdefault(timezone.localtime(session.starts_at).date(), []).append(session)
        width = self.frame_width / 7
        header_height = 9 * mm
        row_height = (height - header_height) / len(weeks)
        header = []
        for i, name in enumerate(LABELS["weekdays"]):
            color = {0: HOLIDAY_RED, 6: SATURDAY_BLUE}.get(i, "#000000")
            header.append(Paragraph(f'<font color="{color}">{name}</font>', self.styles["Weekday"]))
        rows: list[list] = [header]
        style = [
            # Else the table sets Helvetica, which would be listed unembedded.
            ("FONT", (0, 0), (-1, -1), self.font_name, CELL_SIZE),
            ("GRID", (0, 0), (-1, -1), 0.8, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
            ("VALIGN", (0, 1), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
        for r, week in enumerate(weeks, start=1):
            row = []
            for c, day in enumerate(week):
                if day.month != self.month:
                    row.append("")
                    style.append(("BACKGROUND", (c, r), (c, r), colors.HexColor("#f0f0f0")))
                    continue
                row.append(self._day_cell(day, by_day.get(day, []), width, row_height))
                if self.day_color(day) == HOLIDAY_RED:
                    style.append(("BACKGROUND", (c, r), (c, r), colors.HexColor("#fff3f3")))
            rows.append(row)
        table = Table(
            rows, colWidths=[width] * 7, rowHeights=[header_height] + [row_height] * len(weeks)
        )
        table.setStyle(TableStyle(style))
        return table

    # --- the list overleaf -----------------------------------------------------------------

    def _date_cell(self, day: date) -> Paragraph:
        text = f"{day.month}月{day.day}日({WEEKDAYS[day.weekday()]})"
        color = self.day_color(day)
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
            text = f'<font color="{HOLIDAY_RED}">【{LABELS["cancelled"]}】</font><strike>{text}</strike>'
        return Paragraph(text, self.styles["Cell"])

    def details(self) -> list[Flowable]:
        """The sessions of the month, one row each, in large print."""
        title = LABELS["details"].format(year=self.year, month=self.month)
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
        widths.append(self.frame_width - sum(widths))
        table = Table(rows, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.font_name, BODY_SIZE),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#333333")),
                    ("GRID", (0, 0), (-1, -1), 0.8, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 2 * mm),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2 * mm),
                    *[
                        ("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f2f2f2"))
                        for i in range(2, len(rows), 2)
                    ],
                ]
            )
        )
        return [Paragraph(escape(title), self.styles["BigTitle"]), Spacer(1, 3 * mm), table]

    def get_story(self) -> list[Flowable]:
        top: list[Flowable] = [Paragraph(escape(self.title), self.styles["BigTitle"])]
        if self.venue.address:
            top.append(
                Paragraph(
                    escape(LABELS["address"].format(address=self.venue.address)),
                    self.styles["Note"],
                )
            )
        bottom: list[Flowable] = []
        if not self.sessions:
            bottom.append(Paragraph(LABELS["empty"], self.styles["Body"]))
        bottom.append(Paragraph(LABELS["apply"], self.styles["Note"]))
        if self.venue.phone:
            bottom.append(
                Paragraph(
                    escape(LABELS["contact"].format(venue=self.venue.name, phone=self.venue.phone)),
                    self.styles["Note"],
                )
            )
        spacing = 3 * mm
        used = sum(f.wrap(self.frame_width, self.frame_height)[1] for f in top + bottom)
        grid_height = self.frame_height - used - 2 * spacing - 2 * mm
        story = [*top, Spacer(1, spacing), self.grid(grid_height), Spacer(1, spacing), *bottom]
        if self.sessions:
            story += [PageBreak(), *self.details()]
        return story
