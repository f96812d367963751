"""A venue's month of attendance (会場別月間出席集計): one line per session with its counts.

A Japanese office form like the attendance sheet: labels are Japanese whatever the UI language.
Counts only, no names.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypedDict
from xml.sax.saxutils import escape

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from classes.formatting import KIND_LABELS, session_title_ja
from classes.models import Registration, Session, Venue
from kernel.pdf import PdfRenderer
from reports.attendance import WEEKDAYS
from reports.figures import month_period

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

LABELS = {
    "title": "{venue}　{year}年{month}月 出席集計",
    "date": "日付",
    "time": "時間",
    "kind": "種別",
    "what": "内容",
    "registered": "申込",
    "attended": "出席",
    "absent": "欠席",
    "walk_ins": "当日参加",
    "waitlisted": "待ち",
    "cancelled": "（中止）",
    "total": "合計",
    "empty": "この月の開催はありません。",
    "note": "当日参加＝名簿外の当日参加（氏名なしの人数を含む）。中止の回は合計に含めません。",
}
COUNT_KEYS = ("registered", "attended", "absent", "walk_ins", "waitlisted")


class MonthCounts(TypedDict):
    """The counts ``venue_month_attendance`` annotates on each session."""

    registered: int
    attended: int
    absent: int
    named_walk_ins: int
    waitlisted: int


def venue_month_attendance(
    *, venue: Venue, year: int, month: int
) -> QuerySet[WithAnnotations[Session, MonthCounts]]:
    """Sessions at ``venue`` starting in the month (JST), in start order, each annotated with
    ``registered``, ``attended``, ``absent``, ``named_walk_ins``, ``waitlisted``. One query.
    Raises ValueError for an impossible month."""
    period = month_period(year, month)
    attended = Q(registrations__attendance=Registration.Attendance.ATTENDED) & ~Q(
        registrations__status=Registration.Status.CANCELLED
    )
    registered = Q(registrations__status=Registration.Status.REGISTERED)
    return (
        Session.objects.filter(
            venue=venue, starts_at__gte=period.start_at, starts_at__lt=period.end_before
        )
        .select_related("topic")
        .annotate(
            registered=Count("registrations", filter=registered),
            attended=Count("registrations", filter=attended),
            absent=Count(
                "registrations",
                filter=registered & Q(registrations__attendance=Registration.Attendance.ABSENT),
            ),
            named_walk_ins=Count(
                "registrations", filter=attended & Q(registrations__is_walk_in=True)
            ),
            waitlisted=Count(
                "registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED)
            ),
        )
        .order_by("starts_at", "id")
    )


def session_counts(session: WithAnnotations[Session, MonthCounts]) -> dict[str, int]:
    """The counts printed for one annotated session; walk-ins include those counted without
    names at a salon."""
    return {
        "registered": session.registered,
        "attended": session.attended + session.walk_in_count,
        "absent": session.absent,
        "walk_ins": session.named_walk_ins + session.walk_in_count,
        "waitlisted": session.waitlisted,
    }


class VenueMonthAttendanceRenderer(PdfRenderer):
    """A4 portrait: date, time, kind, title and the counts of each session; totals at the end.

    ``sessions`` from ``venue_month_attendance()``; rendering makes no query.
    """

    # date, time, kind, what, then five counts: 180 mm, the A4 content width.
    column_widths_mm = (24, 26, 26, 38, 12, 12, 12, 18, 12)

    def __init__(
        self,
        *,
        venue: Venue,
        year: int,
        month: int,
        sessions: Iterable[WithAnnotations[Session, MonthCounts]],
    ) -> None:
        self.venue = venue
        self.year = year
        self.month = month
        self.sessions = list(sessions)
        self.title = LABELS["title"].format(venue=venue.name, year=year, month=month)
        super().__init__()

    def footer_text(self) -> str:
        return self.title

    def rows(self) -> tuple[list[list], dict[str, int]]:
        """The table lines, one per session, and the totals of the sessions not cancelled."""
        rows = []
        totals = dict.fromkeys(COUNT_KEYS, 0)
        for session in self.sessions:
            starts = timezone.localtime(session.starts_at)
            ends = timezone.localtime(session.ends_at)
            cancelled = session.status == Session.Status.CANCELLED
            counts = session_counts(session)
            what = session_title_ja(session) + (LABELS["cancelled"] if cancelled else "")
            rows.append(
                [
                    f"{starts.month}/{starts.day}({WEEKDAYS[starts.weekday()]})",
                    f"{starts:%H:%M}〜{ends:%H:%M}",
                    KIND_LABELS.get(session.kind, session.kind),
                    Paragraph(escape(what), self.styles["Small"]),
                    *(str(counts[k]) for k in COUNT_KEYS),
                ]
            )
            if not cancelled:
                for key in COUNT_KEYS:
                    totals[key] += counts[key]
        return rows, totals

    def get_story(self) -> list[Flowable]:
        story: list[Flowable] = [Paragraph(escape(self.title), self.styles["Title"])]
        if not self.sessions:
            return story + [Paragraph(LABELS["empty"], self.styles["Normal"])]
        header = ["date", "time", "kind", "what", *COUNT_KEYS]
        rows, totals = self.rows()
        data = [[LABELS[k] for k in header], *rows]
        data.append([LABELS["total"], "", "", "", *(str(totals[k]) for k in COUNT_KEYS)])
        table = Table(data, colWidths=[w * mm for w in self.column_widths_mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.font_name, 9),
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                    ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f3f3f3")),
                    ("ALIGN", (4, 1), (-1, -1), "RIGHT"),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("SPAN", (0, -1), (3, -1)),
                ]
            )
        )
        return story + [table, Spacer(1, 3 * mm), Paragraph(LABELS["note"], self.styles["Small"])]
