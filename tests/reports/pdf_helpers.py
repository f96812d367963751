"""Reading generated PDFs back in tests."""

from io import BytesIO

from pypdf import PdfReader


def pdf_pages_text(content: bytes) -> list[str]:
    """The extracted text of each page."""
    return [page.extract_text() or "" for page in PdfReader(BytesIO(content)).pages]


def pdf_fonts(content: bytes) -> list[dict]:
    """Every font dictionary used by any page, descendant fonts of Type0 fonts included."""
    fonts = []
    for page in PdfReader(BytesIO(content)).pages:
        resources = page.get("/Resources")
        if resources is None or "/Font" not in resources:
            continue
        for ref in resources["/Font"].values():
            font = ref.get_object()
            fonts.append(font)
            for descendant in font.get("/DescendantFonts", []):
                fonts.append(descendant.get_object())
    return fonts


def assert_only_embedded_ipaex(content: bytes) -> None:
    """Fail unless every font is an embedded TrueType (FontFile2) subset of IPAex Gothic."""
    fonts = pdf_fonts(content)
    assert fonts, "the PDF uses no font"
    for font in fonts:
        if font["/Subtype"] == "/Type0":
            continue  # a composite font's glyphs live in its descendant, checked on its own
        assert str(font["/BaseFont"]).endswith("IPAexGothic"), font["/BaseFont"]
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"


def embedded_font_names(content: bytes) -> dict[str, bool]:
    """``{font name without the subset prefix: embedded (FontFile2)?}`` for every simple font."""
    names: dict[str, bool] = {}
    for font in pdf_fonts(content):
        if font["/Subtype"] == "/Type0":
            continue
        name = str(font["/BaseFont"]).lstrip("/").split("+", 1)[-1]
        descriptor = font["/FontDescriptor"].get_object()
        names[name] = names.get(name, True) and "/FontFile2" in descriptor
    return names


# Characters a printed Japanese line must not begin with (kinsoku), as a reader notices them.
NOT_AT_LINE_START = "、。，．）」』】〕］"


def pdf_text_runs(content: bytes) -> list[str]:
    """Every run of text as printed: each extracted line of each page, cut where characters
    stand apart (a gap wider than half the font size: the next table cell, a new column), so a
    cell's own line starts are seen even when cells share a baseline."""
    import pdfplumber

    runs: list[str] = []
    with pdfplumber.open(BytesIO(content)) as pdf:
        for page in pdf.pages:
            for line in page.extract_text_lines(return_chars=True):
                run = ""
                last = None
                for char in line["chars"]:
                    if last is not None and char["x0"] - last["x1"] > char["size"] / 2:
                        runs.append(run)
                        run = ""
                    run += char["text"]
                    last = char
                runs.append(run)
    return [run.strip() for run in runs if run.strip()]


def assert_japanese_line_breaks(content: bytes) -> None:
    """Fail when a printed line (or a table cell's line) begins with 、。）」 and the like."""
    bad = [run for run in pdf_text_runs(content) if run[0] in NOT_AT_LINE_START]
    assert not bad, f"lines beginning with a closing mark: {bad[:5]}"
