"""Per-character font fallback for every PDF: IPAex Gothic first, IPAmj明朝 for what it lacks.

IPAex Gothic holds about 12,000 characters (JIS X 0208 and more), not every kanji of residents'
names: 𠮷 (U+20BB7) and other JIS X 0213 or rarer kanji printed as an empty box. ``FallbackTTFont``
is registered under the main font's name, so every Paragraph, table cell and canvas string goes
through it without the documents doing anything: a character the main font lacks is set in the
fallback font (IPAmj明朝, about 60,000 kanji, TrueType), both embedded as subsets; a character
neither has (emoji...) prints as 〓 (geta mark, U+3013) and is logged with its code point (never
the text around it: it is usually a resident's name). Nothing visible is dropped.

It plugs into reportlab's "dynamic font" protocol (``stringWidth``, ``splitString``,
``getSubsetInternalName``, described at the top of ``reportlab.pdfbase.ttfonts``): subsets of the
fallback font are handed out as negative subset numbers (-2, -3, ...; -1 means "none yet" to
reportlab's text object) and resolved to the fallback font's own PDF font objects.
"""

import logging
from pathlib import Path

from reportlab.pdfbase import ttfonts
from reportlab.pdfbase.ttfonts import TTFont

logger = logging.getLogger(__name__)

GETA_MARK = "\u3013"  # 〓: what Japanese typesetting prints for a character it does not have
# Invisible modifiers of the character before (emoji style, ideographic variation sequences):
# reportlab cannot apply them, so the base character prints as it is and they are left out.
INVISIBLE_MODIFIERS = frozenset([0x200D, *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)])
# Fallback subset n is reported to reportlab as -2 - n.
_FALLBACK_SUBSET_BASE = -2


def load_fallback_font(name: str, path: Path) -> TTFont | None:
    """The TrueType font at ``path`` registered as ``name``, or None (with a logged warning)
    when the file is missing or unreadable: PDFs then print 〓 for what the main font lacks
    instead of failing."""
    if not path.is_file():
        logger.warning(
            "PDF fallback font not found at %s (Debian package fonts-ipamj-mincho); characters "
            "the main Japanese font lacks print as U+3013.",
            path,
        )
        return None
    try:
        return TTFont(name, str(path), shapable=False)
    except Exception as exc:  # a damaged or non-TrueType file: reportlab raises TTFError & co.
        logger.warning("PDF fallback font %s cannot be read: %s: %s", path, type(exc).__name__, exc)
        return None


class FallbackTTFont(TTFont):
    """The TrueType font at ``filename`` (registered as ``name``), with ``fallback`` for the
    characters it has no glyph for; ``fallback=None`` prints all of those as 〓."""

    def __init__(self, name: str, filename: str, *, fallback: TTFont | None) -> None:
        super().__init__(name, filename, shapable=False)
        self.fallback = fallback

    def _covers(self, text: str) -> bool:
        glyphs = self.face.charToGlyph
        return all(ord(char) in glyphs or ord(char) < 0x20 or char == "\xa0" for char in text)

    def runs(self, text: str, *, log: bool = False) -> list[tuple[TTFont, str]]:
        """``text`` cut into ``(font, run)`` pairs, each run printable in its font; characters
        no font has are replaced by 〓 in the main font (logged by code point when ``log``)."""
        main = self.face.charToGlyph
        extra = self.fallback.face.charToGlyph if self.fallback is not None else {}
        runs: list[tuple[TTFont, str]] = []
        missing: set[int] = set()
        for char in text:
            code = ord(char)
            font: TTFont = self
            if code in main or code < 0x20 or char == "\xa0":
                pass
            elif code in INVISIBLE_MODIFIERS:
                continue
            elif code in extra:
                assert self.fallback is not None
                font = self.fallback
            else:
                missing.add(code)
                char = GETA_MARK
            if runs and runs[-1][0] is font:
                runs[-1] = (font, runs[-1][1] + char)
            else:
                runs.append((font, char))
        if log:
            for code in sorted(missing):
                logger.warning(
                    "No embedded PDF font has the character U+%04X; printed as U+3013.", code
                )
        return runs

    def stringWidth(self, text, size, encoding="utf8"):  # noqa: N802 - reportlab's name
        """Width in points of ``text`` (str, or bytes in ``encoding``) at ``size`` points, each
        character measured in the font that prints it."""
        if isinstance(text, bytes):
            text = text.decode(encoding)
        if self._covers(text):
            return super().stringWidth(text, size, encoding)
        return sum(TTFont.stringWidth(font, run, size) for font, run in self.runs(text))

    def splitString(self, text, doc, encoding="utf-8"):  # noqa: N802 - reportlab's name
        """reportlab's ``[(subset, bytes)]`` for ``text`` in ``doc``; fallback subsets negative."""
        if isinstance(text, bytes):
            text = text.decode(encoding)
        if self._covers(text):
            return super().splitString(text, doc, encoding)
        chunks = []
        for font, run in self.runs(text, log=True):
            if font is self:
                chunks.extend(super().splitString(run, doc, encoding))
            else:
                chunks.extend(
                    (_FALLBACK_SUBSET_BASE - subset, chunk)
                    for subset, chunk in font.splitString(run, doc)
                )
        return chunks

    def getSubsetInternalName(self, subset, doc):  # noqa: N802 - reportlab's name
        """The PDF name of ``subset`` (negative: a subset of the fallback font) in ``doc``."""
        if subset <= _FALLBACK_SUBSET_BASE and self.fallback is not None:
            return self.fallback.getSubsetInternalName(_FALLBACK_SUBSET_BASE - subset, doc)
        return super().getSubsetInternalName(subset, doc)


_reportlab_to_unicode_cmap = ttfonts.makeToUnicodeCMap


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode CMap, with characters beyond U+FFFF (𠮷 is U+20BB7) written as
    UTF-16 surrogate pairs as the PDF format requires: reportlab writes five hex digits, which
    readers reject, so copying or searching the text lost those characters."""
    cmap = _reportlab_to_unicode_cmap(fontname, subset)
    for index, code in enumerate(subset):
        if code > 0xFFFF:
            utf16 = chr(code).encode("utf-16-be").hex().upper()
            cmap = cmap.replace(f"<{index:02X}> <{code:04X}>", f"<{index:02X}> <{utf16}>")
    return cmap


def fix_to_unicode_cmap() -> None:
    """Make reportlab write correct ToUnicode entries for characters beyond U+FFFF (once)."""
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap
