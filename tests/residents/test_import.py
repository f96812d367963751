"""The resident list import (``import_residents``, as the command runs it): the sample file row by
row, encodings, malformed files, re-runs. Row numbers are the sheet's (the header is row 1)."""

from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from residents.models import OwnDevice, Resident, ResidentImport
from residents.services_import import import_residents
from tests.factories import ResidentFactory

SAMPLE = Path(__file__).parent / "data" / "residents_sample.csv"
HEADER = "氏名,ふりがな,生年月日,電話番号,地区,端末,備考\n"


def run_sample(**kwargs):
    return import_residents(file=SAMPLE.read_bytes(), file_name=SAMPLE.name, **kwargs)


def test_sample_copy_matches_the_shared_file_when_present(settings):
    # The tests read the copy; where the shared data sits beside the checkout, it must not drift.
    shared = settings.BASE_DIR.parent / "shared" / "data" / "residents_sample.csv"
    if shared.exists():
        assert SAMPLE.read_bytes() == shared.read_bytes()
    assert SAMPLE.read_bytes().startswith(HEADER.strip().encode())


@pytest.mark.django_db
def test_sample_on_an_empty_database_gives_exact_counts(admin_user):
    run = run_sample(by=admin_user)
    # 池田 勇 (born 1990) is flagged for review: an age under 40.
    assert (run.rows_total, run.rows_imported, run.rows_flagged, run.rows_rejected) == (
        25,
        20,
        3,
        2,
    )
    assert run.rows_skipped == 0
    assert run.rows_total == run.rows_imported + run.rows_flagged + run.rows_rejected
    assert Resident.objects.count() == 23  # imported + flagged (flagged rows are saved)
    assert Resident.objects.filter(possible_duplicate_of__isnull=False).count() == 2
    assert ResidentImport.objects.get().created_by == admin_user


@pytest.mark.django_db
def test_sample_rows_are_normalised():
    run_sample()
    suzuki = Resident.objects.get(search_name="鈴木幸子")
    assert suzuki.name_kana == "スズキ サチコ"
    assert suzuki.phone == "0246-99-9003"
    assert suzuki.birth_date == date(1942, 2, 14)
    assert suzuki.own_device == OwnDevice.ANDROID
    assert suzuki.accessibility_needs == "大きな文字で"

    sato = Resident.objects.filter(search_name="佐藤和子").order_by("id").first()
    assert sato.own_device == OwnDevice.FEATURE_PHONE
    assert sato.accessibility_needs == "補聴器使用"
    assert sato.notes == "補聴器使用"

    assert (
        Resident.objects.get(search_name="伊藤茂").own_device == OwnDevice.FEATURE_PHONE
    )  # らくらくホン
    assert Resident.objects.get(search_name="伊藤茂").phone == "0246-99-0007"  # (0246)99-0007
    assert Resident.objects.get(search_name="高橋弘").accessibility_needs == "車いす"
    assert Resident.objects.get(search_name="松本一郎").own_device == OwnDevice.IPHONE
    assert Resident.objects.get(search_name="加藤トシ").birth_date == date(1926, 12, 1)
    assert Resident.objects.get(search_name="小林正男").birth_date == date(1944, 9, 19)
    assert Resident.objects.get(search_name="池田勇").birth_date == date(1990, 4, 1)
    assert Resident.objects.get(search_name="石川光子").district == ""  # 未記入

    tanaka = Resident.objects.get(search_name="田中節子")
    assert tanaka.name_kana == ""
    assert tanaka.phone == "080-9999-0005"

    inoue = Resident.objects.get(search_name="井上花子")
    assert inoue.phone == ""
    assert "民生委員経由で連絡" in inoue.notes
    assert "No phone number" in inoue.notes


@pytest.mark.django_db
def test_sample_duplicates_point_at_the_first_row():
    run = run_sample()
    yamada_1, yamada_2 = Resident.objects.filter(search_name="山田太郎").order_by("id")
    assert yamada_1.possible_duplicate_of is None
    assert yamada_2.possible_duplicate_of == yamada_1
    assert yamada_2.name == "山田 太郎"  # full-width space made one ASCII space
    assert yamada_2.phone == "0246-99-0001"  # full-width digits
    sato_3, sato_21 = Resident.objects.filter(search_name="佐藤和子").order_by("id")
    assert sato_21.possible_duplicate_of == sato_3
    assert sato_21.source_import == run

    lines = run.report.splitlines()
    assert "Rows: 25" in lines and "Imported: 20" in lines
    assert "Flagged: 3" in lines and "Rejected: 2" in lines
    assert any(
        line.startswith("Row 3 山田 太郎: flagged: possible duplicate of row 2") for line in lines
    )
    assert any(
        line.startswith("Row 22 佐藤 和子: flagged: possible duplicate of row 4") for line in lines
    )
    assert "Row 23 池田 勇: flagged: age" in run.report


@pytest.mark.django_db
def test_sample_rejected_rows_say_why_and_are_not_saved():
    run = run_sample()
    assert not Resident.objects.filter(search_name__in=["渡辺清", "木村進"]).exists()
    report = run.report
    assert "Row 8 渡辺 清: rejected: birth date: 昭和13年13月1日: month 13 does not exist" in report
    assert "Row 17 木村 進: rejected: birth date: 1941/02/30: there is no day 30" in report
    assert "Row 7 田中 節子: no furigana" in report  # a warning, still imported
    assert "Row 16 井上 花子: no phone number" in report


@pytest.mark.django_db
def test_running_the_same_file_twice_creates_nobody_new():
    run_sample()
    before = Resident.objects.count()
    second = run_sample()
    assert Resident.objects.count() == before
    assert (second.rows_total, second.rows_imported, second.rows_flagged, second.rows_rejected) == (
        25,
        0,
        23,
        2,
    )
    assert second.report.count("already imported") == 23


@pytest.mark.django_db
def test_duplicates_are_found_against_the_database():
    existing = ResidentFactory(
        name="山田 太郎",
        name_kana="ヤマダ タロウ",
        birth_date=date(1945, 5, 3),
        phone="0246-11-1111",
    )
    run = import_residents(
        file=(HEADER + "山田太郎,やまだたろう,S20.5.3,0246-99-0001,平,なし,\n").encode(),
        file_name="one.csv",
    )
    assert (run.rows_imported, run.rows_flagged) == (0, 1)
    new = Resident.objects.exclude(pk=existing.pk).get()
    assert new.possible_duplicate_of == existing
    assert f"registered resident #{existing.pk}" in run.report


@pytest.mark.django_db
def test_shift_jis_file_is_read():
    text = (
        HEADER + "佐藤 和子,さとう かずこ,昭和17年11月23日,090-9999-0002,小名浜,ガラケー,補聴器\n"
    )
    run = import_residents(file=text.encode("cp932"), file_name="sjis.csv")
    assert run.rows_imported == 1
    resident = Resident.objects.get()
    assert (resident.name, resident.name_kana) == ("佐藤 和子", "サトウ カズコ")


@pytest.mark.django_db
def test_utf8_with_bom_is_read():
    run = import_residents(
        file=(
            "\ufeff" + HEADER + "森 和夫,もり かずお,昭和21年5月5日,0246-99-0019,四倉,なし,\n"
        ).encode(),
        file_name="bom.csv",
    )
    assert run.rows_imported == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"name,kana,birthday\nYamada,,1945/5/3\n", "No header row was found in the first 20"),
        ("氏名,生年月日\n山田,S20.5.3\n".encode(), "Missing: ふりがな、電話番号"),
        (b"PK\x03\x04\x14\x00\x06\x00binary", "The workbook could not be opened"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Excel 97-2003 workbook"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a list the program can read"),
        (
            HEADER.encode() + b"\x80\xff\xfe\x81\x00".replace(b"\x00", b"") + b"\xff\xff\n",
            "neither UTF-8, Shift_JIS nor UTF-16",
        ),
    ],
)
def test_malformed_files_save_nobody_and_keep_a_report_saying_why(content, message):
    run = import_residents(file=content, file_name="bad.csv")
    assert run.refused and message in run.error
    assert f"Refused: {run.error}" in run.report and "Nothing was imported." in run.report
    assert Resident.objects.count() == 0
    assert ResidentImport.objects.get() == run


@pytest.mark.django_db
def test_header_without_rows_imports_nothing_and_counts_zero():
    run = import_residents(file=HEADER.encode(), file_name="empty.csv")
    assert not run.refused
    assert (run.rows_total, run.rows_imported) == (0, 0)


@pytest.mark.django_db
def test_bad_phone_flags_the_row_and_keeps_the_number_in_the_notes():
    text = (
        HEADER
        + "林 静江,はやし しずえ,昭和16年7月7日,12345,勿来,Android,\n"
        + "清水 実,しみず みのる,昭和18年1月1日,0246-99-0017,常磐,なし,\n"
    )
    run = import_residents(file=text.encode(), file_name="phones.csv")
    assert (run.rows_imported, run.rows_flagged, run.rows_rejected) == (1, 1, 0)
    assert "Row 2 林 静江: flagged: phone 12345 is not a Japanese phone number" in run.report
    hayashi = Resident.objects.get(name="林 静江")
    assert hayashi.phone == "" and "12345" in hayashi.notes


@pytest.mark.django_db
def test_command_writes_the_report_next_to_the_file(tmp_path, capsys):
    target = tmp_path / "list.csv"
    target.write_bytes(SAMPLE.read_bytes())
    call_command("import_residents", str(target))
    report = (tmp_path / "list.report.txt").read_text(encoding="utf-8")
    assert "Imported: 20" in report and "Rejected: 2" in report
    assert Resident.objects.count() == 23


@pytest.mark.django_db
def test_command_report_option_and_malformed_file(tmp_path):
    target = tmp_path / "list.csv"
    target.write_bytes(SAMPLE.read_bytes())
    call_command("import_residents", str(target), "--report", str(tmp_path / "out.txt"))
    assert "Flagged: 3" in (tmp_path / "out.txt").read_text(encoding="utf-8")


@pytest.mark.django_db
def test_command_writes_the_report_of_a_refused_file(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="No header row.*Nothing was imported"):
        call_command("import_residents", str(bad))
    report = (tmp_path / "bad.report.txt").read_text(encoding="utf-8")
    assert "Refused: No header row was found" in report and "Nothing was imported." in report
    assert ResidentImport.objects.get().refused
