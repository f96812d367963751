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
