"""Lists as offices keep them (``tests/residents/data/make_lists.py`` writes them): a workbook,
a CP932 CSV and a UTF-16 text file with title lines above the header, and a list without a
required column. Every row is accounted for under the row number Excel shows."""

from datetime import date
from pathlib import Path

import pytest

from residents.importing import process as process_module
from residents.importing.headers import COLUMN_SYNONYMS
from residents.models import ImportOutcome, OwnDevice, Resident, ResidentImport, ResidentImportRow
from residents.services_import import import_residents

DATA = Path(__file__).parent / "data"
pytestmark = pytest.mark.django_db


def run_file(name: str) -> ResidentImport:
    return import_residents(file=(DATA / name).read_bytes(), file_name=name)


def counts(run: ResidentImport) -> tuple[int, int, int, int, int]:
    return (
        run.rows_total,
        run.rows_imported,
        run.rows_flagged,
        run.rows_rejected,
        run.rows_skipped,
    )


def outcomes(run: ResidentImport) -> dict[int, str]:
    return dict(ResidentImportRow.objects.filter(run=run).values_list("row_number", "outcome"))


# --- the workbook --------------------------------------------------------------------------------


def test_workbook_second_sheet_is_read_from_its_header_on_row_4():
    run = run_file("office_workbook.xlsx")
    assert run.status == ResidentImport.Status.DONE
    assert run.file_format == "Excel workbook (.xlsx)"
    assert (run.sheet_name, run.header_row) == ("名簿", 4)
    assert "Sheets ignored: 集計、メモ" in run.report
    assert "Columns not recognised (not read): 担当者" in run.report
    assert "Rows 1–3: above the header (title lines, notes), not read" in run.report
    # Rows 5 to 23: 6 imported, 6 flagged, 4 rejected, 3 skipped; they add up.
    assert counts(run) == (19, 6, 6, 4, 3)
    assert sum(counts(run)[1:]) == run.rows_total
    assert sorted(outcomes(run)) == list(range(5, 24))


def test_workbook_rows_by_their_excel_row_number():
    run = run_file("office_workbook.xlsx")
    by_row = outcomes(run)
    assert [n for n, o in by_row.items() if o == ImportOutcome.IMPORTED] == [5, 6, 7, 8, 17, 18]
    assert [n for n, o in by_row.items() if o == ImportOutcome.REJECTED] == [10, 11, 14, 16]
    assert [n for n, o in by_row.items() if o == ImportOutcome.SKIPPED] == [9, 22, 23]
    report = run.report
    assert (
        "Row 10 田中 節子: rejected: birth date: 平成31年5月1日 is outside the 平成 era" in report
    )
    assert "Row 11 渡辺 清: rejected: birth date: 1941/2/30: there is no day 30" in report
    assert (
        "Row 14 小林 正男: rejected: birth date: 明治45年7月30日 is outside the 明治 era" in report
    )
    assert "rejected: 氏名 is 102 characters long; at most 100 fit" in report
    assert (
        "Row 12 伊藤 茂: flagged: birth date 1941年（昭和17年）4月1日: the Western year" in report
    )
    assert "Row 13 中村 千代子: flagged: age" in report
    assert "Row 15 加藤 トシ: flagged: age 1" in report  # over 110
    assert "Row 19 山田 太郎: flagged: possible duplicate of row 5 (山田 太郎)" in report
    assert "Row 20 林 静江: flagged: phone 12345 is not a Japanese phone number" in report
    assert "Row 21 清水 実: flagged: device ポケベル not recognised" in report
    assert "Row 9: skipped: empty row" in report
    assert "Row 23: skipped: footer line (合計 17名)" in report


def test_workbook_values_as_the_office_typed_them():
    run_file("office_workbook.xlsx")
    yamada = Resident.objects.filter(search_name="山田太郎").order_by("id").first()
    assert yamada.birth_date == date(1945, 5, 3)  # a date cell
    assert yamada.phone == "0246-99-0001"  # stored as the number 246990001
    assert yamada.own_device == OwnDevice.SMARTPHONE  # スマホ
    sato = Resident.objects.get(search_name="佐藤和子")
    assert sato.birth_date == date(1942, 11, 23)  # a serial number
    assert (sato.phone, sato.own_device) == ("090-9999-0002", OwnDevice.FEATURE_PHONE)
    suzuki = Resident.objects.get(search_name="鈴木幸子")
    assert suzuki.birth_date == date(1940, 6, 1)  # 1940年（昭和15年）6月1日
    assert (suzuki.phone, suzuki.own_device) == ("0246-99-9003", OwnDevice.IPHONE)  # +81
    takahashi = Resident.objects.get(search_name="高橋弘")
    assert takahashi.birth_date == date(1939, 7, 1)  # Ｓ１４．７．１
    assert (takahashi.phone, takahashi.own_device) == ("0246-99-0004", OwnDevice.ANDROID)
    assert Resident.objects.get(search_name="伊藤茂").birth_date is None  # the years disagree
    assert Resident.objects.get(search_name="井上花子").own_device == OwnDevice.SMARTPHONE
    assert "ポケベル" in Resident.objects.get(search_name="清水実").notes
    assert not Resident.objects.filter(name__startswith="吉田あ").exists()
    assert Resident.objects.count() == 12  # imported + flagged


# --- CSV files -----------------------------------------------------------------------------------


def test_cp932_csv_with_a_title_line_and_office_headers():
    run = run_file("office_cp932_title.csv")
    assert run.file_format == "CSV, CP932 (Shift_JIS), comma-separated"
    assert run.header_row == 3
    assert "氏　名 → 氏名" in run.report and "フリガナ → ふりがな" in run.report
    assert "連絡先 → 電話番号" in run.report
    # Lines 4 to 12 (line 5 starts a record that spans lines 5 and 6): 8 records.
    assert counts(run) == (8, 3, 2, 1, 2)
    assert outcomes(run) == {
        4: "flagged",
        5: "imported",
        7: "imported",
        8: "skipped",
        9: "flagged",
        10: "imported",
        11: "rejected",
        12: "skipped",
    }
    assert (
        "Row 4 ?山 一郎: flagged: 氏名 contains ?: a character that did not survive" in run.report
    )
    assert (
        "Row 11 木村 進: rejected: birth date: 昭和64年1月8日 is outside the 昭和 era" in run.report
    )
    assert "Row 12: skipped: footer line (合計 6 名)" in run.report
    assert "Row 7 岡田 進: phone 246991003: the leading 0 was restored" in run.report
    saito = Resident.objects.get(search_name="斉藤花子")
    assert saito.notes == "大きな文字で\r\n耳が遠い" and saito.accessibility_needs
    assert Resident.objects.get(search_name="岡田進").phone == "0246-99-1003"


def test_utf16_tab_separated_text():
    run = run_file("office_utf16.txt")
    assert run.file_format == "CSV, UTF-16, tab-separated"
    assert run.header_row == 3
    assert counts(run) == (5, 2, 0, 1, 2)
    assert (
        "Row 5 今井 久: rejected: birth date: 平成元年1月7日 is outside the 平成 era" in run.report
    )
    assert "Row 8: skipped: footer line (以上)" in run.report
    sasaki = Resident.objects.get(search_name="佐々木ヨシ")
    assert (sasaki.phone, sasaki.own_device) == ("090-9999-1001", OwnDevice.SMARTPHONE)
    ono = Resident.objects.get(search_name="大野マサ")
    assert (ono.birth_date, ono.phone) == (date(1930, 4, 1), "090-9999-2003")


def test_list_without_a_required_column_is_refused_naming_the_header_row():
    run = run_file("office_missing_column.csv")
    assert run.refused
    assert "The header row found (row 2: 氏名、フリガナ、電話番号、地区)" in run.error
    assert "Missing: 生年月日" in run.error
    assert "Refused:" in run.report and Resident.objects.count() == 0


def test_more_rows_than_the_limit_are_refused_with_the_limit(monkeypatch):
    monkeypatch.setattr(process_module, "MAX_ROWS", 3)
    text = "氏名,ふりがな,生年月日,電話番号\n" + "".join(
        f"山田 {i},やまだ,S20.5.{i},0246-99-000{i}\n" for i in range(1, 5)
    )
    run = import_residents(file=text.encode(), file_name="long.csv")
    assert run.refused and "more than 3 rows" in run.error
    assert Resident.objects.count() == 0  # the rows before the limit are not imported either


def test_name_over_100_characters_rejects_only_its_row():
    text = "氏名,ふりがな,生年月日,電話番号\n" + "長" * 101 + ",なが,S20.5.3,0246-99-0001\n"
    text += "森 和夫,もり かずお,S21.5.5,0246-99-0019\n"
    run = import_residents(file=text.encode(), file_name="long-name.csv")
    assert counts(run) == (2, 1, 0, 1, 0)
    assert list(Resident.objects.values_list("name", flat=True)) == ["森 和夫"]


def test_readme_shows_every_header_of_the_synonyms_table(settings):
    readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
    for variants in COLUMN_SYNONYMS.values():
        for variant in variants:
            assert f"`{variant}`" in readme, variant
