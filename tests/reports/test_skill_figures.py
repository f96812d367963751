"""The outcomes section (できること before, after and at follow-up; smartphone use by loan
outcome) and the self-assessment KPI, checked against the answers of ``build_skills`` worked
out by hand, and read back from the PDF, the CSV and the Excel file."""

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from reports.figures import Scope, fiscal_year_period, month_period, report_figures, suppress
from reports.program_report import ProgramReportRenderer
from reports.report_exports import report_csv, report_workbook
from tests.reports.pdf_helpers import pdf_pages_text
from tests.reports.program_fixture import AS_OF, build_program

pytestmark = pytest.mark.django_db

FY2027 = fiscal_year_period(2027)
D = Decimal


@pytest.fixture
def program():
    return build_program()


@pytest.fixture
def figures(program):
    return report_figures(period=FY2027, as_of=AS_OF)


def rows(figures, key):
    return {row.key: row.values for row in figures.table(key).all_rows()}


# (asked before & after, can before %, can after %, asked before & follow-up, can before %,
#  can at follow-up %). After: A's later form (30 Sep) against A's 1 April; B's 10 May against
# B's 20 March 2027 (B's 1 June form is later, not a before). Follow-up: A (15 Mar) and D; E
# had no first contact.
EXPECTED_ITEMS = {
    "power_buttons": (2, D("0.0"), D("50.0"), 2, D("0.0"), D("50.0")),
    "calls": (2, D("50.0"), D("100.0"), 2, D("50.0"), D("100.0")),
    "line": (1, D("0.0"), D("100.0"), 2, D("0.0"), D("50.0")),
    "camera": (0, None, None, 0, None, None),
}


def test_summary_counts_each_resident_once_per_point(figures):
    s = rows(figures, "skills_summary")
    assert s["asked_before"] == (4,)  # A, B (1 June), D, P; B's March form is FY2026
    assert s["asked_after"] == (3,)  # A (twice), B, C; P's is FY2028
    assert s["after_with_before"] == (2,)  # A and B; C was never asked before
    assert s["asked_follow_up"] == (3,)  # A, D, E
    assert s["follow_up_with_before"] == (2,)  # A, D
    assert s["still_using"] == (2,)  # A and E said yes, D no
    assert s["still_using_share"] == (D("66.7"),)


def test_each_item_compares_the_same_residents_before_after_and_at_follow_up(figures):
    items = rows(figures, "skills_by_item")
    for code, expected in EXPECTED_ITEMS.items():
        assert items[code] == expected, code
    # Every active item has a row, in the administrator's order.
    assert list(items)[:3] == ["power_buttons", "calls", "camera"]
    assert len(items) == 10


def test_smartphone_use_at_follow_up_beside_the_loan_outcome(figures):
    by_loan = rows(figures, "skills_follow_up_by_loan")
    # A's latest loan started by 15 March 2028 is L6, since returned with an own device.
    assert by_loan["own_device"] == (1, 1)
    assert by_loan["no_loan"] == (2, 1)  # D (no), E (yes)
    assert by_loan["on_loan"] == (0, 0)
    assert by_loan["total"] == (3, 2)


def test_kpi_share_who_can_do_n_items_after_the_course(program):
    from django.utils import translation

    with translation.override("en"):
        figures = report_figures(period=FY2027, as_of=AS_OF)
    kpis = rows(figures, "kpis")
    # A (3 of 3 on 30 Sep) and C (3) of A, B, C: 66.7 % of a 60 % target, baseline 20 % FY2026.
    assert kpis["skills_after_3"] == ("%", "20 (FY2026)", D(60), D("66.7"), D("111.2"))
    assert "skills_after_3" not in figures.table("kpis").note
    from reports.models import Kpi

    Kpi.objects.create(code="skills_after_1", name="1項目以上", unit="%")
    again = rows(report_figures(period=FY2027, as_of=AS_OF), "kpis")
    assert again["skills_after_1"][3] == D("100.0")


def test_a_month_counts_only_its_own_answers(program):
    figures = report_figures(period=month_period(2027, 9), as_of=AS_OF)
    s = rows(figures, "skills_summary")
    assert s["asked_after"] == (1,)  # A on 30 September
    assert s["after_with_before"] == (1,)
    assert rows(figures, "skills_by_item")["line"][:3] == (1, D("0.0"), D("100.0"))
    assert rows(figures, "kpis")["skills_after_3"][3] == D("100.0")
    # Nobody asked in an empty month: shares are "—", not 0.
    empty = report_figures(period=month_period(2027, 7), as_of=AS_OF)
    assert rows(empty, "skills_by_item")["calls"] == (0, None, None, 0, None, None)
    assert rows(empty, "kpis")["skills_after_3"][3] is None


def test_venue_and_organiser_reports_leave_outcomes_to_the_whole_program(program):
    venue = report_figures(
        period=FY2027, scope=Scope(Scope.VENUE, program.central.pk, "中央公民館"), as_of=AS_OF
    )
    section = venue.section("skills")
    assert section.tables == ()
    assert "whole program" in section.note
    assert rows(venue, "kpis")["skills_after_3"][3] is None


def test_published_version_hides_small_counts_and_the_shares_made_from_them(figures):
    published = suppress(figures, 5)
    items = rows(published, "skills_by_item")
    assert all(str(v) == "<5" for v in items["calls"])
    assert items["camera"] == (0, None, None, 0, None, None)
    s = rows(published, "skills_summary")
    assert str(s["still_using"][0]) == "<5"
    assert str(s["still_using_share"][0]) == "<5"
    by_loan = rows(published, "skills_follow_up_by_loan")
    assert str(by_loan["no_loan"][0]) == "<5" and by_loan["on_loan"] == (0, 0)
    assert suppress(figures, 2).table("skills_by_item").rows[0].values[0] == 2


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_pdf_prints_the_outcome_table_with_its_figures(figures):
    content = ProgramReportRenderer(figures, "Fiscal-year report").render()
    text = squeeze("".join(pdf_pages_text(content)))
    assert squeeze("Outcomes (what people can do)") in text
    assert squeeze("Share who can do each item: before, after and at follow-up") in text
    for row in figures.table("skills_by_item").rows:
        if row.key in EXPECTED_ITEMS:
            values = "".join("—" if v is None else str(v) for v in EXPECTED_ITEMS[row.key])
            assert squeeze(row.label) + values in text, row.label
    assert squeeze("Share still using a smartphone at follow-up (%)66.7") in text
    assert squeeze("Bought own device11") in text


def test_pdf_outcome_table_in_japanese(program):
    from django.utils import translation

    with translation.override("ja"):
        figures = report_figures(period=FY2027, as_of=AS_OF)
        content = ProgramReportRenderer(figures, "年度報告").render()
    text = squeeze("".join(pdf_pages_text(content)))
    assert "電話をかける・受けることができる250.0100.0250.0100.0" in text
    assert "LINEでメッセージを送る・読むことができる10.0100.020.050.0" in text


def test_csv_and_excel_hold_the_outcome_figures(figures):
    lines = list(csv.reader(io.StringIO(report_csv(figures).decode("utf-8-sig"))))
    title = figures.table("skills_by_item").title
    calls = figures.table("skills_by_item").rows[1].label
    cells = {(line[1], line[2], line[3]): line[4] for line in lines[3:] if line[1] == title}
    assert cells[(title, calls, "Asked before and after")] == "2"
    assert cells[(title, calls, "Can do after (%)")] == "100.0"
    assert cells[(title, calls, "Can do at follow-up (%)")] == "100.0"
    book = load_workbook(io.BytesIO(report_workbook(figures)))
    sheet = next(s for s in book.worksheets if s.title.startswith("Outcomes"))
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    calls_row = next(v for v in values if v[0] == calls)
    assert calls_row[1:7] == [2, 50.0, 100.0, 2, 50.0, 100.0]
    share = next(v for v in values if v[0] == "Share still using a smartphone at follow-up (%)")
    assert share[1] == pytest.approx(66.7)


def test_outcome_figures_take_a_fixed_number_of_queries(program, django_assert_max_num_queries):
    from tests.reports.program_fixture import AFTER, BEFORE, ask

    for n in range(30):
        resident = program.residents["B"].__class__.objects.create(name=f"追加{n}")
        ask(resident, BEFORE, FY2027.start, {"calls": "cannot"})
        ask(resident, AFTER, FY2027.end, {"calls": "can"})
    with django_assert_max_num_queries(60):
        figures = report_figures(period=FY2027, as_of=AS_OF)
    assert rows(figures, "skills_by_item")["calls"][:3] == (32, D("3.1"), D("100.0"))
