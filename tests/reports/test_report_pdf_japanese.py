"""The fiscal-year report as the office prints it in Japanese: 令和 fiscal years, Japanese dates,
the loan figures dated, the consultation figures agreeing with the sessions, read back from the
PDF."""

import re

import pytest
from django.utils import translation

from reports.figures import fiscal_year_period, report_figures
from reports.program_report import ProgramReportRenderer
from tests.reports.pdf_helpers import assert_japanese_line_breaks, pdf_pages_text
from tests.reports.program_fixture import AS_OF, build_program, jst

pytestmark = pytest.mark.django_db


def japanese_report(as_of=AS_OF) -> tuple[bytes, str]:
    build_program()
    with translation.override("ja"):
        figures = report_figures(period=fiscal_year_period(2027), as_of=as_of)
        content = ProgramReportRenderer(figures, "年度報告").render()
    return content, "\n".join(pdf_pages_text(content))


def flat(text: str) -> str:
    """The text without line breaks and spaces (a long label wraps in its cell)."""
    return re.sub(r"\s+", "", text)


def figure(text: str, label: str) -> str:
    """The number printed after ``label`` in its table of the PDF."""
    match = re.search(re.escape(flat(label)) + r"([0-9.<—]+)", flat(text))
    assert match, f"{label} is not in the report"
    return match.group(1)


def test_the_fiscal_year_is_printed_in_reiwa_with_japanese_dates():
    content, text = japanese_report()
    assert "期間：令和9年度（2027年度） 2027年4月1日～2028年3月31日" in text
    assert "2028年6月1日 12:00" in text  # when the figures were taken
    assert "指標：令和9年度（2027年度）の目標と実績" in text
    assert "1（令和2年度（2020年度））" in flat(text)  # the KPI's baseline and its year
    assert "2027年4月" in text and "2028年2月" in text  # the months
    assert not re.search(r"\d{4}-\d{2}(-\d{2})?", text), "an ISO date is left"
    assert "FY" not in text
    assert_japanese_line_breaks(content)


def test_overdue_at_the_period_end_is_dated_beside_overdue_today():
    _content, text = japanese_report()
    # L3 (due 1 December 2027) was overdue on 31 March 2028; on 1 June 2028 L2 (due 1 May) is
    # too.
    assert figure(text, "期間末（2028年3月31日）に返却期限超過") == "1"
    assert figure(text, "本日（2028年6月1日）返却期限超過") == "2"
    assert figure(text, "期間末（2028年3月31日）に貸与中") == "3"


def test_a_running_year_says_so_and_has_no_second_overdue_line():
    _content, text = japanese_report(as_of=jst(2028, 2, 29, 9, 0))
    assert figure(text, "2028年2月29日現在 返却期限超過（期間は終わっていません）") == "1"
    assert "本日（" not in text


def test_consultations_agree_with_the_consultation_desks_attendances():
    _content, text = japanese_report()
    # Sessions by kind, the desk's row: held 1, seats 0, filled 0, attendances (named) 2,
    # without names 2, no-shows 1.
    assert "相談会100221" in flat(text)
    # Consultations by category, its total: 4 = 2 + 2, of which 2 without a name, 2 resolved.
    assert "相談内容別の相談件数" in text
    assert "合計422" in flat(text.split("相談内容別の相談件数", 1)[1])


def test_charts_name_their_column_without_repeating_the_table_title():
    _content, text = japanese_report()
    assert "グラフ：" in text
    # Each chart's table title is printed once: above its table, not again over the chart.
    for title in ("種別ごとの開催", "年齢区分別の参加者", "月別の参加状況"):
        assert text.count(title) == 1, title
