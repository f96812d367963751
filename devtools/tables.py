"""Plain-text tables for the development commands' output (demo logins, benchmark figures)."""

import unicodedata
from collections.abc import Iterable


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(rows: list[tuple], *, right: Iterable[int] = ()) -> list[str]:
    """Lay out ``rows`` (the first is the header) as aligned text lines, a rule under the header.
    ``right``: indexes of columns aligned right (numbers)."""
    right = set(right)
    texts = [[str(v) for v in row] for row in rows]
    widths = [max(display_width(r[i]) for r in texts) for i in range(len(texts[0]))]
    lines = []
    for n, row in enumerate(texts):
        cells = []
        for i, value in enumerate(row):
            pad = " " * (widths[i] - display_width(value))
            cells.append(pad + value if i in right else value + pad)
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines
