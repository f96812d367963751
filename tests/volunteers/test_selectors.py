import pytest

from classes.models import Session
from tests.factories import AssignmentFactory, AvailabilityFactory, SupporterFactory
from tests.volunteers.helpers import jst, session_at
from volunteers.models import Assignment
from volunteers.selectors import candidates_for_session, sessions_understaffed, supporter_list

pytestmark = pytest.mark.django_db


def test_candidates_show_who_fits_first_and_why_others_do_not():
    # Tuesday 2031-06-10, 10:00-11:30 JST.
    session = session_at(jst(2031, 6, 10, 10))
    fits = SupporterFactory(name="適任", name_kana="あ")
    AvailabilityFactory(supporter=fits, weekday=1, start_time="09:00", end_time="12:00")
    busy = SupporterFactory(name="重複", name_kana="い")
    AvailabilityFactory(supporter=busy, weekday=1, start_time="09:00", end_time="12:00")
    AssignmentFactory(supporter=busy, session=session_at(jst(2031, 6, 10, 11)))
    full = SupporterFactory(name="上限", name_kana="う", max_sessions_per_month=1)
    AvailabilityFactory(supporter=full, weekday=1, start_time="09:00", end_time="12:00")
    AssignmentFactory(supporter=full, session=session_at(jst(2031, 6, 2)))
    not_usually = SupporterFactory(name="月曜のみ", name_kana="え")
    AvailabilityFactory(supporter=not_usually, weekday=0, start_time="09:00", end_time="12:00")
    too_short = SupporterFactory(name="午前短", name_kana="お")
    AvailabilityFactory(supporter=too_short, weekday=1, start_time="09:00", end_time="11:00")
    on_it = SupporterFactory(name="配置済")
    AssignmentFactory(supporter=on_it, session=session)
    SupporterFactory(name="休止", is_active=False)

    candidates = candidates_for_session(session=session)

    by_name = {c.supporter.name: c for c in candidates}
    assert candidates[0].supporter.name == "適任"
    assert set(by_name) == {"適任", "重複", "上限", "月曜のみ", "午前短"}
    assert (by_name["適任"].is_free, by_name["適任"].under_max, by_name["適任"].is_available) == (
        True,
        True,
        True,
    )
    assert by_name["重複"].is_free is False
    assert by_name["上限"].under_max is False and by_name["上限"].month_count == 1
    assert by_name["月曜のみ"].is_available is False
    assert by_name["午前短"].is_available is False
    assert [c.fits for c in candidates] == [True, False, False, False, False]


def test_candidates_spread_work_to_those_with_fewer_sessions_this_month():
    session = session_at(jst(2031, 6, 10, 10))
    busy_month = SupporterFactory(name="多い", name_kana="あ")
    quiet_month = SupporterFactory(name="少ない", name_kana="ん")
    for s in (busy_month, quiet_month):
        AvailabilityFactory(supporter=s, weekday=1, start_time="09:00", end_time="17:00")
    AssignmentFactory(supporter=busy_month, session=session_at(jst(2031, 6, 3)))

    names = [c.supporter.name for c in candidates_for_session(session=session)]

    assert names == ["少ない", "多い"]


def test_candidates_query_count_is_fixed(django_assert_num_queries):
    session = session_at(jst(2031, 6, 10, 10))
    for _ in range(10):
        AvailabilityFactory(supporter=SupporterFactory(), weekday=1)
    with django_assert_num_queries(2):
        candidates_for_session(session=session)


def test_supporter_list_counts_only_this_months_active_assignments():
    supporter = SupporterFactory()
    AssignmentFactory(supporter=supporter, session=session_at(jst(2031, 6, 3)))
    AssignmentFactory(
        supporter=supporter, session=session_at(jst(2031, 6, 4)), status=Assignment.Status.PROPOSED
    )
    AssignmentFactory(
        supporter=supporter, session=session_at(jst(2031, 6, 5)), status=Assignment.Status.DECLINED
    )
    AssignmentFactory(
        supporter=supporter, session=session_at(jst(2031, 6, 6), status=Session.Status.CANCELLED)
    )
    AssignmentFactory(supporter=supporter, session=session_at(jst(2031, 7, 1, 0, 30)))

    row = supporter_list(month=jst(2031, 6, 15).date()).get(pk=supporter.pk)

    assert row.month_count == 2


def test_sessions_understaffed_still_lists_sessions_short_of_supporters():
    short = session_at(jst(2031, 6, 10), supporters_needed=2)
    AssignmentFactory(session=short)
    staffed = session_at(jst(2031, 6, 11), supporters_needed=1)
    AssignmentFactory(session=staffed)

    rows = sessions_understaffed(start=jst(2031, 6, 1), end=jst(2031, 7, 1))

    assert list(rows) == [short]
