"""The monthly and fiscal-year report (月次・年度報告) as a PDF: A4, IPAex embedded, "1 / N".

Everything printed comes from a ``reports.figures.ReportFigures``; the CSV and Excel exports
(``reports.report_exports``) read the same object, so the three agree cell for cell.
"""

from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from kernel.pdf import PdfRenderer
from reports.figures import ReportFigures, Suppressed, format_value
from reports.figures import Table as FigureTable

CHART_COLORS = [
    colors.HexColor(c) for c in ("#0b4f8a", "#d9822b", "#2e7d32", "#8e24aa", "#c62828", "#00838f")
]


def chart_number(value) -> float:
    """A cell as a bar height; a hidden count is drawn as 0 so the chart does not reveal it."""
    if isinstance(value, Suppressed) or value is None or isinstance(value, str):
        return 0.0
    return float(value)


class ProgramReportRenderer(PdfRenderer):
    """Monthly or fiscal-year report of the whole program, a venue or an organiser.

    ``figures``: from ``report_figures()`` (or ``suppress()`` of it for publication).
    ``heading``: the document's title, e.g. "Monthly report". Rendering makes no query.
    """

    label_width = 58 * mm

    def __init__(self, figures: ReportFigures, heading: str) -> None:
        self.figures = figures
        self.heading = heading
        self.title = f"{heading} {figures.period.label()}"
        super().__init__()

    def get_stylesheet(self) -> dict[str, ParagraphStyle]:
        styles = super().get_stylesheet()
        styles["Subheading"] = ParagraphStyle(
            "Subheading", parent=styles["Normal"], fontSize=11, leading=15, spaceBefore=3 * mm
        )
        styles["Number"] = ParagraphStyle(
            "Number", parent=styles["TableCell"], fontSize=9, leading=11, alignment=TA_RIGHT
        )
        styles["Cell"] = ParagraphStyle("Cell", parent=styles["TableCell"], fontSize=9, leading=11)
        styles["TableHeader"] = ParagraphStyle(
            "TableHeader", parent=styles["TableHeader"], fontSize=8, leading=10
        )
        for name in list(styles):
            styles[name + "Latin"] = ParagraphStyle(
                name + "Latin", parent=styles[name], wordWrap=None
            )
        return styles

    def footer_text(self) -> str:
        return f"{self.heading} {self.figures.period.label()} {self.figures.scope.label()}"

    def _p(self, text: str, style: str = "Normal") -> Paragraph:
        """A paragraph; plain ASCII text wraps at spaces, Japanese anywhere (CJK rules)."""
        text = str(text)
        if text.isascii():
            style += "Latin"
        return Paragraph(escape(text), self.styles[style])

    # --- blocks ----------------------------------------------------------------------------

    def cover(self) -> list[Flowable]:
        """The heading, period, scope, time of the figures (JST) and published/internal line."""
        f = self.figures
        made = timezone.localtime(f.as_of)
        lines = [
            _("Period: %(period)s") % {"period": f.period.label()},
            _("Scope: %(scope)s") % {"scope": f.scope.label()},
            _("Figures as of %(when)s (Japan time)") % {"when": f"{made:%Y-%m-%d %H:%M}"},
        ]
        if f.threshold:
            lines.append(
                _(
                    "Published version: no names; counts from 1 to %(below)d are shown as "
                    "<%(threshold)d."
                )
                % {"below": f.threshold - 1, "threshold": f.threshold}
            )
        else:
            lines.append(_("Internal version: small counts are not hidden."))
        return [self._p(self.heading, "Title")] + [self._p(line) for line in lines]

    def table(self, table: FigureTable) -> list[Flowable]:
        """A figures table as a title, a PDF table (total row shaded), its note and its chart."""
        columns = len(table.columns)
        number_width = (self.content_width - self.label_width) / max(columns, 1)
        if columns == 1:
            number_width = 30 * mm
        header = [self._p(table.label_header, "TableHeader")] + [
            self._p(c, "TableHeader") for c in table.columns
        ]
        data = [header]
        for row in table.all_rows():
            data.append(
                [self._p(row.label, "Cell")]
                + [self._p(format_value(v), "Number") for v in row.values]
            )
        widths = [self.label_width] + [number_width] * columns
        flowable = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        style = [
            ("FONT", (0, 0), (-1, -1), self.font_name, 9),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#777777")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
        if table.total is not None:
            style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f3f3f3")))
            style.append(("LINEABOVE", (0, -1), (-1, -1), 1, colors.black))
        flowable.setStyle(TableStyle(style))
        parts: list[Flowable] = [self._p(table.title, "Subheading"), Spacer(1, 1 * mm), flowable]
        if table.note:
            parts.append(self._p(table.note, "Small"))
        chart = self.chart(table)
        if chart is not None:
            parts += [Spacer(1, 2 * mm), chart]
        return parts

    def _drawing(self, width: float, height: float) -> Drawing:
        drawing = Drawing(width, height)
        # Else reportlab starts each drawing in Helvetica and lists it, unembedded, in the PDF.
        drawing.initialFontName = self.font_name
        return drawing

    def chart(self, table: FigureTable) -> Drawing | None:
        """A bar chart (or a pie for sessions by kind) of the table's chart column."""
        if not table.chart or not table.rows:
            return None
        labels = [row.label for row in table.rows]
        values = [chart_number(row.values[table.chart_column]) for row in table.rows]
        if not any(values):
            return None
        caption = f"{table.title}: {table.columns[table.chart_column]}"
        if table.key == "sessions_by_kind":
            return self.pie(labels, values, caption)
        width, height = self.content_width, 62 * mm
        drawing = self._drawing(width, height)
        chart = VerticalBarChart()
        chart.x, chart.y = 14 * mm, 12 * mm
        chart.width, chart.height = width - 20 * mm, height - 22 * mm
        chart.data = [values]
        chart.bars[0].fillColor = CHART_COLORS[0]
        chart.valueAxis.valueMin = 0
        chart.valueAxis.labels.fontName = self.font_name
        chart.valueAxis.labels.fontSize = 7
        chart.categoryAxis.categoryNames = [label[-7:] for label in labels]
        chart.categoryAxis.labels.fontName = self.font_name
        chart.categoryAxis.labels.fontSize = 7
        chart.categoryAxis.labels.angle = 30 if len(labels) > 8 else 0
        chart.categoryAxis.labels.boxAnchor = "ne" if len(labels) > 8 else "n"
        drawing.add(chart)
        drawing.add(String(0, height - 5 * mm, caption, fontName=self.font_name, fontSize=8))
        return drawing

    def pie(self, labels: list[str], values: list[float], caption: str) -> Drawing:
        """A pie chart of ``values`` (one slice per label) with a caption, as a Drawing."""
        width, height = self.content_width, 55 * mm
        drawing = self._drawing(width, height)
        pie = Pie()
        pie.x, pie.y = 20 * mm, 5 * mm
        pie.width = pie.height = 42 * mm
        pie.data = values
        pie.labels = [f"{label} {int(v)}" for label, v in zip(labels, values, strict=True)]
        pie.simpleLabels = 1
        pie.slices.fontName = self.font_name
        pie.slices.fontSize = 8
        for i in range(len(values)):
            pie.slices[i].fillColor = CHART_COLORS[i % len(CHART_COLORS)]
        drawing.add(pie)
        drawing.add(String(0, height - 5 * mm, caption, fontName=self.font_name, fontSize=8))
        return drawing

    def get_story(self) -> list[Flowable]:
        story: list[Flowable] = self.cover()
        for section in self.figures.sections:
            story += [Spacer(1, 5 * mm), CondPageBreak(60 * mm), self._p(section.title, "Heading")]
            if section.note:
                story.append(self._p(section.note, "Small"))
            for table in section.tables:
                story.append(KeepTogether(self.table(table)))
        story += [Spacer(1, 5 * mm), self._p(_("Notes"), "Heading")]
        story += [self._p(f"・{note}", "Small") for note in self.figures.notes]
        return story
