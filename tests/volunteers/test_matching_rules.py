"""The matching rules on plain data: every hard rule holds in what the solver proposes, the
greedy baseline keeps them too, and empty places are explained. No database."""

from datetime import date, datetime, time, timedelta

import pytest

from devtools.matching_bench import generate
from devtools.matching_greedy import solve_greedy
from volunteers import matching as m

MON = date(2027, 1, 11)  # a Monday
TUE = MON + timedelta(days=1)
FAST = 3.0  # seconds; the instances here are tiny


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=m.TOKYO)


def slot(pk, day=MON, start=(10, 0), minutes=120, **kw) -> m.Slot:
    begin = at(day, *start)
    kw.setdefault("needed", 1)
    return m.Slot(id=pk, start=begin, end=begin + timedelta(minutes=minutes), **kw)


def person(pk, *, weekdays=(0, 1, 2, 3, 4, 5, 6), skills=(), **kw) -> m.SupporterData:
    kw.setdefault("training_completed_on", date(2026, 4, 1))
    kw.setdefault("insurance_valid_until", date(2027, 3, 31))
    windows = tuple(m.Window(d, time(8), time(21)) for d in weekdays)
    return m.SupporterData(id=pk, skills=frozenset(skills), windows=windows, **kw)


def run(problem: m.Problem) -> m.MatchResult:
    result = m.solve(problem, time_limit=FAST)
    assert m.check(problem, result.placements) == []
    greedy = solve_greedy(problem)
    assert m.check(problem, greedy.placements) == []
    return result


def placed(result: m.MatchResult) -> set[tuple[int, int]]:
    return {(p.slot_id, p.supporter_id) for p in result.placements}


def reasons(result: m.MatchResult) -> dict[int, str]:
    return {g.slot_id: g.reason for g in result.gaps}


def test_only_available_supporters_are_placed():
    problem = m.Problem(slots=[slot(1, MON), slot(2, TUE)], supporters=[person(7, weekdays=(0,))])
    result = run(problem)
    assert placed(result) == {(1, 7)}
    assert reasons(result) == {2: m.NO_ONE_AVAILABLE}


def test_window_must_hold_the_whole_session():
    late = person(7, weekdays=())
    late = m.SupporterData(**{**late.__dict__, "windows": (m.Window(0, time(11), time(17)),)})
    result = run(m.Problem(slots=[slot(1, MON, start=(10, 0))], supporters=[late]))
    assert placed(result) == set()
    assert reasons(result) == {1: m.NO_ONE_AVAILABLE}


def test_exception_dates_block_and_add_availability():
    exam_week = m.DateException(MON, MON + timedelta(days=4), available=False)
    free_sunday = m.DateException(
        MON - timedelta(days=1), MON - timedelta(days=1), True, time(9), time(17)
    )
    student = person(7, weekdays=(0,), exceptions=(exam_week, free_sunday))
    slots = [
        slot(1, MON),  # inside the exam week
        slot(2, MON + timedelta(days=7)),  # the next Monday
        slot(3, MON - timedelta(days=1)),  # the extra Sunday
    ]
    result = run(m.Problem(slots=slots, supporters=[student]))
    assert placed(result) == {(2, 7), (3, 7)}
    assert reasons(result) == {1: m.NO_ONE_AVAILABLE}


def test_part_day_exception_blocks_only_those_hours():
    dentist = m.DateException(MON, MON, False, time(9), time(11))
    result = run(
        m.Problem(
            slots=[slot(1, MON, start=(10, 0)), slot(2, MON, start=(14, 0))],
            supporters=[person(7, exceptions=(dentist,))],
        )
    )
    assert placed(result) == {(2, 7)}


@pytest.mark.parametrize(
    ("travel", "both_placed"), [(30, False), (5, True)], ids=["too-far", "close-enough"]
)
def test_no_overlap_including_travel_time(travel, both_placed):
    slots = [
        slot(1, MON, start=(10, 0), minutes=120, district="平"),
        slot(2, MON, start=(12, 10), minutes=60, district="小名浜"),
    ]
    problem = m.Problem(slots=slots, supporters=[person(7)], travel={("小名浜", "平"): travel})
    result = run(problem)
    assert len(result.placements) == (2 if both_placed else 1)
    if not both_placed:
        assert list(reasons(result).values()) == [m.BUSY_ELSEWHERE]


def test_back_to_back_in_one_district_is_fine_but_overlap_is_not():
    slots = [
        slot(1, MON, start=(10, 0), minutes=120, district="平"),
        slot(2, MON, start=(12, 0), minutes=60, district="平"),
        slot(3, MON, start=(11, 0), minutes=90, district="平"),
    ]
    result = run(m.Problem(slots=slots, supporters=[person(7)]))
    assert placed(result) == {(1, 7), (2, 7)}


def test_existing_assignment_elsewhere_blocks_the_time():
    busy = m.Busy(at(MON, 9), at(MON, 11), "平")
    result = run(m.Problem(slots=[slot(1, MON)], supporters=[person(7, busy=(busy,))]))
    assert placed(result) == set()
    assert reasons(result) == {1: m.BUSY_ELSEWHERE}


def test_required_skills():
    slots = [slot(1, skills=frozenset({"iphone", "line"}))]
    only_line = person(7, skills=("line",))
    result = run(m.Problem(slots=slots, supporters=[only_line]))
    assert placed(result) == set()
    assert reasons(result) == {1: m.NO_ONE_WITH_SKILL}
    both = person(8, skills=("line", "iphone"))
    assert placed(run(m.Problem(slots=slots, supporters=[only_line, both]))) == {(1, 8)}


def test_lead_is_placed_where_needed():
    slots = [slot(1, needed=2, lead_needed=True)]
    people = [person(7), person(8, skills=("lead",)), person(9)]
    result = run(m.Problem(slots=slots, supporters=people))
    leads = [p for p in result.placements if p.is_lead]
    assert [p.supporter_id for p in leads] == [8]
    assert len(result.placements) == 2


def test_without_anyone_who_can_lead_the_lead_place_stays_empty():
    slots = [slot(1, needed=2, lead_needed=True)]
    result = run(m.Problem(slots=slots, supporters=[person(7), person(9)]))
    assert len(result.placements) == 1  # the other place is the lead's
    (gap,) = result.gaps
    assert (gap.missing, gap.lead_missing, gap.reason) == (1, True, m.NO_LEAD)


@pytest.mark.parametrize(
    "field_value",
    [
        {"insurance_valid_until": MON - timedelta(days=1)},
        {"insurance_valid_until": None},
        {"training_completed_on": MON + timedelta(days=1)},
        {"training_completed_on": None},
    ],
    ids=["insurance-lapsed", "no-insurance", "training-later", "no-training"],
)
def test_training_and_insurance_valid_on_the_day(field_value):
    result = run(m.Problem(slots=[slot(1)], supporters=[person(7, **field_value)]))
    assert placed(result) == set()
    assert reasons(result) == {1: m.TRAINING_OR_INSURANCE}


def test_insurance_valid_through_the_day_counts():
    result = run(m.Problem(slots=[slot(1)], supporters=[person(7, insurance_valid_until=MON)]))
    assert placed(result) == {(1, 7)}


def test_monthly_maximum_counts_existing_assignments():
    slots = [slot(1, MON), slot(2, TUE), slot(3, MON + timedelta(days=2))]
    result = run(m.Problem(slots=slots, supporters=[person(7, max_per_month=2)]))
    assert len(result.placements) == 2
    assert list(reasons(result).values()) == [m.EVERYONE_AT_MAXIMUM]

    already = person(7, max_per_month=2, month_counts={(2027, 1): 2})
    result = run(m.Problem(slots=slots, supporters=[already]))
    assert result.placements == []
    assert set(reasons(result).values()) == {m.EVERYONE_AT_MAXIMUM}


def test_fixed_placements_stay_and_fill_places():
    slots = [slot(1, needed=2), slot(2, MON, start=(10, 30))]
    fixed = [m.Placement(1, 7)]
    problem = m.Problem(slots=slots, supporters=[person(7), person(8)], fixed=fixed)
    result = run(problem)
    # 7 is held on slot 1, so slot 2 (same time) can only get 8 or slot 1 its second place.
    assert (1, 7) not in placed(result)
    assert m.evaluate(problem, result.placements).filled == 2
    assert all(p.supporter_id != 7 for p in result.placements)


def test_removed_pairs_are_not_proposed():
    problem = m.Problem(slots=[slot(1)], supporters=[person(7)], forbidden={(1, 7)})
    result = run(problem)
    assert result.placements == []
    assert result.gaps[0].detail["candidates"] == 0


def test_never_more_supporters_than_needed():
    result = run(m.Problem(slots=[slot(1, needed=2)], supporters=[person(i) for i in range(6)]))
    assert len(result.placements) == 2


def test_fair_spread_follows_wishes():
    slots = [slot(i, MON + timedelta(days=i)) for i in range(6)]
    people = [person(7, wish=4, max_per_month=8), person(8, wish=2, max_per_month=8)]
    problem = m.Problem(slots=slots, supporters=people)
    result = run(problem)
    count = {7: 0, 8: 0}
    for p in result.placements:
        count[p.supporter_id] += 1
    assert count == {7: 4, 8: 2}
    assert m.evaluate(problem, result.placements).fairness == pytest.approx(0)


def test_series_keeps_the_same_people():
    slots = [slot(i, MON + timedelta(days=7 * i), series=5) for i in range(3)]
    people = [person(7, wish=3), person(8, wish=3)]
    # Unrelated sessions so both have work and fairness does not decide alone.
    slots += [slot(10 + i, TUE + timedelta(days=7 * i)) for i in range(3)]
    result = run(m.Problem(slots=slots, supporters=people))
    on_series = {p.supporter_id for p in result.placements if p.slot_id < 10}
    assert len(on_series) == 1


def test_nearby_supporter_preferred():
    slots = [slot(1, district="平")]
    people = [person(7, district="勿来"), person(8, district="平")]
    travel = {("平", "勿来"): 50}
    assert placed(run(m.Problem(slots=slots, supporters=people, travel=travel))) == {(1, 8)}


def test_checker_reports_each_broken_rule():
    """The checker is what the tests and the benchmark trust, so it must catch bad answers."""
    slots = [
        slot(1, MON, skills=frozenset({"iphone"})),
        slot(2, MON, start=(11, 0)),
        slot(3, TUE, needed=1, lead_needed=True),
    ]
    sup = person(7, weekdays=(0,), max_per_month=1, insurance_valid_until=date(2026, 1, 1))
    problem = m.Problem(slots=slots, supporters=[sup], forbidden={(2, 7)})
    bad = [m.Placement(1, 7), m.Placement(2, 7), m.Placement(3, 7, is_lead=True)]
    text = "\n".join(m.check(problem, bad))
    for expected in (
        "not available",
        "lacks skills",
        "training or insurance",
        "removed by the coordinator",
        "overlap",
        "maximum 1",
        "lead without the lead skill",
    ):
        assert expected in text


def test_bad_problem_is_rejected():
    with pytest.raises(ValueError, match="slot ids must be unique"):
        m.solve(m.Problem(slots=[slot(1), slot(1)], supporters=[person(7)]), time_limit=1)


def test_generated_month_keeps_every_rule_and_beats_greedy():
    problem = generate(seed=3, sessions=60, supporters=45)
    result = m.solve(problem, time_limit=4)
    greedy = solve_greedy(problem)
    assert m.check(problem, result.placements) == []
    assert m.check(problem, greedy.placements) == []
    ours = m.evaluate(problem, result.placements)
    theirs = m.evaluate(problem, greedy.placements)
    assert result.filled_upper_bound is not None
    assert theirs.filled <= ours.filled <= result.filled_upper_bound
    assert ours.fairness <= theirs.fairness
    # Every empty place is explained.
    assert sum(g.missing for g in result.gaps) == ours.required - ours.filled


def test_travel_chain_is_solved_exactly():
    """A-B and B-C are too close across districts, A and C are not: the relaxation alone could
    pick A and B; the answer must be A and C."""
    slots = [
        slot(1, MON, start=(9, 0), minutes=60, district="平"),
        slot(2, MON, start=(10, 20), minutes=60, district="小名浜"),
        slot(3, MON, start=(11, 40), minutes=60, district="平"),
    ]
    problem = m.Problem(slots=slots, supporters=[person(7)], travel={("平", "小名浜"): 30})
    result = run(problem)
    assert placed(result) == {(1, 7), (3, 7)}
    assert result.filled_upper_bound == 2
