"""A small program built by hand for the report tests, FY2027 (2027-04-01..2028-03-31, which
holds the leap day 2028-02-29). The expected figures are worked out in test_figures.py.

Times are Japan time (JST). ``AS_OF`` is after the fiscal year, so every session not cancelled
counts as held.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from classes.models import Consultation, Organiser, Registration, Session
from loans.models import Loan, LoanCheckIn
from reports.models import Kpi, KpiTarget
from residents.models import Household, SkillAnswer, SkillAssessment, SkillItem
from residents.services_skills import skill_items_ensure
from tests.factories import (
    AssignmentFactory,
    LoanFactory,
    OrganiserFactory,
    RegistrationFactory,
    ResidentFactory,
    SessionFactory,
    SupporterFactory,
    TopicFactory,
    VenueFactory,
)
from volunteers.models import Assignment, Supporter

JST = ZoneInfo("Asia/Tokyo")
AS_OF = datetime(2028, 6, 1, 12, 0, tzinfo=JST)
ATTENDED = Registration.Attendance.ATTENDED
ABSENT = Registration.Attendance.ABSENT


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST)


@dataclass
class Program:
    central: object
    onahama: object
    city: Organiser
    npo: Organiser
    sessions: dict
    residents: dict


def _session(**kwargs) -> Session:
    kwargs.setdefault("ends_at", kwargs["starts_at"] + timedelta(minutes=90))
    return SessionFactory(**kwargs)


def _reg(session, resident, attendance="", status=Registration.Status.REGISTERED, **kw):
    return RegistrationFactory(
        session=session, resident=resident, attendance=attendance, status=status, **kw
    )


def build_program() -> Program:
    central = VenueFactory(name="中央公民館", code="central", district="平")
    onahama = VenueFactory(name="小名浜公民館", code="onahama", district="小名浜")
    city = OrganiserFactory(name="いわき市", kind=Organiser.Kind.CITY)
    npo = OrganiserFactory(name="NPOスマホ会", kind=Organiser.Kind.PARTNER)
    basics = TopicFactory(code="B01", title="電源とボタン")
    line = TopicFactory(code="B05", title="LINE")

    r = {
        # Born on a leap day: 79 on 2028-02-28, 80 on 2028-02-29.
        "A": ResidentFactory(
            birth_date=date(1948, 2, 29), district="平", household=Household.ALONE
        ),
        "B": ResidentFactory(
            birth_date=date(1957, 6, 15), district="平", household=Household.ALONE
        ),
        "C": ResidentFactory(
            birth_date=date(1940, 1, 1), district="小名浜", household=Household.SENIORS_ONLY
        ),
        "D": ResidentFactory(birth_date=None, district="", household=""),
        "E": ResidentFactory(
            birth_date=date(1965, 4, 1), district="平", household=Household.WITH_FAMILY
        ),
        # Came before the fiscal year: not a first-time resident in FY2027.
        "P": ResidentFactory(
            birth_date=date(1950, 4, 1), district="平", household=Household.WITH_FAMILY
        ),
    }
    s = {}
    # FY2026, the last evening of March.
    s["S0"] = _session(
        kind=Session.Kind.CLASS,
        venue=central,
        organiser=city,
        topic=basics,
        starts_at=jst(2027, 3, 31, 20, 0),
        seats=10,
        supporters_needed=1,
    )
    _reg(s["S0"], r["P"], ATTENDED)
    # FY2027's first morning: 08:30 JST is still 31 March in UTC.
    s["S1"] = _session(
        kind=Session.Kind.CLASS,
        venue=central,
        organiser=city,
        topic=basics,
        starts_at=jst(2027, 4, 1, 8, 30),
        seats=10,
        supporters_needed=2,
    )
    _reg(s["S1"], r["A"], ATTENDED)
    _reg(s["S1"], r["B"], ATTENDED)
    _reg(s["S1"], r["P"], ATTENDED)
    _reg(s["S1"], r["C"], ABSENT)
    _reg(s["S1"], r["D"], status=Registration.Status.WAITLISTED)
    # The leap day.
    s["S2"] = _session(
        kind=Session.Kind.CLASS,
        venue=central,
        organiser=city,
        topic=line,
        starts_at=jst(2028, 2, 29, 10, 0),
        seats=5,
        supporters_needed=1,
    )
    _reg(s["S2"], r["A"], ATTENDED)
    _reg(s["S2"], r["E"], ATTENDED, is_walk_in=True)
    _reg(s["S2"], r["B"], status=Registration.Status.CANCELLED)
    # A salon at the other venue run by the partner group, three walk-ins counted without names.
    s["S3"] = _session(
        kind=Session.Kind.SALON,
        venue=onahama,
        organiser=npo,
        topic=None,
        starts_at=jst(2028, 2, 28, 13, 0),
        seats=None,
        supporters_needed=1,
        walk_in_count=3,
    )
    _reg(s["S3"], r["A"], ATTENDED)
    _reg(s["S3"], r["C"], ATTENDED)
    _reg(s["S3"], r["D"], ATTENDED)
    # Cancelled: counted only as cancelled.
    s["S4"] = _session(
        kind=Session.Kind.CLASS,
        venue=onahama,
        organiser=npo,
        topic=line,
        starts_at=jst(2027, 6, 10, 10, 0),
        seats=8,
        status=Session.Status.CANCELLED,
    )
    _reg(s["S4"], r["B"])
    # A consultation desk: A booked and came (LINE, resolved); two anonymous walk-ups (LINE not
    # resolved, My Number resolved); D registered by phone and came, no category recorded;
    # C booked and did not come (not a consultation).
    s["S5"] = _session(
        kind=Session.Kind.CONSULTATION,
        venue=central,
        organiser=city,
        topic=None,
        starts_at=jst(2027, 10, 5, 10, 0),
        seats=None,
        supporters_needed=0,
    )
    _reg(s["S5"], r["A"], ATTENDED)
    _reg(s["S5"], r["D"], ATTENDED)
    _reg(s["S5"], r["C"], ABSENT)
    for minutes, resident, category, resolved in (
        (0, r["A"], Consultation.Category.LINE, True),
        (20, None, Consultation.Category.LINE, False),
        (40, None, Consultation.Category.MY_NUMBER, True),
        (60, r["C"], Consultation.Category.UNKNOWN, False),
    ):
        Consultation.objects.create(
            session=s["S5"],
            resident=resident,
            slot_start=s["S5"].starts_at + timedelta(minutes=minutes),
            category=category,
            resolved=resolved,
        )
    # FY2028: outside.
    s["S6"] = _session(
        kind=Session.Kind.CLASS,
        venue=central,
        organiser=city,
        topic=basics,
        starts_at=jst(2028, 4, 1, 10, 0),
        seats=10,
    )
    _reg(s["S6"], r["E"], ATTENDED)

    # Loans (venue in brackets).
    def loan(venue, start, due, **kw):
        return LoanFactory(venue=venue, resident=r["A"], start_date=start, due_date=due, **kw)

    loan(  # L1 [central]: started before the year, returned in it with an own device.
        central,
        date(2027, 1, 10),
        date(2027, 7, 10),
        status=Loan.Status.RETURNED,
        returned_on=date(2027, 7, 1),
        outcome=Loan.Outcome.OWN_DEVICE,
    )
    l2 = loan(central, date(2027, 5, 1), date(2028, 5, 1), renewals=1)  # L2: renewed, active
    l3 = loan(onahama, date(2027, 6, 1), date(2027, 12, 1))  # L3 [onahama]: active, overdue
    loan(  # L4 [onahama]: returned on the leap day without an own device.
        onahama,
        date(2027, 8, 1),
        date(2028, 2, 1),
        status=Loan.Status.RETURNED,
        returned_on=date(2028, 2, 29),
        outcome=Loan.Outcome.RETURNED_WITHOUT,
    )
    loan(  # L5 [central]: lost, no return date: ends on its due date, 2028-03-01.
        central,
        date(2027, 9, 1),
        date(2028, 3, 1),
        status=Loan.Status.LOST,
        outcome=Loan.Outcome.LOST,
    )
    l6 = loan(  # L6 [central]: started in March 2028, returned after the year.
        central,
        date(2028, 3, 1),
        date(2028, 9, 1),
        status=Loan.Status.RETURNED,
        returned_on=date(2028, 4, 15),
        outcome=Loan.Outcome.OWN_DEVICE,
        renewals=2,
    )
    l7 = loan(  # L7 [central]: entirely in FY2026.
        central,
        date(2026, 6, 1),
        date(2026, 12, 1),
        status=Loan.Status.RETURNED,
        returned_on=date(2026, 12, 1),
        outcome=Loan.Outcome.OWN_DEVICE,
        renewals=1,
    )
    for target, on, satisfaction, functions in (
        (l2, date(2027, 6, 1), 4, "calls,line"),
        (l3, date(2027, 7, 1), 5, "line,camera,maps"),
        (l6, date(2028, 3, 31), 3, ""),
        (l7, date(2027, 3, 15), 1, "calls"),  # before the year
    ):
        LoanCheckIn.objects.create(
            loan=target,
            on=on,
            channel=LoanCheckIn.Channel.PHONE,
            satisfaction=satisfaction,
            functions_used=functions,
        )

    student = SupporterFactory(kind=Supporter.Kind.STUDENT, organisation="いわき明星大学")
    volunteer = SupporterFactory(kind=Supporter.Kind.VOLUNTEER, organisation="")
    worker = SupporterFactory(kind=Supporter.Kind.DIGITAL_SUPPORTER, organisation="NPO")
    approved = jst(2028, 3, 31, 9, 0)
    # S1: 120 approved minutes (the 90-minute span is ignored) + a 90-minute span.
    AssignmentFactory(
        session=s["S1"],
        supporter=student,
        approved_minutes=120,
        hours_approved_at=approved,
        checked_in_at=jst(2027, 4, 1, 8, 30),
        checked_out_at=jst(2027, 4, 1, 10, 0),
    )
    AssignmentFactory(
        session=s["S1"],
        supporter=volunteer,
        checked_in_at=jst(2027, 4, 1, 8, 30),
        checked_out_at=jst(2027, 4, 1, 10, 0),
    )
    # S2: a proposal without hours; a declined one with approved minutes (not counted).
    AssignmentFactory(session=s["S2"], supporter=student, status=Assignment.Status.PROPOSED)
    AssignmentFactory(
        session=s["S2"],
        supporter=worker,
        status=Assignment.Status.DECLINED,
        approved_minutes=60,
        hours_approved_at=approved,
    )
    # S3: the only assignment was cancelled: one unfilled slot.
    AssignmentFactory(session=s["S3"], supporter=worker, status=Assignment.Status.CANCELLED)
    # S4 (cancelled session) and S0 (FY2026): not counted.
    AssignmentFactory(
        session=s["S4"], supporter=volunteer, approved_minutes=60, hours_approved_at=approved
    )
    AssignmentFactory(
        session=s["S0"], supporter=student, approved_minutes=30, hours_approved_at=approved
    )
    # S5: needs nobody, a 45-minute span.
    AssignmentFactory(
        session=s["S5"],
        supporter=worker,
        checked_in_at=jst(2027, 10, 5, 10, 0),
        checked_out_at=jst(2027, 10, 5, 10, 45),
    )

    # KPIs as in kpis.csv, plus one the program's data cannot give.
    kpis = {
        "classes_held": Kpi.objects.create(
            code="classes_held",
            name="ICT講座の開催回数",
            unit="回/年",
            baseline_fy=2020,
            baseline_value=Decimal(1),
            target_fy=2024,
            target_value=Decimal(8),
        ),
        "participants_unique": Kpi.objects.create(
            code="participants_unique", name="講座の参加者数（実人数）", unit="人/年"
        ),
        "loans_started": Kpi.objects.create(
            code="loans_started",
            name="スマートフォン貸与件数",
            unit="件/年",
            target_fy=2027,
            target_value=Decimal(10),
        ),
        "loan_ownership_rate": Kpi.objects.create(
            code="loan_ownership_rate", name="貸与終了後の端末保有率", unit="%"
        ),
        "supporter_hours": Kpi.objects.create(
            code="supporter_hours", name="サポーター活動時間", unit="時間/年"
        ),
        "digital_literacy": Kpi.objects.create(
            code="digital_literacy", name="デジタル活用に自信がある市民の割合", unit="%"
        ),
    }
    for code, value in (
        ("classes_held", 4),
        ("loan_ownership_rate", 50),
        ("supporter_hours", 10),
    ):
        KpiTarget.objects.create(kpi=kpis[code], fiscal_year=2027, target_value=Decimal(value))
    KpiTarget.objects.create(kpi=kpis["classes_held"], fiscal_year=2026, target_value=99)
    build_skills(r)
    return Program(central, onahama, city, npo, s, r)


BEFORE, AFTER, FOLLOW_UP = (
    SkillAssessment.Point.BEFORE,
    SkillAssessment.Point.AFTER,
    SkillAssessment.Point.FOLLOW_UP,
)


def ask(resident, point, on, answers, uses=""):
    """One self-assessment: ``answers`` {item code: level}, ``uses`` "yes"/"no"/""."""
    assessment = SkillAssessment.objects.create(
        resident=resident,
        point=point,
        asked_on=on,
        channel=SkillAssessment.Channel.PHONE,
        uses_smartphone=uses,
    )
    items = {i.code: i for i in SkillItem.objects.filter(code__in=answers)}
    for code, level in answers.items():
        SkillAnswer.objects.create(assessment=assessment, item=items[code], level=level)
    return assessment


def build_skills(r) -> None:
    """The self-assessments of FY2027 (three items answered: power_buttons, calls, line; the
    expected figures are worked out in tests/reports/test_skill_figures.py), and a KPI on them:
    "can do 3 items after", baseline 20 % in FY2026, target 60 % for FY2027."""
    skill_items_ensure()
    can, help_, cannot = "can", "with_help", "cannot"
    # A: before on the year's first day, after twice (the later one counts), follow-up in March.
    ask(r["A"], BEFORE, date(2027, 4, 1), {"power_buttons": help_, "calls": can, "line": cannot})
    ask(r["A"], AFTER, date(2027, 6, 30), {"power_buttons": can, "calls": can, "line": help_})
    ask(r["A"], AFTER, date(2027, 9, 30), {"power_buttons": can, "calls": can, "line": can})
    ask(
        r["A"],
        FOLLOW_UP,
        date(2028, 3, 15),
        {"power_buttons": can, "calls": can, "line": can},
        uses="yes",
    )
    # B: before in FY2026 (counts as B's before), after without LINE, and a first-contact form
    # dated after the after one (not B's before for it).
    ask(
        r["B"], BEFORE, date(2027, 3, 20), {"power_buttons": cannot, "calls": help_, "line": cannot}
    )
    ask(r["B"], AFTER, date(2027, 5, 10), {"power_buttons": help_, "calls": can})
    ask(r["B"], BEFORE, date(2027, 6, 1), {"power_buttons": can, "calls": can, "line": can})
    # C: asked only after (no pair), can do all three.
    ask(r["C"], AFTER, date(2027, 8, 1), {"power_buttons": can, "calls": can, "line": can})
    # D: before and follow-up, no smartphone any more, never borrowed.
    ask(
        r["D"], BEFORE, date(2027, 5, 1), {"power_buttons": cannot, "calls": cannot, "line": cannot}
    )
    ask(
        r["D"],
        FOLLOW_UP,
        date(2027, 11, 1),
        {"power_buttons": help_, "calls": can, "line": cannot},
        uses="no",
    )
    # E: follow-up without a first contact.
    ask(r["E"], FOLLOW_UP, date(2027, 12, 1), {"power_buttons": can}, uses="yes")
    # P: first contact in the year, after in FY2028 (outside).
    ask(r["P"], BEFORE, date(2027, 4, 15), {"power_buttons": cannot})
    ask(r["P"], AFTER, date(2028, 4, 10), {"power_buttons": can})
    Kpi.objects.create(
        code="skills_after_3",
        name="講座等の終了時に3項目以上できる人の割合",
        name_en="Share who can do 3 items after the course",
        unit="%",
        baseline_fy=2026,
        baseline_value=Decimal(20),
        target_fy=2027,
        target_value=Decimal(60),
    )
