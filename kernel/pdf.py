"""PDF groundwork shared by every printed document: the embedded Japanese fonts and a base renderer.

Each document (attendance sheet, loan agreement, monthly report...) subclasses ``PdfRenderer``,
builds its story in ``get_story()`` and is produced with ``render() -> bytes``.
"""

import importlib.util
import threading
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate

from kernel import pdf_kinsoku
from kernel.pdf_fonts import FallbackTTFont, fix_to_unicode_cmap, load_fallback_font

FONT_NAME = "IPAexGothic"
DEBIAN_FONT_PATH = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")
# IPAmj明朝 for the characters IPAex Gothic lacks (Debian package fonts-ipamj-mincho).
FALLBACK_FONT_NAME = "IPAmjMincho"
DEBIAN_FALLBACK_FONT_PATH = Path("/usr/share/fonts/truetype/ipamj/ipamjm.ttf")

_font_lock = threading.Lock()


def _bundled_font_path() -> Path | None:
    """The ipaexg.ttf shipped inside the ``japanize_matplotlib`` package, if it is installed."""
    spec = importlib.util.find_spec("japanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "fonts" / "ipaexg.ttf"
        if candidate.is_file():
            return candidate
    return None


def japanese_font_path() -> Path:
    """Return the path of the IPAex Gothic TrueType file to embed.

    Tried in order: ``settings.PDF_FONT_PATH``; the Debian package ``fonts-ipaexfont-gothic``;
    the copy in the installed ``japanize_matplotlib`` package. Raises ImproperlyConfigured
    when none is there (or when PDF_FONT_PATH names a missing file).
    """
    configured = getattr(settings, "PDF_FONT_PATH", "")
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise ImproperlyConfigured(
                f"PDF_FONT_PATH is set to {configured!r}, but there is no file there. Point it at "
                "a TrueType Japanese font such as IPAex Gothic (ipaexg.ttf), or unset it."
            )
        return path
    if DEBIAN_FONT_PATH.is_file():
        return DEBIAN_FONT_PATH
    bundled = _bundled_font_path()
    if bundled is not None:
        return bundled
    raise ImproperlyConfigured(
        "No Japanese font found for PDFs. Install the Debian package fonts-ipaexfont-gothic, or "
        "pip install japanize-matplotlib (it ships ipaexg.ttf), or set PDF_FONT_PATH to a "
        "TrueType Japanese font file (.ttf)."
    )


def fallback_font_path() -> Path:
    """The IPAmj明朝 TrueType file: ``settings.PDF_FALLBACK_FONT_PATH``, else the Debian
    package's. It may be missing (``register_japanese_font`` then logs a warning)."""
    configured = getattr(settings, "PDF_FALLBACK_FONT_PATH", "")
    return Path(configured) if configured else DEBIAN_FALLBACK_FONT_PATH


def register_japanese_font() -> str:
    """Register IPAex Gothic with reportlab (once per process) and return its font name.

    The font is a TrueType font, so reportlab embeds the subset of glyphs used in each PDF:
    Japanese prints on machines without Japanese fonts. Characters it lacks are set in
    IPAmj明朝, embedded the same way, and those neither has print as 〓 with a logged warning
    (kernel.pdf_fonts); without the IPAmj file all of them print as 〓. IPAex has no bold face,
    so bold and italic map to the same font. Japanese paragraphs (``wordWrap="CJK"``) break
    lines by the kinsoku rules of ``kernel.pdf_kinsoku``, installed here too. Raises ImproperlyConfigured when no IPAex Gothic
    file is found.
    """
    with _font_lock:
        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            fix_to_unicode_cmap()
            pdf_kinsoku.install()
            fallback = load_fallback_font(FALLBACK_FONT_NAME, fallback_font_path())
            if fallback is not None:
                pdfmetrics.registerFont(fallback)
            font = FallbackTTFont(FONT_NAME, str(japanese_font_path()), fallback=fallback)
            pdfmetrics.registerFont(font)
            pdfmetrics.registerFontFamily(
                FONT_NAME, normal=FONT_NAME, bold=FONT_NAME, italic=FONT_NAME, boldItalic=FONT_NAME
            )
    return FONT_NAME


def _numbered_canvas_class(renderer: "PdfRenderer") -> type[Canvas]:
    """A canvas that holds back each page until the end, so the footer can say "1 / 3"."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved_pages: list[dict] = []

        def showPage(self):  # noqa: N802 - reportlab's name
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved_pages)
            for number, state in enumerate(self._saved_pages, start=1):
                self.__dict__.update(state)
                renderer.draw_footer(self, number, total)
                super().showPage()
            super().save()

    return NumberedCanvas


class PdfRenderer:
    """Base class of a printed document.

    Subclasses set ``title`` and implement ``get_story()``; they may change the page size and
    margins (points; ``mm`` from reportlab.lib.units helps) and override ``footer_text()``.
    """

    pagesize: tuple[float, float] = A4
    left_margin: float = 15 * mm
    right_margin: float = 15 * mm
    top_margin: float = 15 * mm
    bottom_margin: float = 18 * mm
    footer_offset: float = 9 * mm  # baseline of the footer above the page's bottom edge
    title: str = ""
    author: str = ""

    def __init__(self) -> None:
        self.font_name = register_japanese_font()
        self.styles = self.get_stylesheet()

    @property
    def content_width(self) -> float:
        """Width between the left and right margins, in points."""
        return self.pagesize[0] - self.left_margin - self.right_margin

    def get_stylesheet(self) -> dict[str, ParagraphStyle]:
        """Paragraph styles, all in the embedded Japanese font and wrapping Japanese text."""
        base = ParagraphStyle(
            "Normal", fontName=self.font_name, fontSize=10, leading=14, wordWrap="CJK"
        )
        return {
            "Normal": base,
            "Small": ParagraphStyle("Small", parent=base, fontSize=8, leading=10.5),
            "TableCell": ParagraphStyle("TableCell", parent=base, fontSize=10, leading=12.5),
            "TableHeader": ParagraphStyle(
                "TableHeader", parent=base, fontSize=9, leading=11, alignment=TA_CENTER
            ),
            "Heading": ParagraphStyle("Heading", parent=base, fontSize=13, leading=18),
            "Title": ParagraphStyle(
                "Title",
                parent=base,
                fontSize=20,
                leading=26,
                alignment=TA_CENTER,
                spaceAfter=4 * mm,
            ),
        }

    def get_story(self) -> list[Flowable]:
        """Return the flowables of the document. Subclasses must implement this."""
        raise NotImplementedError

    def footer_text(self) -> str:
        """Text printed at the bottom left of every page."""
        return ""

    def draw_footer(self, canvas: Canvas, page_number: int, page_count: int) -> None:
        """Draw the footer: ``footer_text()`` on the left, "page / pages" on the right."""
        canvas.saveState()
        canvas.setFont(self.font_name, 8)
        y = self.footer_offset
        page_label = f"{page_number} / {page_count}"
        room = self.content_width - canvas.stringWidth(page_label) - 6 * mm
        text = self.footer_text()
        if canvas.stringWidth(text) > room:
            while text and canvas.stringWidth(text + "…") > room:
                text = text[:-1]
            text += "…"
        if text:
            canvas.drawString(self.left_margin, y, text)
        canvas.drawRightString(self.pagesize[0] - self.right_margin, y, page_label)
        canvas.restoreState()

    def render(self) -> bytes:
        """Build the document and return the PDF file's bytes."""
        buffer = BytesIO()
        doc = SimpleDocTemplate(
            buffer,
            pagesize=self.pagesize,
            leftMargin=self.left_margin,
            rightMargin=self.right_margin,
            topMargin=self.top_margin,
            bottomMargin=self.bottom_margin,
            title=self.title,
            author=self.author,
            creator="digisupport",
            # Else the canvas starts in Helvetica and lists it, unembedded, in the PDF.
            initialFontName=self.font_name,
        )
        doc.build(self.get_story(), canvasmaker=_numbered_canvas_class(self))
        return buffer.getvalue()
