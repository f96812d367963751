"""The attendance sheet (出席簿) PDF of one session, read back with pypdf."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from classes.models import Registration, Session
from reports.attendance import AttendanceSheetRenderer, japanese_date
from reports.selectors import attendance_sheet_sessions
from tests.factories import (
    AssignmentFactory,
    OrganiserFactory,
    RegistrationFactory,
    ResidentFactory,
    SessionFactory,
    SupporterFactory,
    TopicFactory,
)
from tests.reports.pdf_helpers import assert_only_embedded_ipaex, pdf_pages_text

STARTS = datetime(2026, 12, 3, 10, 0)  # a Thursday, JST


def make_session(venue, **kwargs) -> Session:
    starts = timezone.make_aware(STARTS)
    defaults = {
        "venue": venue,
        "starts_at": starts,
        "ends_at": starts.replace(hour=11, minute=30),
        "topic": TopicFactory(code="B07", title="LINEの使い方"),
        "organiser": OrganiserFactory(name="いわき市"),
        "seats": 20,
    }
    defaults.update(kwargs)
    return SessionFactory(**defaults)


def register(session, name, kana, **kwargs) -> Registration:
    resident_fields = {
        key: kwargs.pop(key)
        for key in ("birth_date", "district", "accessibility_needs")
        if key in kwargs
    }
    resident = ResidentFactory(name=name, name_kana=kana, **resident_fields)
    return RegistrationFactory(session=session, resident=resident, **kwargs)


def render(session) -> bytes:
    loaded = attendance_sheet_sessions(venue_ids=None).get(pk=session.pk)
    return AttendanceSheetRenderer(loaded).render()


def test_japanese_date_has_the_weekday():
    assert japanese_date(date(2026, 12, 3)) == "2026年12月3日(木)"
    assert japanese_date(date(2027, 1, 3)) == "2027年1月3日(日)"


@pytest.mark.django_db
def test_sheet_shows_the_session_and_its_registered_residents(venue):
    session = make_session(venue)
    AssignmentFactory(session=session, supporter=SupporterFactory(name="佐々木 美咲"), is_lead=True)
    AssignmentFactory(
        session=session, supporter=SupporterFactory(name="高橋 健太"), status="proposed"
    )
    AssignmentFactory(
        session=session, supporter=SupporterFactory(name="辞退 次郎"), status="declined"
    )
    register(
        session,
        "山田 太郎",
        "ヤマダ タロウ",
        birth_date=date(1945, 5, 3),
        district="小名浜",
        accessibility_needs="補聴器使用",
    )
    register(session, "佐藤 和子", "サトウ カズコ", companion="長女")
    register(session, "待機 花子", "タイキ ハナコ", status=Registration.Status.WAITLISTED)
    register(session, "取消 三郎", "トリケシ サブロウ", status=Registration.Status.CANCELLED)

    pages = pdf_pages_text(render(session))

    assert len(pages) == 1
    text = pages[0]
    for expected in (
        "出席簿",
        "いわき市中央公民館",
        "2026年12月3日(木)",
        "10:00〜11:30",
        "スマホ教室",
        "LINEの使い方",
        "いわき市",
        "佐々木 美咲",
        "高橋 健太",
        "山田 太郎",
        "ヤマダ タロウ",
        "佐藤 和子",
        "サトウ カズコ",
        "小名浜",
        "81",  # 山田 太郎's age on the day of the session
        "補聴器使用",
        "付き添い: 長女",
        "氏名",
        "ふりがな",
        "署名",
        "1 / 1",
    ):
        assert expected in text, expected
    assert "待機 花子" not in text
    assert "取消 三郎" not in text
    assert "辞退 次郎" not in text


@pytest.mark.django_db
def test_residents_are_listed_in_kana_order_then_blank_rows(venue):
    session = make_session(venue)
    register(session, "渡辺 清", "ワタナベ キヨシ")
    register(session, "伊藤 茂", "イトウ シゲル")
    register(session, "中村 千代子", "ナカムラ チヨコ")

    text = pdf_pages_text(render(session))[0]

    positions = [text.index(name) for name in ("伊藤 茂", "中村 千代子", "渡辺 清")]
    assert positions == sorted(positions)
    # Three residents, then five blank rows numbered on (4..8) for walk-ins, each with a box.
    assert text.count("□") == 8
    assert "\n8\n □\n当日参加の方は空欄にご記入ください" in text


@pytest.mark.django_db
def test_attended_residents_are_ticked(venue):
    session = make_session(venue)
    register(
        session, "出席 一郎", "シュッセキ イチロウ", attendance=Registration.Attendance.ATTENDED
    )
    register(session, "未定 二郎", "ミテイ ジロウ")

    text = pdf_pages_text(render(session))[0]

    assert text.count("✓") == 1
    after_attended = text.split("出席 一郎", 1)[1].split("未定 二郎", 1)[0]
    assert "✓" in after_attended


@pytest.mark.django_db
def test_forty_registrants_take_two_pages_with_the_header_repeated(venue):
    session = make_session(venue, seats=40)
    for number in range(40):
        register(session, f"市民 {number:02d}号", f"シミン {chr(0x30A2 + number * 2)}")

    pages = pdf_pages_text(render(session))

    assert len(pages) == 2
    for number, text in enumerate(pages, start=1):
        assert "氏名" in text and "ふりがな" in text and "署名" in text
        assert f"{number} / 2" in text
    everything = "".join(pages)
    assert all(f"市民 {n:02d}号" in everything for n in range(40))
    assert "市民 39号" in pages[1]


@pytest.mark.django_db
def test_caravan_prints_its_place(db):
    session = make_session(None, kind=Session.Kind.CARAVAN, place="草野団地集会所")

    text = pdf_pages_text(render(session))[0]

    assert "お助けキャラバン" in text
    assert "草野団地集会所" in text


@pytest.mark.django_db
def test_font_is_embedded_ipaex_only(venue):
    session = make_session(venue)
    register(session, "山田 太郎", "ヤマダ タロウ")

    assert_only_embedded_ipaex(render(session))


@pytest.mark.django_db
def test_rendering_makes_no_query_after_the_selector(venue, django_assert_num_queries):
    session = make_session(venue)
    for _ in range(5):
        register(session, "市民", "シミン")
    AssignmentFactory(session=session)

    with django_assert_num_queries(3):
        loaded = attendance_sheet_sessions(venue_ids=None).get(pk=session.pk)
    with django_assert_num_queries(0):
        AttendanceSheetRenderer(loaded).render()


@pytest.mark.django_db
def test_cancelled_session_says_so_in_the_title(venue):
    session = make_session(venue, status=Session.Status.CANCELLED)

    assert "出席簿（中止）" in pdf_pages_text(render(session))[0]


@pytest.mark.django_db
def test_a_long_caravan_address_stays_on_one_footer_line(db):
    place = "いわき市平字草野団地第二集会所（草野団地バス停前、駐車場は裏手の市営駐車場をご利用ください）"
    session = make_session(None, kind=Session.Kind.CARAVAN, place=place)

    text = pdf_pages_text(render(session))[0]

    assert place in text.replace("\n", "")  # in full in the header table
    footer = text.rstrip().splitlines()[-2:]
    assert footer[0].startswith("個人情報を含みます。") and footer[0].endswith("…")
    assert footer[1] == "1 / 1"


def _summary_line(text: str) -> str:
    """The boxes at the foot of the sheet: attendees, of which walk-ins, recorded by."""
    return text[text.index("出席者数") : text.index("記入者")]


@pytest.mark.django_db
def test_totals_are_filled_in_once_attendance_is_recorded(venue):
    session = make_session(venue)
    attended = Registration.Attendance.ATTENDED
    register(session, "出席 一郎", "シュッセキ イチロウ", attendance=attended)
    register(session, "出席 二郎", "シュッセキ ジロウ", attendance=attended, is_walk_in=True)
    register(session, "欠席 三郎", "ケッセキ サブロウ", attendance=Registration.Attendance.ABSENT)

    line = _summary_line(pdf_pages_text(render(session))[0])

    assert "出席者数 2 名" in line and "うち当日参加 1 名" in line


@pytest.mark.django_db
def test_a_salons_counted_walk_ins_are_in_the_totals(venue):
    session = make_session(venue, kind=Session.Kind.SALON, seats=None, walk_in_count=4)
    register(
        session, "出席 一郎", "シュッセキ イチロウ", attendance=Registration.Attendance.ATTENDED
    )

    line = _summary_line(pdf_pages_text(render(session))[0])

    assert "出席者数 5 名" in line and "うち当日参加 4 名" in line


@pytest.mark.django_db
def test_totals_stay_blank_to_fill_in_by_hand_before_attendance(venue):
    session = make_session(venue)
    register(session, "未定 一郎", "ミテイ イチロウ")

    line = _summary_line(pdf_pages_text(render(session))[0])

    assert not any(ch.isdigit() for ch in line)
