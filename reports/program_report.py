"""The monthly and fiscal-year report (月次・年度報告) as a PDF: A4, IPAex embedded, "1 / N".

Everything printed comes from a ``reports.figures.ReportFigures``; the CSV and Excel exports
(``reports.report_exports``) read the same object, so the three agree cell for cell.
"""

from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
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
from reports.japanese_dates import long_date

CHART_COLORS = [
    colors.HexColor(c) for c in ("#0b4f8a", "#d9822b", "#2e7d32", "#8e24aa", "#c62828", "#00838f")
]


def chart_number(value) -> float:
    """A cell as a bar height; a hidden count is drawn as 0 so the chart does not reveal it."""
    if isinstance(value, Suppressed) or value is None or isinstance(value, str):
        return 0.0
    return float(value)


def _axis_step(top: float) -> float:
    """A round step for a value axis reaching ``top``: 1, 2 or 5 times a power of ten, about
    five steps, never below 1 (the counts are whole)."""
    if top <= 5:
        return 1
    rough = top / 5
    power = 10 ** (len(str(int(rough))) - 1)
    return next(m * power for m in (1, 2, 5, 10) if m * power >= rough)


def _axis_label(value: float) -> str:
    return f"{value:g}"


def _fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut with "…" to fit ``width`` points (a label longer than the chart's margin)."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


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
            _("Figures as of %(when)s (Japan time)")
            % {"when": f"{long_date(made.date())} {made:%H:%M}"},
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
        """A horizontal bar chart of the table's chart column: one bar a row, its full label on
        the left and its value at the bar's end, so no two labels can meet however many rows
        there are. The table's title is printed above the table, so the chart names only the
        column it draws."""
        if not table.chart or not table.rows:
            return None
        labels = [row.label for row in table.rows]
        cells = [row.values[table.chart_column] for row in table.rows]
        values = [chart_number(v) for v in cells]
        if not any(values):
            return None
        font, size = self.font_name, 8
        bar_height = 6 * mm
        label_width = min(max(stringWidth(label, font, size) for label in labels) + 3 * mm, 62 * mm)
        width = self.content_width
        height = bar_height * len(labels) + 16 * mm
        drawing = self._drawing(width, height)
        chart = HorizontalBarChart()
        chart.x, chart.y = label_width, 8 * mm
        chart.width, chart.height = width - label_width - 14 * mm, bar_height * len(labels)
        # reportlab draws the first category at the bottom: reverse, to read top-down as the table.
        chart.data = [values[::-1]]
        chart.bars[0].fillColor = CHART_COLORS[0]
        chart.bars[0].strokeColor = None
        chart.barLabelFormat = "values"
        chart.barLabelArray = [[format_value(v) for v in cells[::-1]]]
        chart.barLabels.fontName = font
        chart.barLabels.fontSize = size
        chart.barLabels.boxAnchor = "w"
        chart.barLabels.nudge = 2 * mm
        top = max(values)
        chart.valueAxis.valueMin = 0
        chart.valueAxis.valueMax = top * 1.1 if top else 1
        chart.valueAxis.valueStep = _axis_step(top)
        chart.valueAxis.labels.fontName = font
        chart.valueAxis.labels.fontSize = 7
        chart.valueAxis.labelTextFormat = _axis_label
        chart.categoryAxis.categoryNames = [
            _fit(label, font, size, label_width - 2 * mm) for label in labels[::-1]
        ]
        chart.categoryAxis.labels.fontName = font
        chart.categoryAxis.labels.fontSize = size
        chart.categoryAxis.labels.boxAnchor = "e"
        chart.categoryAxis.labels.dx = -1 * mm
        drawing.add(chart)
        caption = _("Chart: %(column)s") % {"column": table.columns[table.chart_column]}
        drawing.add(String(0, height - 4 * mm, caption, fontName=font, fontSize=size))
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
        # A note moves to the next page whole rather than being cut by the page's footer.
        story += [KeepTogether([self._p(f"・{note}", "Small")]) for note in self.figures.notes]
        return story
