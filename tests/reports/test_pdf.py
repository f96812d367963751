"""The embedded Japanese font and the base PDF renderer."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from reportlab.platypus import Paragraph

from kernel import pdf
from kernel.pdf import PdfRenderer, japanese_font_path, register_japanese_font
from tests.reports.pdf_helpers import assert_only_embedded_ipaex, pdf_pages_text


class ThreePageDocument(PdfRenderer):
    title = "テスト"

    def get_story(self):
        from reportlab.platypus import PageBreak

        story = []
        for number in range(3):
            story.append(Paragraph(f"ページ本文{number}　市民の皆さまへ", self.styles["Normal"]))
            if number < 2:
                story.append(PageBreak())
        return story

    def footer_text(self):
        return "テスト文書"


def test_font_is_registered_once_and_named():
    assert register_japanese_font() == "IPAexGothic"
    assert register_japanese_font() == "IPAexGothic"


def test_font_path_prefers_the_setting(settings, tmp_path):
    font = tmp_path / "my.ttf"
    font.write_bytes(b"not read here")
    settings.PDF_FONT_PATH = str(font)

    assert japanese_font_path() == font


def test_missing_font_path_setting_is_explained(settings, tmp_path):
    settings.PDF_FONT_PATH = str(tmp_path / "missing.ttf")

    with pytest.raises(ImproperlyConfigured, match="PDF_FONT_PATH"):
        japanese_font_path()


def test_falls_back_to_the_font_shipped_with_japanize_matplotlib(settings, monkeypatch):
    settings.PDF_FONT_PATH = ""
    monkeypatch.setattr(pdf, "DEBIAN_FONT_PATH", Path("/nonexistent/ipaexg.ttf"))

    path = japanese_font_path()

    assert path.name == "ipaexg.ttf" and "japanize_matplotlib" in str(path)


def test_no_font_anywhere_says_how_to_install_one(settings, monkeypatch):
    settings.PDF_FONT_PATH = ""
    monkeypatch.setattr(pdf, "DEBIAN_FONT_PATH", Path("/nonexistent/ipaexg.ttf"))
    monkeypatch.setattr(pdf, "_bundled_font_path", lambda: None)

    with pytest.raises(ImproperlyConfigured, match="fonts-ipaexfont-gothic"):
        japanese_font_path()


def test_render_gives_a_pdf_with_page_numbers_and_japanese_text():
    content = ThreePageDocument().render()

    assert content.startswith(b"%PDF-")
    pages = pdf_pages_text(content)
    assert len(pages) == 3
    for number, text in enumerate(pages, start=1):
        assert f"{number} / 3" in text
        assert "テスト文書" in text
        assert f"ページ本文{number - 1}" in text
    assert_only_embedded_ipaex(content)


def test_the_font_check_catches_an_unembedded_cid_font():
    """Control for the check above: reportlab's built-in CID font is listed but not embedded."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiKakuGo-W5"))

    class CidDocument(ThreePageDocument):
        def get_story(self):
            style = self.styles["Normal"].clone("cid", fontName="HeiseiKakuGo-W5")
            return [Paragraph("出席簿", style)]

    with pytest.raises(AssertionError):
        assert_only_embedded_ipaex(CidDocument().render())
