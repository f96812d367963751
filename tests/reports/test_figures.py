"""Every section of the fiscal-year report checked against figures worked out by hand for the
small program of ``program_fixture`` (FY2027, across the 31 March / 1 April boundary and the
leap day 2028-02-29)."""

from datetime import date
from decimal import Decimal

import pytest

from reports.figures import (
    Period,
    Scope,
    fiscal_year_of,
    fiscal_year_period,
    month_period,
    report_figures,
)
from tests.reports.program_fixture import AS_OF, build_program, jst

pytestmark = pytest.mark.django_db

FY2027 = fiscal_year_period(2027)


@pytest.fixture
def program():
    return build_program()


@pytest.fixture
def figures(program):
    return report_figures(period=FY2027, as_of=AS_OF)


def rows(figures, table_key):
    """{row key: values} of a table, total included."""
    return {row.key: row.values for row in figures.table(table_key).all_rows()}


def test_fiscal_year_runs_from_april_to_march():
    assert FY2027 == Period(date(2027, 4, 1), date(2028, 3, 31))
    assert fiscal_year_of(date(2028, 3, 31)) == 2027
    assert fiscal_year_of(date(2028, 4, 1)) == 2028
    assert fiscal_year_of(date(2028, 2, 29)) == 2027
    assert month_period(2028, 2) == Period(date(2028, 2, 1), date(2028, 2, 29))
    assert month_period(2027, 2).end == date(2027, 2, 28)
    assert FY2027.label() == "FY2027 (1 Apr 2027 – 31 Mar 2028)"  # tests run in English
    # 08:30 JST on 1 April is 23:30 UTC on 31 March: the period starts at JST midnight.
    assert FY2027.start_at.isoformat() == "2027-04-01T00:00:00+09:00"


def test_sessions_summary(figures):
    s = rows(figures, "sessions_summary")
    # S1, S2, S3, S5 held (S0 is FY2026 at 20:00 on 31 March, S6 is FY2028, S4 cancelled).
    assert s["held"] == (4,)
    assert s["cancelled"] == (1,)
    assert s["planned"] == (0,)
    # Seats: S1 10 + S2 5; the salon and the desk have no seat limit.
    assert s["seats_offered"] == (15,)
    # Registered on seated sessions: S1 A, B, P, C (D waits) + S2 A, E (B cancelled) = 6.
    assert s["seats_filled"] == (6,)
    assert s["fill"] == (Decimal("40.0"),)  # 6 / 15
    assert s["waitlisted"] == (1,)  # D at S1
    assert s["no_shows"] == (2,)  # C at S1 and at S5
    # Attended: S1 A, B, P (3) + S2 A, E (2) + S3 A, C, D (3) + S5 A, D (2) = 10; E walked in.
    assert s["attended"] == (10,)
    assert s["named_walk_ins"] == (1,)
    # Without names: 3 counted at the salon S3, 2 anonymous walk-ups at the desk S5.
    assert s["walk_ins"] == (5,)
    assert s["attendances_total"] == (15,)


def test_sessions_by_kind_venue_topic_and_month(figures, program):
    # columns: held, seats offered, seats filled, attended, walk-ins counted, no-shows
    kind = rows(figures, "sessions_by_kind")
    assert kind["class"] == (2, 15, 6, 5, 0, 1)  # S1, S2
    assert kind["salon"] == (1, 0, 0, 3, 3, 0)  # S3
    assert kind["consultation"] == (1, 0, 0, 2, 2, 1)  # S5
    assert kind["total"] == (4, 15, 6, 10, 5, 2)
    venue = rows(figures, "sessions_by_venue")
    assert venue[str(program.central.pk)] == (3, 15, 6, 7, 2, 2)  # S1, S2, S5
    assert venue[str(program.onahama.pk)] == (1, 0, 0, 3, 3, 0)  # S3 (S4 cancelled)
    topic_rows = {r.label: r.values for r in figures.table("sessions_by_topic").rows}
    assert topic_rows["B01 電源とボタン"] == (1, 10, 4, 3, 0, 1)  # S1
    assert topic_rows["B05 LINE"] == (1, 5, 2, 2, 0, 0)  # S2
    assert topic_rows["No topic"] == (2, 0, 0, 5, 5, 1)  # S3, S5
    month = rows(figures, "attendance_by_month")
    # columns: held, attended (named), walk-ins counted, total; twelve months April..March.
    assert len(figures.table("attendance_by_month").rows) == 12
    assert month["2027-04"] == (1, 3, 0, 3)
    assert month["2027-10"] == (1, 2, 2, 4)
    assert month["2028-02"] == (2, 5, 3, 8)
    assert month["2027-06"] == (0, 0, 0, 0)  # only the cancelled S4
    assert month["2028-03"] == (0, 0, 0, 0)
    assert month["total"] == (4, 10, 5, 15)


def test_participants_by_age_band_use_session_date_and_period_end(figures):
    p = rows(figures, "participants_summary")
    # Unique: A, B, C, D, E, P = 6; first-time: all but P (attended S0 in FY2026) = 5.
    assert p["attended"] == (10,)
    assert p["unique"] == (6,)
    assert p["first_time"] == (5,)
    band = rows(figures, "participants_by_age_band")
    # columns: attendances (age on the session date), unique, first-time (age on 2028-03-31).
    # A (born 1948-02-29): 79 at S1 (1 April 2027) and at S3 (28 Feb 2028, the birthday not yet
    # come in 2028), 80 at S2 on the leap day; 80 on 31 March 2028.
    # B (1957-06-15): 69 at S1, 70 on 31 March 2028. P (1950-04-01): 77 at S1 (his birthday).
    # A is 79 at S5 (5 October 2027) too.
    # C (1940-01-01): 88. E (1965-04-01): 62. D: no birth date.
    assert band["85+"] == (1, 1, 1)  # C at S3
    assert band["80-84"] == (1, 1, 1)  # A at S2; A unique
    assert band["75-79"] == (4, 1, 0)  # A at S1, S3, S5, P at S1; P unique, not first-time
    assert band["70-74"] == (0, 1, 1)  # B unique (70 at the period end)
    assert band["65-69"] == (1, 0, 0)  # B at S1
    assert band["under 65"] == (1, 1, 1)  # E at S2
    assert band["unknown"] == (2, 1, 1)  # D at S3 and S5
    assert band["total"] == (10, 6, 5)


def test_participants_by_district_and_household(figures):
    district = rows(figures, "participants_by_district")
    # 平: A four times, B, P, E = 7 attendances, 4 residents, 3 first-time (P is not).
    assert district["平"] == (7, 4, 3)
    assert district["小名浜"] == (1, 1, 1)  # C
    assert district["-"] == (2, 1, 1)  # D twice, no district recorded
    assert district["total"] == (10, 6, 5)
    household = rows(figures, "participants_by_household")
    assert household["alone"] == (5, 2, 2)  # A x4, B
    assert household["with_family"] == (2, 2, 1)  # P, E; P not first-time
    assert household["seniors_only"] == (1, 1, 1)  # C
    assert household["-"] == (2, 1, 1)  # D
    assert household["total"] == (10, 6, 5)


def test_consultations_by_category(figures):
    c = rows(figures, "consultations_by_category")
    # columns: consultations, of which without a name, resolved. At S5: A (LINE, resolved) and
    # a walk-up (LINE); a walk-up (My Number, resolved); D, who came without a category
    # recorded. C's booking is not counted: C did not come.
    assert c["line"] == (2, 1, 1)
    assert c["my_number"] == (1, 1, 1)
    assert c["-"] == (1, 0, 0)
    assert c["scam"] == (0, 0, 0)
    assert c["total"] == (4, 2, 2)
    # The same visits as the consultation desks' attendances in the sessions table.
    desk = rows(figures, "sessions_by_kind")["consultation"]
    assert c["total"][0] == desk[3] + desk[4]


def test_loans(figures):
    loans = rows(figures, "loans_summary")
    # Active on 31 March 2028: L2, L3, L6 (returned only on 2028-04-15).
    assert loans["active"] == (3,)
    assert loans["started"] == (5,)  # L2..L6
    assert loans["returned"] == (2,)  # L1 (2027-07-01), L4 (the leap day)
    assert loans["lost"] == (1,)  # L5, dated by its due date 2028-03-01
    assert loans["overdue"] == (1,)  # L3, due 2027-12-01
    # Renewals on loans that ran in the year: L2 1 + L6 2 (L7 ran in FY2026 only).
    assert loans["renewals"] == (3,)
    assert loans["renewed"] == (2,)
    # Ended with an outcome: L1 own device, L4 without, L5 lost -> 1 / 3.
    assert loans["own_share"] == (Decimal("33.3"),)
    outcome = rows(figures, "loans_by_outcome")
    assert outcome["own_device"] == (1,)
    assert outcome["returned_without"] == (1,)
    assert outcome["lost"] == (1,)
    assert outcome["total"] == (3,)
    follow = rows(figures, "loan_follow_ups")
    # In the year: L2 (4, calls+LINE), L3 (5, LINE+camera+maps), L6 (3, nothing); L7's is before.
    assert follow["check_ins"] == (3,)
    assert follow["satisfaction_avg"] == (Decimal("4.00"),)
    assert follow["satisfaction_5"] == (1,)
    assert follow["satisfaction_1"] == (0,)
    assert follow["uses_calls"] == (1,)
    assert follow["uses_line"] == (2,)
    assert follow["uses_maps"] == (1,)
    assert follow["uses_health"] == (0,)


def test_supporters_hours_sessions_and_unfilled_slots(figures):
    kind = rows(figures, "supporters_by_kind")
    # columns: supporters, sessions staffed, hours.
    # Student: S1 (120 approved minutes) + S2 (proposed, no hours) = 2.0 h in 2 sessions.
    assert kind["student"] == (1, 2, Decimal("2.0"))
    # Volunteer: S1 check-in 08:30 to 10:00 = 1.5 h (S4 was cancelled).
    assert kind["volunteer"] == (1, 1, Decimal("1.5"))
    # Digital-support worker: S5 45 minutes = 0.75 -> 0.8 h (declined and cancelled ignored).
    assert kind["digital_supporter"] == (1, 1, Decimal("0.8"))
    # 120 + 90 + 45 = 255 minutes = 4.25 -> 4.3 h; sessions staffed S1, S2, S5.
    assert kind["total"] == (3, 3, Decimal("4.3"))
    org = rows(figures, "supporters_by_organisation")
    assert org["いわき明星大学"] == (1, 2, Decimal("2.0"))
    assert org["-"] == (1, 1, Decimal("1.5"))
    slots = rows(figures, "supporter_slots")
    # columns: needed, filled, unfilled. Classes S1 (2 of 2) + S2 (1 proposed of 1).
    assert slots["class"] == (3, 3, 0)
    assert slots["salon"] == (1, 0, 1)  # S3: the only assignment was cancelled
    assert slots["consultation"] == (0, 0, 0)  # S5 needs nobody; the extra one is not negative
    assert slots["total"] == (4, 3, 1)


def test_kpi_table(figures):
    k = rows(figures, "kpis")
    # columns: unit, baseline, target for the year, actual, achievement %
    # Classes held: S1, S2 = 2 of the administrator's FY2027 target 4 -> 50.0 %.
    assert k["classes_held"] == ("回/年", "1 (FY2020)", Decimal(4), 2, Decimal("50.0"))
    # No FY2027 target anywhere: actual only.
    assert k["participants_unique"][2:] == (None, 6, None)
    # The plan's own FY2027 target 10 applies: 5 / 10.
    assert k["loans_started"][2:] == (Decimal(10), 5, Decimal("50.0"))
    # 33.3 % of a 50 % target.
    assert k["loan_ownership_rate"][2:] == (Decimal(50), Decimal("33.3"), Decimal("66.6"))
    assert k["supporter_hours"][2:] == (Decimal(10), Decimal("4.3"), Decimal("43.0"))
    # Not computable from the program's data: "—" with a note naming it.
    assert k["digital_literacy"][3:] == (None, None)
    assert "デジタル活用に自信がある市民の割合" in figures.table("kpis").note


def test_kpi_names_follow_the_report_language(program):
    from django.utils import translation

    from reports.models import Kpi

    Kpi.objects.filter(code="classes_held").update(name_en="ICT classes held")
    with translation.override("en"):
        english = {
            r.key: r.label for r in report_figures(period=FY2027, as_of=AS_OF).table("kpis").rows
        }
    with translation.override("ja"):
        japanese = {
            r.key: r.label for r in report_figures(period=FY2027, as_of=AS_OF).table("kpis").rows
        }
    assert english["classes_held"] == "ICT classes held"
    assert japanese["classes_held"] == "ICT講座の開催回数"
    # Without an English name the Japanese one is printed in both.
    assert english["loans_started"] == japanese["loans_started"] == "スマートフォン貸与件数"


def test_previous_fiscal_year_gets_the_last_evening_of_march(program):
    figures = report_figures(period=fiscal_year_period(2026), as_of=AS_OF)
    s = rows(figures, "sessions_summary")
    assert s["held"] == (1,)  # S0 at 20:00 JST on 31 March 2027
    assert s["attended"] == (1,)
    p = rows(figures, "participants_summary")
    assert p["first_time"] == (1,)  # P's first visit
    # L7 ran in FY2026 and was returned with an own device; L1 started in January 2027.
    loans = rows(figures, "loans_summary")
    assert loans["started"] == (2,)
    assert loans["own_share"] == (Decimal("100.0"),)
    # The FY2026 target of classes held is the administrator's 99.
    assert rows(figures, "kpis")["classes_held"][2] == Decimal(99)


def test_month_of_the_leap_day(program):
    figures = report_figures(period=month_period(2028, 2), as_of=AS_OF)
    s = rows(figures, "sessions_summary")
    assert s["held"] == (2,)  # S2 on the 29th, S3 on the 28th
    assert s["attendances_total"] == (8,)
    month = rows(figures, "attendance_by_month")
    assert list(month) == ["2028-02", "total"]
    loans = rows(figures, "loans_summary")
    assert loans["returned"] == (1,)  # L4 on the 29th
    # The month's KPI actuals are compared with the fiscal year's targets.
    assert rows(figures, "kpis")["classes_held"][3:] == (1, Decimal("25.0"))


def test_sessions_after_as_of_are_planned_not_held(program):
    figures = report_figures(period=FY2027, as_of=jst(2028, 2, 29, 9, 0))
    s = rows(figures, "sessions_summary")
    assert s["held"] == (3,)  # S2 at 10:00 on the leap day is still to come
    assert s["planned"] == (1,)
    assert s["attended"] == (8,)  # S1 3 + S3 3 + S5 2


def test_venue_scope(program):
    scope = Scope(Scope.VENUE, program.onahama.pk, program.onahama.name)
    figures = report_figures(period=FY2027, scope=scope, as_of=AS_OF)
    s = rows(figures, "sessions_summary")
    assert s["held"] == (1,)  # S3 (S4 cancelled)
    assert s["cancelled"] == (1,)
    assert rows(figures, "participants_summary")["unique"] == (3,)  # A, C, D
    loans = rows(figures, "loans_summary")
    assert loans["started"] == (2,)  # L3, L4
    assert loans["overdue"] == (1,)
    assert rows(figures, "loan_follow_ups")["check_ins"] == (1,)  # L3's
    assert rows(figures, "supporter_slots")["total"] == (1, 0, 1)


def test_organiser_scope_has_no_loans(program):
    scope = Scope(Scope.ORGANISER, program.npo.pk, program.npo.name)
    figures = report_figures(period=FY2027, scope=scope, as_of=AS_OF)
    assert rows(figures, "sessions_summary")["held"] == (1,)  # S3
    assert rows(figures, "consultations_by_category")["total"] == (0, 0, 0)
    loans = figures.section("loans")
    assert loans.tables == ()
    assert "organiser" in loans.note
    # The KPI rows that depend on loans show "—".
    assert rows(figures, "kpis")["loans_started"][3] is None


def test_every_kpi_of_kpis_csv_has_a_computed_actual(settings, program):
    """The KPI definitions the program ships are all computed from its data (none shows —)."""
    from dashboard.program_data import program_data_load
    from reports.models import Kpi, KpiTarget

    Kpi.objects.filter(code="digital_literacy").delete()
    KpiTarget.objects.all().delete()
    program_data_load(directory=settings.PROGRAM_DATA_DIR)
    assert Kpi.objects.count() >= 5
    figures = report_figures(period=FY2027, as_of=AS_OF)
    kpis = rows(figures, "kpis")
    assert set(kpis) == set(Kpi.objects.values_list("code", flat=True))
    for code, values in kpis.items():
        assert values[3] is not None, code
    assert figures.table("kpis").note == ""
    # Sukagawa's plan: baseline 1 class in FY2020; its FY2024 target of 8 is not FY2027's.
    assert kpis["classes_held"][1:3] == ("1 (FY2020)", None)
