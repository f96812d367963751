"""Characters IPAex Gothic lacks: set in IPAmj明朝 (embedded too), else printed as 〓 and logged.

Residents' names hold kanji beyond IPAex Gothic (𠮷, U+20BB7, of JIS X 0213) and sometimes emoji;
before, the first printed as an empty box and the second vanished.
"""

import logging
from datetime import date, datetime

import pytest
from django.utils import timezone
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Paragraph

from kernel.pdf import FONT_NAME, PdfRenderer, fallback_font_path
from loans.documents import LoanAgreementRenderer
from loans.selectors import loan_for_detail
from loans.services import loan_checkout
from reports.attendance import AttendanceSheetRenderer
from reports.selectors import attendance_sheet_sessions
from tests.factories import (
    DeviceFactory,
    LoanPolicyFactory,
    RegistrationFactory,
    ResidentFactory,
    SessionFactory,
)
from tests.reports.pdf_helpers import embedded_font_names, pdf_pages_text

pytestmark = pytest.mark.skipif(
    not fallback_font_path().is_file(), reason="needs fonts-ipamj-mincho (apt-get install)"
)

YOSHIDA = "𠮷田 太郎"  # 𠮷 (U+20BB7) is not in IPAex Gothic, it is in IPAmj明朝
EMOJI_NAME = "田中😀 花子"  # 😀 (U+1F600) is in neither


def squeezed(content: bytes) -> str:
    return "".join("".join(pdf_pages_text(content)).split())


@pytest.mark.django_db
def test_attendance_sheet_prints_rare_kanji_and_marks_an_emoji(venue, caplog):
    starts = timezone.make_aware(datetime(2026, 12, 3, 10, 0))
    session = SessionFactory(venue=venue, starts_at=starts, ends_at=starts.replace(hour=11))
    for name in (YOSHIDA, EMOJI_NAME, "佐藤 ハナ"):
        RegistrationFactory(session=session, resident=ResidentFactory(name=name))
    loaded = attendance_sheet_sessions(venue_ids=None).get(pk=session.pk)

    with caplog.at_level(logging.WARNING, logger="kernel.pdf_fonts"):
        content = AttendanceSheetRenderer(loaded).render()

    text = squeezed(content)
    assert "𠮷田太郎" in text
    assert "田中〓花子" in text
    assert "佐藤ハナ" in text
    assert embedded_font_names(content) == {"IPAexGothic": True, "IPAmjMincho": True}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("U+1F600" in message for message in warnings), warnings
    assert not any("田中" in message or "20BB7" in message for message in warnings), warnings


@pytest.mark.django_db
def test_loan_agreement_prints_the_residents_rare_kanji(venue, staff_user):
    LoanPolicyFactory(term_days=182, min_age=65)
    loan = loan_checkout(
        signed_by="resident",
        device=DeviceFactory(home_venue=venue),
        resident=ResidentFactory(name=YOSHIDA, proxy_name="𠮷田 花子"),
        venue=venue,
        by=staff_user,
        start_date=date(2026, 6, 4),
    )
    content = LoanAgreementRenderer(loan_for_detail(pk=loan.pk)).render()
    text = squeezed(content)
    assert "𠮷田太郎" in text and "𠮷田花子" in text
    assert "〓" not in text
    assert embedded_font_names(content) == {"IPAexGothic": True, "IPAmjMincho": True}


class FooterDocument(PdfRenderer):
    """Canvas strings (the footer is drawn with drawString) take the same fallback."""

    def get_story(self):
        return [Paragraph("出席簿", self.styles["Normal"])]

    def footer_text(self):
        return "𠮷野町会館😀"


def test_canvas_strings_fall_back_too(caplog):
    with caplog.at_level(logging.WARNING, logger="kernel.pdf_fonts"):
        content = FooterDocument().render()
    assert "𠮷野町会館〓" in squeezed(content)
    assert embedded_font_names(content) == {"IPAexGothic": True, "IPAmjMincho": True}
    assert "U+1F600" in caplog.text


def test_names_ipaex_has_embed_ipaex_only():
    class Plain(FooterDocument):
        def footer_text(self):
            return "髙橋 﨑 佐藤"  # 髙 and 﨑 are in IPAex Gothic

    content = Plain().render()
    assert "髙橋﨑佐藤" in squeezed(content)
    assert embedded_font_names(content) == {"IPAexGothic": True}


@pytest.fixture
def fonts_registered_afresh(monkeypatch):
    """reportlab's font registry without the Japanese fonts (restored afterwards), so the next
    PDF registers them again under the test's settings."""
    fonts = {k: v for k, v in pdfmetrics._fonts.items() if k not in (FONT_NAME, "IPAmjMincho")}
    faces = {
        k: v
        for k, v in pdfmetrics._dynFaceNames.items()
        if k not in (FONT_NAME.encode(), b"IPAmjMincho")
    }
    monkeypatch.setattr(pdfmetrics, "_fonts", fonts)
    monkeypatch.setattr(pdfmetrics, "_dynFaceNames", faces)


def test_without_the_fallback_file_rare_kanji_print_as_geta_with_a_warning(
    fonts_registered_afresh, settings, tmp_path, caplog
):
    settings.PDF_FALLBACK_FONT_PATH = str(tmp_path / "ipamjm.ttf")  # not there

    class Names(FooterDocument):
        def get_story(self):
            return [Paragraph(YOSHIDA, self.styles["Normal"])]

    with caplog.at_level(logging.WARNING, logger="kernel.pdf_fonts"):
        content = Names().render()
    assert "fonts-ipamj-mincho" in caplog.text
    assert "U+20BB7" in caplog.text
    text = squeezed(content)
    assert "〓田太郎" in text and "𠮷野町会館〓" not in text
    assert "〓野町会館〓" in text
    assert embedded_font_names(content) == {"IPAexGothic": True}
