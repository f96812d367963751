"""``manage.py load_program_data``: venues, topics and KPIs from the program's CSV files."""

import csv
import shutil
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from classes.models import Organiser, Topic, Venue
from loans.models import LoanPolicy
from reports.models import Kpi
from tests.factories import LoanPolicyFactory

DATA_DIR = Path(settings.PROGRAM_DATA_DIR)


def csv_rows(name: str) -> list[dict]:
    with (DATA_DIR / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def run(*args) -> str:
    out = StringIO()
    call_command("load_program_data", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "venues": list(Venue.objects.order_by("code").values()),
        "topics": list(Topic.objects.order_by("code").values()),
        "kpis": list(Kpi.objects.order_by("code").values()),
        "organisers": list(Organiser.objects.order_by("id").values()),
        "policies": list(LoanPolicy.objects.order_by("id").values()),
    }


@pytest.fixture
def data_copy(tmp_path) -> Path:
    for name in ("venues.csv", "curriculum.csv", "kpis.csv"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    return tmp_path


def test_the_program_files_hold_14_venues_15_topics_and_5_kpis():
    assert (
        len(csv_rows("venues.csv")),
        len(csv_rows("curriculum.csv")),
        len(csv_rows("kpis.csv")),
    ) == (
        14,
        15,
        5,
    )


def test_bundled_copy_matches_the_shared_data():
    bundled = settings.BASE_DIR / "dashboard" / "data"
    for name in ("venues.csv", "curriculum.csv", "kpis.csv"):
        assert (bundled / name).read_text(encoding="utf-8") == (DATA_DIR / name).read_text(
            encoding="utf-8"
        )


@pytest.mark.django_db
def test_first_run_creates_every_row_and_reports_counts():
    output = run()

    assert "venues.csv: 14 created, 0 updated, 0 unchanged" in output
    assert "curriculum.csv: 15 created, 0 updated, 0 unchanged" in output
    assert "kpis.csv: 5 created, 0 updated, 0 unchanged" in output
    # The five of kpis.csv and the self-assessment KPI the loader makes sure of.
    assert (Venue.objects.count(), Topic.objects.count(), Kpi.objects.count()) == (14, 15, 6)
    assert Kpi.objects.filter(code="skills_after_8").exists()
    assert {v.code for v in Venue.objects.all()} == {r["code"] for r in csv_rows("venues.csv")}


@pytest.mark.django_db
def test_values_are_loaded_as_written_in_the_files():
    run()

    chuo = Venue.objects.get(code="iwaki-chuo")
    assert (chuo.name, chuo.name_kana, chuo.district, chuo.kind, chuo.default_seats) == (
        "いわき市中央公民館",
        "いわきしちゅうおうこうみんかん",
        "平",
        Venue.Kind.COMMUNITY_CENTER,
        20,
    )
    assert Venue.objects.get(code="iwaki-plaza").kind == Venue.Kind.LEARNING_CENTER
    line = Topic.objects.get(code="B07")
    assert (line.title, line.title_en, line.level, line.minutes) == (
        "LINEの使い方",
        "Using LINE",
        Topic.Level.BASIC,
        90,
    )
    classes_held = Kpi.objects.get(code="classes_held")
    assert (
        classes_held.baseline_fy,
        classes_held.baseline_value,
        classes_held.target_fy,
        classes_held.target_value,
        classes_held.unit,
    ) == (2020, Decimal("1"), 2024, Decimal("8"), "回/年")
    no_target = Kpi.objects.get(code="supporter_hours")
    assert no_target.baseline_value is None and no_target.target_fy is None


@pytest.mark.django_db
def test_my_number_topics_say_what_to_bring():
    run()

    assert "個人番号通知書" in Topic.objects.get(code="A01").what_to_bring
    assert "マイナンバーカード" in Topic.objects.get(code="A02").what_to_bring
    assert Topic.objects.get(code="B07").what_to_bring == ""


@pytest.mark.django_db
def test_an_administrators_own_what_to_bring_is_kept():
    run()
    Topic.objects.filter(code="A02").update(what_to_bring="カードと暗証番号")

    run()

    assert Topic.objects.get(code="A02").what_to_bring == "カードと暗証番号"


@pytest.mark.django_db
def test_default_organiser_and_loan_policy_are_created():
    output = run()

    organiser = Organiser.objects.get()
    assert (organiser.name, organiser.kind) == ("いわき市", Organiser.Kind.CITY)
    policy = LoanPolicy.objects.get()
    assert (
        policy.name,
        policy.term_days,
        policy.max_renewals,
        policy.min_age,
        policy.max_active_loans,
        policy.is_active,
    ) == ("6か月貸与", 182, 1, 65, 1, True)
    assert "created default loan policy" in output


@pytest.mark.django_db
def test_an_existing_active_loan_policy_is_not_replaced_or_duplicated():
    own = LoanPolicyFactory(name="12か月貸与", term_days=365, is_active=True)

    run()

    assert list(LoanPolicy.objects.all()) == [own]
    own.refresh_from_db()
    assert own.term_days == 365


@pytest.mark.django_db
def test_second_run_changes_nothing():
    run()
    before = snapshot()

    output = run()

    assert "venues.csv: 0 created, 0 updated, 14 unchanged" in output
    assert "curriculum.csv: 0 created, 0 updated, 15 unchanged" in output
    assert "kpis.csv: 0 created, 0 updated, 5 unchanged" in output
    assert "created default" not in output
    assert snapshot() == before


@pytest.mark.django_db
def test_a_changed_row_is_updated_back_to_the_file():
    run()
    Venue.objects.filter(code="onahama").update(default_seats=99)

    output = run()

    assert "venues.csv: 0 created, 1 updated, 13 unchanged" in output
    assert Venue.objects.get(code="onahama").default_seats == 16


@pytest.mark.django_db
def test_dir_option_reads_another_folder(data_copy):
    text = (data_copy / "venues.csv").read_text(encoding="utf-8")
    (data_copy / "venues.csv").write_text(
        text + "test-hall,試験会館,しけんかいかん,平,other,6\n", encoding="utf-8"
    )

    output = run("--dir", str(data_copy))

    assert "venues.csv: 15 created" in output
    assert Venue.objects.get(code="test-hall").default_seats == 6


def _replace_line(path: Path, line_number: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[line_number - 1]
    lines[line_number - 1] = lines[line_number - 1].replace(old, new)
    path.write_text("".join(lines), encoding="utf-8")


@pytest.mark.django_db
def test_bad_number_names_file_row_and_column_and_saves_nothing(data_copy):
    # Row 4 as a spreadsheet shows it (header is row 1): B03.
    _replace_line(data_copy / "curriculum.csv", 4, ",90", ",ninety")

    with pytest.raises(CommandError) as excinfo:
        run("--dir", str(data_copy))

    message = str(excinfo.value)
    assert "curriculum.csv" in message and "row 4" in message and "column minutes" in message
    assert "ninety" in message and "nothing was saved" in message
    assert (Venue.objects.count(), Topic.objects.count(), Kpi.objects.count()) == (0, 0, 0)
    assert not Organiser.objects.exists() and not LoanPolicy.objects.exists()


@pytest.mark.django_db
def test_missing_column_is_named_and_nothing_saved(data_copy):
    _replace_line(data_copy / "kpis.csv", 1, "target_value,", "")

    with pytest.raises(CommandError, match=r"kpis\.csv, row 1, column target_value"):
        run("--dir", str(data_copy))

    assert not Venue.objects.exists() and not Topic.objects.exists()


@pytest.mark.django_db
def test_bad_file_leaves_earlier_data_untouched(data_copy):
    run()
    before = snapshot()
    _replace_line(data_copy / "venues.csv", 2, ",20", ",60")  # a valid change...
    _replace_line(data_copy / "kpis.csv", 2, ",2024,", ",20二四,")  # ...and a bad KPI year

    with pytest.raises(CommandError, match=r"kpis\.csv, row 2, column target_fy"):
        run("--dir", str(data_copy))

    assert snapshot() == before


@pytest.mark.django_db
def test_unknown_kind_is_refused(data_copy):
    _replace_line(data_copy / "venues.csv", 3, "learning_center", "library")

    with pytest.raises(CommandError, match=r"venues\.csv, row 3, column kind: 'library' is not"):
        run("--dir", str(data_copy))


@pytest.mark.django_db
def test_duplicate_code_is_refused(data_copy):
    _replace_line(data_copy / "venues.csv", 4, "onahama,", "iwaki-chuo,")

    with pytest.raises(
        CommandError, match=r"venues\.csv, row 4, column code: 'iwaki-chuo' already"
    ):
        run("--dir", str(data_copy))


@pytest.mark.django_db
def test_missing_file_is_named(data_copy):
    (data_copy / "kpis.csv").unlink()

    with pytest.raises(CommandError, match=r"kpis\.csv: file not found"):
        run("--dir", str(data_copy))
    assert not Venue.objects.exists()


@pytest.mark.django_db
def test_venue_address_access_and_phone_load_when_the_file_has_them(data_copy):
    path = data_copy / "venues.csv"
    header, *rows = path.read_text(encoding="utf-8-sig").splitlines()
    assert "address" not in header  # the program's file has no such columns yet
    first, *rest = rows
    path.write_text(
        "\n".join(
            [
                header + ",address,access,phone",
                first + ",いわき市平字堂根町1-1,いわき駅から徒歩10分,0246-22-0000",
                *(row + ",,," for row in rest),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    run("--dir", str(data_copy))
    code = first.split(",")[0]
    venue = Venue.objects.get(code=code)
    assert (venue.address, venue.access, venue.phone) == (
        "いわき市平字堂根町1-1",
        "いわき駅から徒歩10分",
        "0246-22-0000",
    )
    # Empty cells, or a file without the columns, keep what the administrator entered.
    other = Venue.objects.exclude(code=code).first()
    Venue.objects.filter(pk=other.pk).update(phone="0246-99-9999")
    run("--dir", str(data_copy))
    run()
    assert Venue.objects.get(pk=other.pk).phone == "0246-99-9999"
    assert Venue.objects.get(code=code).phone == "0246-22-0000"
