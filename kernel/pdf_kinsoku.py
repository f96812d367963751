"""Japanese line breaking (禁則処理) for every PDF the program prints.

reportlab's ``wordWrap="CJK"`` breaks Japanese text between any two characters and hangs one
closing mark in the margin, but a second one in a row (``。」``, ``）、``) still starts the next
line, and an opening bracket can end a line. ``install()`` replaces its two CJK splitting
functions (one for plain paragraphs, one for paragraphs with markup) by ones that, where the
line overflows, move the break back (追い出し) until the next line starts with no closing mark
and this one ends with no opening bracket; only when nothing can move do the closing marks hang
in the margin (so text stays inside narrow table cells). Latin words keep reportlab's handling. It is installed once, with the fonts (``kernel.pdf``).
"""

from __future__ import annotations

from reportlab.lib import textsplit
from reportlab.platypus import paragraph
from reportlab.rl_config import _FUZZ

# Characters no line may begin with: closing brackets, stops and commas, small kana, the long
# vowel mark and the iteration marks (JIS X 4051 行頭禁則, the strict set).
CANNOT_START = frozenset(
    "、。，．・：；？！゛゜ヽヾゝゞ々ー…‥）〕］｝〉》」』】〙〗｠»"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
    "!),.:;?]}%"
)
# Characters no line may end with: opening brackets.
CANNOT_END = frozenset("（〔［｛〈《「『【〘〖｟«([{")


def next_line_start(chars, overflow: int, line_start: int) -> int:
    """Where the next line starts when character ``overflow`` no longer fits on the line that
    began at ``line_start`` (indexes into ``chars``, a string or a list of one-character
    strings). Always after ``line_start``, so every line holds at least one character."""
    n = len(chars)
    if overflow <= line_start:
        return line_start + 1
    start = overflow
    while start > line_start + 1 and (
        chars[start] in CANNOT_START or chars[start - 1] in CANNOT_END
    ):
        start -= 1
    if chars[start] in CANNOT_START or chars[start - 1] in CANNOT_END:
        # Nothing on the line can move down: the closing marks hang in the margin instead.
        start = overflow + 1
        while start < n and chars[start] in CANNOT_START:
            start += 1
    return start


def _latin_break(chars, i: int, line_start: int) -> int | None:
    """reportlab's break inside a Latin word among Japanese text: back to the last space or
    Japanese character in the second half of the line; None when there is none."""
    for j in range(i - 1, (line_start + i) >> 1, -1):
        cj = chars[j]
        if cj and (cj.isspace() or ord(cj) >= 0x3000):
            if j + 1 < i:
                return j + 1
            return None
    return None


def _break(chars, i: int, line_start: int) -> int:
    """Index where the next line starts, character ``i - 1`` having overflowed."""
    c = chars[i - 1]
    if c and ord(c) < 0x3000 and c not in CANNOT_START:
        latin = _latin_break(chars, i, line_start)
        if latin is not None:
            return max(latin, line_start + 1)
    return next_line_start(chars, i - 1, line_start)


def dumb_split(word: str, widths, maxWidths):  # noqa: N803 - reportlab's signature
    """``reportlab.lib.textsplit.dumbSplit`` with the line-breaking rules above: a list of
    ``[extra space, line text]``."""
    if not isinstance(maxWidths, (list, tuple)):
        maxWidths = [maxWidths]
    lines: list[list] = []
    i = width_used = line_start = 0
    max_width = maxWidths[0]
    while i < len(word):
        width_used += widths[i]
        i += 1
        if width_used > max_width + _FUZZ and width_used > 0:
            i = _break(word, i, line_start)
            extra = max_width - sum(widths[line_start:i])
            lines.append([extra, word[line_start:i].strip()])
            max_width = maxWidths[min(len(lines), len(maxWidths) - 1)]
            line_start, width_used = i, 0
    if line_start < len(word):
        lines.append([max_width - sum(widths[line_start:]), word[line_start:]])
    return lines


def cjk_frag_split(frags, maxWidths, calcBounds, encoding="utf8"):  # noqa: N803
    """``reportlab.platypus.paragraph.cjkFragSplit`` (paragraphs with markup) with the
    line-breaking rules above."""
    chars: list = []
    for f in frags:
        text = f.text
        if isinstance(text, bytes):
            text = text.decode(encoding)
        if text:
            chars.extend(paragraph.cjkU(t, f, encoding) for t in text)
        else:
            chars.append(paragraph.cjkU(text, f, encoding))
    lines = []
    i = line_start = 0
    width_used = 0.0
    max_width = maxWidths[0]

    def width(u) -> float:
        w = u.width
        if hasattr(w, "normalizedValue"):
            w._normalizer = max_width
            w = w.normalizedValue(max_width)
        return w

    while i < len(chars):
        u = chars[i]
        i += 1
        width_used += width(u)
        line_break = hasattr(u.frag, "lineBreak")
        if (width_used > max_width + _FUZZ and width_used > 0) or line_break:
            if not line_break:
                i = _break(chars, i, line_start)
                width_used = sum((width(c) for c in chars[line_start:i]), 0.0)
            lines.append(
                paragraph.makeCJKParaLine(
                    chars[line_start:i],
                    max_width,
                    width_used,
                    max_width - width_used,
                    line_break,
                    calcBounds,
                )
            )
            max_width = maxWidths[min(len(lines), len(maxWidths) - 1)]
            line_start, width_used = i, 0.0
    if line_start < len(chars):
        width_used = sum((width(c) for c in chars[line_start:]), 0.0)
        lines.append(
            paragraph.makeCJKParaLine(
                chars[line_start:], max_width, width_used, max_width - width_used, False, calcBounds
            )
        )
    return paragraph.ParaLines(kind=1, lines=lines)


def install() -> None:
    """Make reportlab's CJK wrapping use these rules (idempotent; call once per process)."""
    textsplit.dumbSplit = dumb_split
    paragraph.cjkFragSplit = cjk_frag_split
