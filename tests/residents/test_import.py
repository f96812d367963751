"""The resident list import: the sample file row by row, encodings, malformed files, re-runs."""

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
    assert (run.rows_total, run.rows_imported, run.rows_flagged, run.rows_rejected) == (
        25,
        21,
        2,
        2,
    )
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
    assert "Rows: 25" in lines and "Imported: 21" in lines
    assert "Flagged: 2" in lines and "Rejected: 2" in lines
    assert any(
        line.startswith("Row 2 山田 太郎: flagged: possible duplicate of row 1") for line in lines
    )
    assert any(
        line.startswith("Row 21 佐藤 和子: flagged: possible duplicate of row 3") for line in lines
    )


@pytest.mark.django_db
def test_sample_rejected_rows_say_why_and_are_not_saved():
    run = run_sample()
    assert not Resident.objects.filter(search_name__in=["渡辺清", "木村進"]).exists()
    report = run.report
    assert "Row 7 渡辺 清: rejected: birth date: 昭和13年13月1日: month 13 does not exist" in report
    assert "Row 16 木村 進: rejected: birth date: 1941/02/30: there is no day 30" in report
    assert "Row 6 田中 節子: no furigana" in report  # a warning, still imported
    assert "Row 15 井上 花子: no phone number" in report


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
        (HEADER.encode(), "no residents under it"),
        (b"name,kana,birthday\nYamada,,1945/5/3\n", "does not have the expected columns"),
        ("氏名,生年月日\n山田,S20.5.3\n".encode(), "Missing: ふりがな、電話番号"),
        (b"PK\x03\x04\x14\x00\x06\x00binary", "Excel workbook"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV text file"),
        (
            HEADER.encode() + b"\x80\xff\xfe\x81\x00".replace(b"\x00", b"") + b"\xff\xff\n",
            "neither UTF-8 nor Shift_JIS",
        ),
    ],
)
def test_malformed_files_save_nothing_and_say_why(content, message):
    with pytest.raises(ImportFileError, match=message):
        import_residents(file=content, file_name="bad.csv")
    assert Resident.objects.count() == 0
    assert ResidentImport.objects.count() == 0


@pytest.mark.django_db
def test_bad_phone_rejects_the_row_only():
    text = (
        HEADER
        + "林 静江,はやし しずえ,昭和16年7月7日,12345,勿来,Android,\n"
        + "清水 実,しみず みのる,昭和18年1月1日,0246-99-0017,常磐,なし,\n"
    )
    run = import_residents(file=text.encode(), file_name="phones.csv")
    assert (run.rows_imported, run.rows_rejected) == (1, 1)
    assert "Row 1 林 静江: rejected: phone 12345 is not a Japanese phone number" in run.report
    assert list(Resident.objects.values_list("name", flat=True)) == ["清水 実"]


@pytest.mark.django_db
def test_command_writes_the_report_next_to_the_file(tmp_path, capsys):
    target = tmp_path / "list.csv"
    target.write_bytes(SAMPLE.read_bytes())
    call_command("import_residents", str(target))
    report = (tmp_path / "list.report.txt").read_text(encoding="utf-8")
    assert "Imported: 21" in report and "Rejected: 2" in report
    assert Resident.objects.count() == 23


@pytest.mark.django_db
def test_command_report_option_and_malformed_file(tmp_path):
    target = tmp_path / "list.csv"
    target.write_bytes(SAMPLE.read_bytes())
    call_command("import_residents", str(target), "--report", str(tmp_path / "out.txt"))
    assert "Flagged: 2" in (tmp_path / "out.txt").read_text(encoding="utf-8")

    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="expected columns.*Nothing was imported"):
        call_command("import_residents", str(bad))
