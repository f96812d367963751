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
