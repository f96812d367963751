"""The attendance sheet (出席簿) of one session, printed for the reception desk.

The sheet is a Japanese city form: its labels are Japanese whatever the UI language, and are
kept together in ``LABELS`` / ``KIND_LABELS`` below.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from classes.formatting import KIND_LABELS
from classes.models import Registration, Session
from kernel.pdf import PdfRenderer

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from reports.selectors import SheetRows

LABELS = {
    "title": "出席簿",
    "cancelled": "（中止）",
    "venue": "会場",
    "place": "場所",
    "date": "日時",
    "kind": "種別",
    "topic": "内容",
    "organiser": "主催",
    "supporters": "サポーター",
    "registered": "申込者数",
    "people": "名",
    "seats": "定員",
    "lead": "リーダー",
    "proposed": "調整中",
    "no": "番号",
    "name": "氏名",
    "kana": "ふりがな",
    "age": "年齢",
    "district": "地区",
    "notes": "備考",
    "attendance": "出欠",
    "signature": "署名",
    "companion": "付き添い",
    "walk_in": "当日参加",
    "not_yet": "□",
    "attended": "✓",
    "absent": "欠",
    "summary_attended": "出席者数",
    "summary_walk_ins": "うち当日参加",
    "summary_recorder": "記入者",
    "walk_in_rows": "当日参加の方は空欄にご記入ください。",
    "privacy": "個人情報を含みます。取り扱いと保管にご注意ください。",
}
WEEKDAYS = "月火水木金土日"


def japanese_date(day: date) -> str:
    """``date(2026, 12, 3)`` -> ``'2026年12月3日(木)'``."""
    return f"{day.year}年{day.month}月{day.day}日({WEEKDAYS[day.weekday()]})"


def _time_range(start: datetime, end: datetime) -> str:
    return f"{start:%H:%M}〜{end:%H:%M}"


class AttendanceSheetRenderer(PdfRenderer):
    """Attendance sheet of one session, A4 portrait.

    ``session`` should come from ``reports.selectors.attendance_sheet_sessions`` (it reads the
    prefetched ``sheet_registrations`` and ``sheet_assignments``); rendering then makes no
    query. Registered residents are listed in kana order, followed by ``blank_rows`` empty rows
    for walk-ins.
    """

    title = LABELS["title"]
    blank_rows = 5
    min_row_height = 9 * mm  # room for a handwritten signature
    # No., name, kana, age, district, notes, attendance, signature: 180 mm, the A4 content width.
    column_widths_mm = (9, 33, 33, 11, 17, 37, 12, 28)

    def __init__(self, session: WithAnnotations[Session, SheetRows]) -> None:
        self.session = session
        self.starts = timezone.localtime(session.starts_at)
        self.ends = timezone.localtime(session.ends_at)
        self.title = self.document_title()
        super().__init__()

    # --- text ------------------------------------------------------------------------------

    def document_title(self) -> str:
        """The title: "出席簿", with "（中止）" after it for a cancelled session."""
        if self.session.status == Session.Status.CANCELLED:
            return LABELS["title"] + LABELS["cancelled"]
        return LABELS["title"]

    def place_text(self) -> str:
        """The venue's name, or the free-text place of a session away from a venue."""
        session = self.session
        if session.venue is not None:
            return session.venue.name
        return session.place

    def date_text(self) -> str:
        """The session's date with weekday and its time range, in JST."""
        return f"{japanese_date(self.starts.date())} {_time_range(self.starts, self.ends)}"

    def topic_text(self) -> str:
        """The session's title, with the curriculum topic in brackets when it differs."""
        session = self.session
        topic_title = session.topic.title if session.topic is not None else ""
        if session.title and topic_title and session.title != topic_title:
            return f"{session.title}（{topic_title}）"
        return session.title or topic_title

    def supporters_text(self) -> str:
        """Proposed and confirmed supporters, "、"-separated, marked lead or proposed."""
        names = []
        for assignment in self.session.sheet_assignments:
            marks = []
            if assignment.is_lead:
                marks.append(LABELS["lead"])
            if assignment.status == assignment.Status.PROPOSED:
                marks.append(LABELS["proposed"])
            suffix = f"（{'・'.join(marks)}）" if marks else ""
            names.append(assignment.supporter.name + suffix)
        return "、".join(names)

    def registered_text(self) -> str:
        """Number of registered residents, with the seat limit when there is one."""
        text = f"{len(self.registrations())}{LABELS['people']}"
        if self.session.seats is not None:
            text += f"（{LABELS['seats']} {self.session.seats}{LABELS['people']}）"
        return text

    def footer_text(self) -> str:
        # The privacy notice first: a long place is what gets cut to fit the line.
        day = japanese_date(self.starts.date())
        return f"{LABELS['privacy']}　{LABELS['title']} {day} {self.place_text()}"

    # --- rows ------------------------------------------------------------------------------

    def registrations(self) -> list[Registration]:
        """Registered residents in kana order; residents without kana last, by name."""
        return sorted(
            self.session.sheet_registrations,
            key=lambda r: (
                not r.resident.search_kana,
                r.resident.search_kana,
                r.resident.name,
                r.id,
            ),
        )

    def notes_text(self, registration: Registration) -> str:
        """Accessibility needs, companion and walk-in mark of one registration, "／"-separated."""
        parts = []
        if registration.resident.accessibility_needs:
            parts.append(registration.resident.accessibility_needs)
        if registration.companion:
            parts.append(f"{LABELS['companion']}: {registration.companion}")
        if registration.is_walk_in:
            parts.append(LABELS["walk_in"])
        return "／".join(parts)

    def attendance_mark(self, registration: Registration) -> str:
        """✓ attended, 欠 absent, □ not yet recorded."""
        if registration.attendance == Registration.Attendance.ATTENDED:
            return LABELS["attended"]
        if registration.attendance == Registration.Attendance.ABSENT:
            return LABELS["absent"]
        return LABELS["not_yet"]

    def _cell(self, text: str, style: str = "TableCell") -> Paragraph:
        return Paragraph(escape(text), self.styles[style])

    def resident_row(self, number: int, registration: Registration) -> list:
        """The register line of one registration (age on the session's date)."""
        resident = registration.resident
        age = resident.age_on(self.starts.date())
        return [
            str(number),
            self._cell(resident.name),
            self._cell(resident.name_kana, "Small"),
            "" if age is None else str(age),
            self._cell(resident.district, "Small"),
            self._cell(self.notes_text(registration), "Small"),
            self.attendance_mark(registration),
            "",
        ]

    def blank_row(self, number: int) -> list:
        """An empty register line numbered ``number``, for a walk-in to fill in by hand."""
        return [str(number), "", "", "", "", "", LABELS["not_yet"], ""]

    def _row_height(self, row: list, widths: list[float]) -> float:
        """The row's height: at least ``min_row_height``, more when a cell's text wraps."""
        needed = 0.0
        for cell, width in zip(row, widths, strict=True):
            if isinstance(cell, Paragraph):
                _w, height = cell.wrap(width - 6, 1000 * mm)  # 3 pt padding each side
                needed = max(needed, height + 6)
        return max(self.min_row_height, needed)

    # --- story -----------------------------------------------------------------------------

    def info_table(self) -> Table:
        """The session's place, date, kind, organiser, topic, supporters and head count."""

        def label(key: str) -> Paragraph:
            return self._cell(LABELS[key], "TableHeader")

        session = self.session
        place_key = "venue" if session.venue_id else "place"
        kind = KIND_LABELS.get(session.kind, session.kind)
        organiser = session.organiser.name if session.organiser is not None else ""
        data = [
            [
                label(place_key),
                self._cell(self.place_text()),
                label("date"),
                self._cell(self.date_text()),
            ],
            [label("kind"), self._cell(kind), label("organiser"), self._cell(organiser)],
            [label("topic"), self._cell(self.topic_text()), "", ""],
            [label("supporters"), self._cell(self.supporters_text()), "", ""],
            [label("registered"), self._cell(self.registered_text()), "", ""],
        ]
        widths = [mm * w for w in (24, 66, 24, 66)]
        table = Table(data, colWidths=widths)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.font_name, 10),
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#e8e8e8")),
                    ("BACKGROUND", (2, 0), (2, 1), colors.HexColor("#e8e8e8")),
                    ("SPAN", (1, 2), (3, 2)),
                    ("SPAN", (1, 3), (3, 3)),
                    ("SPAN", (1, 4), (3, 4)),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        return table

    def register_table(self) -> Table:
        """The register: registered residents in kana order, then blank rows."""
        headers = ["no", "name", "kana", "age", "district", "notes", "attendance", "signature"]
        rows: list[list] = [[self._cell(LABELS[key], "TableHeader") for key in headers]]
        registrations = self.registrations()
        for number, registration in enumerate(registrations, start=1):
            rows.append(self.resident_row(number, registration))
        for offset in range(1, self.blank_rows + 1):
            rows.append(self.blank_row(len(registrations) + offset))

        widths = [w * mm for w in self.column_widths_mm]
        heights = [8 * mm] + [self._row_height(row, widths) for row in rows[1:]]
        table = Table(rows, colWidths=widths, rowHeights=heights, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.font_name, 10),
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BOX", (0, 0), (-1, -1), 1, colors.black),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("ALIGN", (0, 1), (0, -1), "RIGHT"),
                    ("ALIGN", (3, 1), (3, -1), "RIGHT"),
                    ("ALIGN", (6, 1), (6, -1), "CENTER"),
                    ("FONTSIZE", (6, 1), (6, -1), 14),
                    ("LEFTPADDING", (0, 0), (-1, -1), 3),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        return table

    def attendance_totals(self) -> tuple[int, int] | None:
        """(attended, of which walk-ins) once attendance has been taken for anyone on the
        sheet or a salon has counted walk-ins, else None (the boxes stay blank, to fill in by
        hand). Walk-ins counted without names (``Session.walk_in_count``) are in both."""
        registrations = self.registrations()
        counted = self.session.walk_in_count
        if not counted and all(
            r.attendance == Registration.Attendance.UNKNOWN for r in registrations
        ):
            return None
        attended = [r for r in registrations if r.attendance == Registration.Attendance.ATTENDED]
        walk_ins = sum(1 for r in attended if r.is_walk_in) + counted
        return len(attended) + counted, walk_ins

    def summary_table(self) -> Table:
        """Boxes: attendees, of which walk-ins (filled in when attendance is recorded, else
        blank to fill in by hand), recorded by."""
        blank = "　" * 4
        totals = self.attendance_totals()
        attended, walk_ins = (blank, blank)
        if totals is not None:
            attended, walk_ins = (f" {totals[0]} ", f" {totals[1]} ")
        data = [
            [
                f"{LABELS['summary_attended']}{attended}{LABELS['people']}",
                f"{LABELS['summary_walk_ins']}{walk_ins}{LABELS['people']}",
                f"{LABELS['summary_recorder']}",
            ]
        ]
        table = Table(data, colWidths=[55 * mm, 55 * mm, 70 * mm], rowHeights=[10 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.font_name, 10),
                    ("BOX", (0, 0), (-1, -1), 0.5, colors.black),
                    ("INNERGRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        return table

    def get_story(self) -> list[Flowable]:
        return [
            Paragraph(escape(self.document_title()), self.styles["Title"]),
            self.info_table(),
            Spacer(1, 5 * mm),
            self.register_table(),
            Spacer(1, 2 * mm),
            Paragraph(escape(LABELS["walk_in_rows"]), self.styles["Small"]),
            Spacer(1, 3 * mm),
            KeepTogether([self.summary_table()]),
        ]
