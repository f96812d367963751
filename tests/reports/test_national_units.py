"""The national-units export (venues, コマ, sessions, participants, topics by level, supporters):
both files parsed back; their totals are the fiscal-year report's internal figures for the same
data (``program_fixture``, FY2027); the counting-rules sheet; the venue and period filters; how a
90-minute class counts in コマ under each rule."""

import csv
import io
import os
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation

from classes.models import Registration, Session, Topic, Venue
from reports.figures import Period, Scope, fiscal_year_period, report_figures
from reports.figures.national import koma, national_units
from reports.national_exports import national_csv, national_workbook
from tests.factories import RegistrationFactory, SessionFactory, TopicFactory, VenueFactory
from tests.project.test_settings import ROOT, run_settings
from tests.reports.program_fixture import AS_OF, build_program, jst

pytestmark = pytest.mark.django_db

FY2027 = fiscal_year_period(2027)
UNITS = "Sessions and koma by venue and kind"
PARTICIPANTS = "Participants by venue"
AGE_BANDS = "Participants by age band and venue (named only)"
TOPICS = "Topics by level and venue"
SUPPORTERS = "Supporters and their hours by venue"
BANDS = ("85+", "80-84", "75-79", "70-74", "65-69", "under 65", "Birth date not recorded")
BAND_KEYS = ("85+", "80-84", "75-79", "70-74", "65-69", "under 65", "unknown")


def _number(text):
    """A cell as read back: ints and decimals become numbers, the rest stays text."""
    if isinstance(text, int | float):
        return Decimal(str(text))
    try:
        return Decimal(text)
    except ArithmeticError:
        return text


def parse_csv(content: bytes) -> tuple[dict, list[list[str]]]:
    """{table title: {row label: {column: value}}} and the rules block's lines."""
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    assert b"\r\n" in content
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    blocks, block = [], []
    for line in lines:
        if not line:
            blocks.append(block)
            block = []
        else:
            block.append(line)
    blocks.append(block)
    tables, rules = {}, []
    for block in blocks[1:]:
        title, header, *rows = block
        if title == ["Counting rules"]:
            rules = [dict(zip(header, row, strict=True)) for row in rows]
            continue
        tables[title[0]] = {
            row[0]: {c: _number(v) for c, v in zip(header[1:], row[1:], strict=True)}
            for row in rows
        }
    return tables, rules


def parse_workbook(content: bytes) -> tuple[dict, list[dict], openpyxl.Workbook]:
    """{table title: {row label: {column: value}}}, the rules sheet's lines, the workbook."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    tables, rules = {}, []
    for sheet in book.worksheets[1:]:
        title, header, *rows = list(sheet.iter_rows(values_only=True))
        if sheet.title == "Counting rules":
            rules = [dict(zip(header, row, strict=True)) for row in rows]
            continue
        tables[title[0]] = {
            row[0]: {c: _number(v) for c, v in zip(header[1:], row[1:], strict=True)}
            for row in rows
        }
    return tables, rules, book


@pytest.fixture(autouse=True)
def english():
    """The files in English, as a report asked for in English is made (the task overrides the
    language the same way); the column names below are the English ones."""
    with translation.override("en"):
        yield


@pytest.fixture
def program():
    return build_program()


@pytest.fixture(params=["xlsx", "csv"])
def parsed(request, program):
    """Both files of FY2027 for the whole program, parsed back: (tables, rules)."""
    units = national_units(period=FY2027, as_of=AS_OF)
    if request.param == "xlsx":
        tables, rules, _book = parse_workbook(national_workbook(units))
    else:
        tables, rules = parse_csv(national_csv(units))
    return tables, rules


def _fy(figures, table, row, column=0):
    return Decimal(str(figures.value(table, row, column)))


def test_totals_equal_the_fiscal_year_reports_internal_figures(parsed, program):
    tables, _rules = parsed
    figures = report_figures(period=FY2027, as_of=AS_OF)  # internal: nothing suppressed
    assert figures.threshold is None

    units = tables[UNITS]["Total"]
    assert units["All kinds: sessions"] == _fy(figures, "sessions_summary", "held") == 4
    for kind, label in (("class", "Classes"), ("consultation", "Consultations")):
        assert units[f"{label}: sessions"] == _fy(figures, "sessions_by_kind", kind)
    assert units["Salons: sessions"] == _fy(figures, "sessions_by_kind", "salon") == 1
    assert units["Caravans: sessions"] == 0

    people = tables[PARTICIPANTS]["Total"]
    assert people["Participants in total"] == _fy(figures, "sessions_summary", "attendances_total")
    assert people["of which named"] == _fy(figures, "sessions_summary", "attended") == 10
    assert people["of which without names"] == _fy(figures, "sessions_summary", "walk_ins") == 5
    # A resident at both venues (A, C, D) is one resident in the total.
    assert people["Unique residents"] == _fy(figures, "participants_summary", "unique") == 6
    for kind, label in (
        ("class", "Classes"),
        ("salon", "Salons"),
        ("consultation", "Consultations"),
    ):
        named = _fy(figures, "sessions_by_kind", kind, 3)
        without = _fy(figures, "sessions_by_kind", kind, 4)
        assert people[f"{label}: participants"] == named + without
    # Consultations at the desk equal the consultations table's total.
    assert people["Consultations: participants"] == _fy(
        figures, "consultations_by_category", "total"
    )

    bands = tables[AGE_BANDS]["Total"]
    for label, key in zip(BANDS, BAND_KEYS, strict=True):
        assert bands[f"Attendances: {label}"] == _fy(figures, "participants_by_age_band", key, 0)
        assert bands[f"Unique residents: {label}"] == _fy(
            figures, "participants_by_age_band", key, 1
        )

    topics = tables[TOPICS]["Total"]
    # S1 (B01) and S2 (B05) have basic topics; the salon and the desk have none.
    by_topic = {r.label: r.values for r in figures.table("sessions_by_topic").rows}
    basic = [by_topic["B01 電源とボタン"], by_topic["B05 LINE"]]
    assert topics["Basic: sessions"] == sum(v[0] for v in basic) == 2
    assert topics["Basic: participants"] == sum(v[3] + v[4] for v in basic)
    assert topics["No topic: sessions"] == by_topic["No topic"][0]
    assert topics["No topic: participants"] == by_topic["No topic"][3] + by_topic["No topic"][4]
    assert topics["Applied: sessions"] == 0

    assert_totals_match(tables, figures)
    supporters = tables[SUPPORTERS]["Total"]
    assert supporters["Supporters"] == _fy(figures, "supporters_by_kind", "total", 0) == 3
    assert supporters["Sessions staffed"] == _fy(figures, "supporters_by_kind", "total", 1)
    assert supporters["Hours"] == _fy(figures, "supporters_by_kind", "total", 2)


def test_each_venue_has_its_row_equal_to_the_reports_venue_figures(parsed, program):
    tables, _rules = parsed
    figures = report_figures(period=FY2027, as_of=AS_OF)
    for venue in (program.central, program.onahama):
        row = next(r for r in figures.table("sessions_by_venue").rows if r.key == str(venue.pk))
        held, _seats, _filled, named, without, _no_shows = row.values
        assert tables[UNITS][venue.name]["All kinds: sessions"] == held
        assert tables[PARTICIPANTS][venue.name]["Participants in total"] == named + without
        # Unique per venue from the venue's own report.
        venue_figures = report_figures(
            period=FY2027, scope=Scope(Scope.VENUE, venue.pk, venue.name), as_of=AS_OF
        )
        assert tables[PARTICIPANTS][venue.name]["Unique residents"] == _fy(
            venue_figures, "participants_summary", "unique"
        )
    # 中央公民館: A, B, P, E, D; 小名浜公民館: A, C, D. Together 8, but 6 residents.
    assert tables[PARTICIPANTS][program.central.name]["Unique residents"] == 5
    assert tables[PARTICIPANTS][program.onahama.name]["Unique residents"] == 3
    assert tables[PARTICIPANTS]["Total"]["Unique residents"] == 6
    # In the order venues are listed everywhere (kana, code).
    listed = Venue.objects.filter(pk__in=[program.central.pk, program.onahama.pk])
    assert list(tables[UNITS]) == [v.name for v in listed] + ["Total"]


def test_the_counting_rules_are_stated_and_assumptions_marked(parsed):
    _tables, rules = parsed
    by_item = {rule["item"]: rule for rule in rules}
    assumption = "assumption: the administrator can change it in settings"
    assert by_item["Length of one koma"]["setting"] == "NATIONAL_KOMA_MINUTES"
    assert by_item["Length of one koma"]["kind of rule"] == assumption
    assert str(by_item["Length of one koma"]["current value"]) == "60"
    assert by_item["Rounding of koma"]["setting"] == "NATIONAL_KOMA_ROUNDING"
    assert "a 90-minute class is 1.5" in by_item["Rounding of koma"]["rule"]
    assert by_item["Consultation desks"]["setting"] == "NATIONAL_CONSULTATION_KOMA"
    assert "counts twice" in by_item["Participants in total"]["rule"]
    assert "counts once" in by_item["Unique residents"]["rule"]
    assert "walk-ins counted" in by_item["Salons and caravans (drop-in)"]["rule"]
    fixed = "fixed: as in the fiscal-year report"
    assert by_item["Unique residents"]["kind of rule"] == fixed
    assert not by_item["Unique residents"]["setting"]
    assumptions = [r["item"] for r in rules if r["kind of rule"] == assumption]
    assert len(assumptions) == 3


def test_the_workbook_has_a_summary_a_sheet_per_table_and_the_rules(program):
    units = national_units(period=FY2027, as_of=AS_OF)
    _tables, _rules, book = parse_workbook(national_workbook(units))
    assert book.sheetnames == [
        "Summary",
        "Sessions and koma",
        "Participants",
        "Age bands",
        "Topics by level",
        "Supporters",
        "Counting rules",
    ]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["period"] == "FY2027 (1 Apr 2027 – 31 Mar 2028)"
    assert summary["scope"] == "Whole program"
    assert summary["venues with sessions held"] == 2
    # コマ are numbers shown with one decimal: the salon's 1.5, the two classes' "3.0".
    sheet = book["Sessions and koma"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=3)}
    salon = rows[program.onahama.name][6]
    classes = rows[program.central.name][2]
    assert sheet.cell(row=2, column=7).value == "Salons: koma"
    assert salon.value == 1.5 and salon.number_format == "0.0"
    assert classes.value == 3 and classes.number_format == "0.0"
    assert rows[program.central.name][1].value == 2  # sessions stay whole numbers


def test_one_venue_only(program):
    scope = Scope(Scope.VENUE, program.onahama.pk, program.onahama.name)
    units = national_units(period=FY2027, scope=scope, as_of=AS_OF)
    tables, _rules = parse_csv(national_csv(units))
    assert list(tables[UNITS]) == [program.onahama.name, "Total"]
    figures = report_figures(period=FY2027, scope=scope, as_of=AS_OF)
    total = tables[PARTICIPANTS]["Total"]
    assert total["Participants in total"] == _fy(figures, "sessions_summary", "attendances_total")
    assert total["Participants in total"] == 6  # A, C, D and three counted walk-ins at S3
    assert total["Unique residents"] == _fy(figures, "participants_summary", "unique") == 3
    assert tables[UNITS]["Total"]["Salons: sessions"] == 1
    assert tables[UNITS]["Total"]["Classes: sessions"] == 0  # S4 was cancelled
    assert tables[SUPPORTERS]["Total"]["Supporters"] == 0  # S3's assignment was cancelled
    # A venue with nothing held still has its row of zeros.
    empty = VenueFactory(name="好間公民館")
    units = national_units(
        period=FY2027, scope=Scope(Scope.VENUE, empty.pk, empty.name), as_of=AS_OF
    )
    tables, _rules = parse_csv(national_csv(units))
    assert tables[UNITS][empty.name]["All kinds: sessions"] == 0
    assert units.venues == 1


def test_a_period_of_two_dates(program):
    february = Period(date(2028, 2, 1), date(2028, 2, 29))
    units = national_units(period=february, as_of=AS_OF)
    tables, _rules = parse_csv(national_csv(units))
    figures = report_figures(period=february, as_of=AS_OF)
    # S2 (class on the leap day) and S3 (salon on 28 February).
    assert tables[UNITS]["Total"]["All kinds: sessions"] == 2
    assert tables[UNITS]["Total"]["Classes: sessions"] == 1
    assert tables[UNITS]["Total"]["Salons: sessions"] == 1
    assert tables[PARTICIPANTS]["Total"]["Participants in total"] == _fy(
        figures, "sessions_summary", "attendances_total"
    )
    assert tables[PARTICIPANTS]["Total"]["Participants in total"] == 8
    # One day: only the leap-day class.
    leap_day = national_units(period=Period(date(2028, 2, 29), date(2028, 2, 29)), as_of=AS_OF)
    assert leap_day.table("units_by_venue").total.values[-2] == 1


@pytest.mark.parametrize(
    ("minutes", "rounding", "expected"),
    [
        (60, "exact", Decimal("1.5")),
        (60, "half_up", Decimal(2)),
        (60, "up", Decimal(2)),
        (60, "down", Decimal(1)),
        (90, "exact", Decimal("1.0")),
        (45, "down", Decimal(2)),
    ],
)
def test_a_90_minute_class_counts_by_the_rule(settings, minutes, rounding, expected):
    settings.NATIONAL_KOMA_MINUTES = minutes
    settings.NATIONAL_KOMA_ROUNDING = rounding
    venue = VenueFactory(name="平公民館")
    start = jst(2027, 5, 10, 10, 0)
    SessionFactory(
        kind=Session.Kind.CLASS,
        venue=venue,
        topic=TopicFactory(code="A01", level="applied"),
        starts_at=start,
        ends_at=start + timedelta(minutes=90),
    )
    units = national_units(period=FY2027, as_of=AS_OF)
    tables, rules, _book = parse_workbook(national_workbook(units))
    assert tables[UNITS][venue.name]["Classes: koma"] == expected
    assert tables[UNITS]["Total"]["All kinds: koma"] == expected
    assert tables[TOPICS]["Total"]["Applied: koma"] == expected
    by_item = {rule["item"]: rule for rule in rules}
    assert str(by_item["Length of one koma"]["current value"]) == str(minutes)
    assert by_item["Rounding of koma"]["current value"] == rounding


def test_koma_of_other_lengths(settings):
    settings.NATIONAL_KOMA_MINUTES = 60
    settings.NATIONAL_KOMA_ROUNDING = "half_up"
    assert koma(Decimal(80)) == 1
    assert koma(Decimal(120)) == 2
    settings.NATIONAL_KOMA_ROUNDING = "up"
    assert koma(Decimal(61)) == 2


def test_consultation_desks_count_by_open_time_or_by_visits(settings, program):
    # S5 is a 90-minute desk with four visits: A and D came, two anonymous walk-ups.
    units = national_units(period=FY2027, as_of=AS_OF)
    assert units.table("units_by_venue").total.values[3] == Decimal("1.5")
    settings.NATIONAL_CONSULTATION_KOMA = "visits"
    units = national_units(period=FY2027, as_of=AS_OF)
    assert units.table("units_by_venue").total.values[3] == 4
    tables, rules = parse_csv(national_csv(units))
    assert tables[UNITS]["Total"]["Consultations: koma"] == 4
    # Classes and the salon still count their time: 1.5 + 1.5 + 1.5 + 4.
    assert tables[UNITS]["Total"]["All kinds: koma"] == Decimal("8.5")
    rule = next(r for r in rules if r["item"] == "Consultation desks")
    assert rule["current value"] == "visits"


def test_a_caravan_away_from_a_venue_and_a_venue_named_like_a_formula(program):
    start = jst(2027, 11, 3, 10, 0)
    caravan = SessionFactory(
        kind=Session.Kind.CARAVAN,
        venue=None,
        place="イオンモールいわき小名浜",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        walk_in_count=7,
    )
    RegistrationFactory(session=caravan, attendance=Registration.Attendance.ATTENDED)
    formula = VenueFactory(name='=HYPERLINK("http://x","y")')
    SessionFactory(kind=Session.Kind.SALON, venue=formula, starts_at=start)
    units = national_units(period=FY2027, as_of=AS_OF)
    content = national_csv(units)
    tables, _rules = parse_csv(content)
    away = tables[UNITS]["Away from a venue (caravan)"]
    assert away["Caravans: sessions"] == 1
    assert away["Caravans: koma"] == Decimal("3.0")
    assert tables[PARTICIPANTS]["Away from a venue (caravan)"]["Participants in total"] == 8
    assert units.venues == 3  # the caravan's place is not a venue
    assert "'=HYPERLINK" in content.decode("utf-8-sig")
    _tables, _rules, book = parse_workbook(national_workbook(units))
    names = [c.value for c in book["Participants"]["A"]]
    cell = next(c for c in book["Participants"]["A"] if c.value == '=HYPERLINK("http://x","y")')
    assert cell.data_type == "s" and names[-1] == "Total"


def test_queries_are_fixed_whatever_the_number_of_venues(django_assert_max_num_queries, program):
    for n in range(5):
        SessionFactory(venue=VenueFactory(name=f"会場{n}"), starts_at=jst(2027, 7, 1 + n, 10))
    with django_assert_max_num_queries(9):  # six aggregates, the transaction, JIT off
        national_units(period=FY2027, as_of=AS_OF)


def test_the_koma_settings_come_from_the_environment_and_a_bad_one_stops_the_start():
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.NATIONAL_KOMA_MINUTES, s.NATIONAL_KOMA_ROUNDING, s.NATIONAL_CONSULTATION_KOMA)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "NATIONAL_KOMA_MINUTES": "45",
        "NATIONAL_KOMA_ROUNDING": "up",
        "NATIONAL_CONSULTATION_KOMA": "visits",
    }
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["45", "up", "visits"], result.stderr
    bad = run_settings(NATIONAL_KOMA_ROUNDING="nearest")
    assert bad.returncode != 0
    assert "NATIONAL_KOMA_ROUNDING must be exact, half_up, up or down" in bad.stderr
    assert "NATIONAL_KOMA_MINUTES must be from 1" in run_settings(NATIONAL_KOMA_MINUTES="0").stderr


def assert_totals_match(tables, figures) -> None:
    """Every total row of a parsed export against the internal report ``figures``."""
    kinds = {"class": "Classes", "consultation": "Consultations", "salon": "Salons"}
    kinds["caravan"] = "Caravans"
    by_kind = {r.key: r.values for r in figures.table("sessions_by_kind").rows}
    units, people = tables[UNITS]["Total"], tables[PARTICIPANTS]["Total"]
    assert units["All kinds: sessions"] == _fy(figures, "sessions_summary", "held")
    assert people["Participants in total"] == _fy(figures, "sessions_summary", "attendances_total")
    assert people["of which named"] == _fy(figures, "sessions_summary", "attended")
    assert people["Unique residents"] == _fy(figures, "participants_summary", "unique")
    for key, label in kinds.items():
        held, _seats, _filled, named, without, _no_shows = by_kind.get(key, (0,) * 6)
        assert units[f"{label}: sessions"] == held
        assert people[f"{label}: participants"] == named + without
    for label, key in zip(BANDS, BAND_KEYS, strict=True):
        band = tables[AGE_BANDS]["Total"]
        assert band[f"Attendances: {label}"] == _fy(figures, "participants_by_age_band", key, 0)
        assert band[f"Unique residents: {label}"] == _fy(
            figures, "participants_by_age_band", key, 1
        )
    levels = {str(t.pk): t.level for t in Topic.objects.all()}
    sums = {"basic": [0, 0], "applied": [0, 0], "": [0, 0]}
    for row in figures.table("sessions_by_topic").rows:
        level = levels.get(row.key, "")
        sums[level][0] += row.values[0]
        sums[level][1] += row.values[3] + row.values[4]
    for level, label in (("basic", "Basic"), ("applied", "Applied"), ("", "No topic")):
        assert tables[TOPICS]["Total"][f"{label}: sessions"] == sums[level][0]
        assert tables[TOPICS]["Total"][f"{label}: participants"] == sums[level][1]
    supporters = tables[SUPPORTERS]["Total"]
    for column, name in enumerate(("Supporters", "Sessions staffed", "Hours")):
        assert supporters[name] == _fy(figures, "supporters_by_kind", "total", column)


def test_the_demo_program_reconciles_with_its_fiscal_year_report(time_machine):
    from devtools.demo.builder import seed_demo

    time_machine.move_to(jst(2026, 12, 16, 18, 0))
    seed_demo(today=date(2026, 12, 16))
    fy2026 = fiscal_year_period(2026)
    units = national_units(period=fy2026)
    figures = report_figures(period=fy2026, as_of=units.as_of)
    assert figures.value("sessions_summary", "held") > 20
    assert figures.value("supporters_by_kind", "total", 2) > 0
    tables, _rules, _book = parse_workbook(national_workbook(units))
    assert_totals_match(tables, figures)
    assert_totals_match(parse_csv(national_csv(units))[0], figures)
    assert units.venues > 1
