"""Rule expansion: weekly, every other week, n-th weekday; holidays and closures skipped."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from classes.recurrence import MONTHLY, WEEKLY, Rule, rule_expand, rule_plan

MON, TUE, WED, THU = 0, 1, 2, 3


def test_weekly_on_two_weekdays():
    rule = Rule(WEEKLY, (TUE, THU), date(2026, 12, 1), date(2026, 12, 14))
    assert rule_expand(rule) == [
        date(2026, 12, 1),
        date(2026, 12, 3),
        date(2026, 12, 8),
        date(2026, 12, 10),
    ]


def test_every_other_week_counts_weeks_from_monday():
    # 2026-12-01 is a Tuesday; its week runs Mon 11/30 - Sun 12/6, so Thursday 12/3 is in it.
    rule = Rule(WEEKLY, (MON, THU), date(2026, 12, 1), date(2027, 1, 10), interval=2)
    assert rule_expand(rule) == [
        date(2026, 12, 3),
        date(2026, 12, 14),
        date(2026, 12, 17),
        date(2026, 12, 28),
        date(2026, 12, 31),
    ]


def test_second_tuesday_of_each_month():
    rule = Rule(MONTHLY, (TUE,), date(2026, 12, 1), date(2027, 3, 31), nth=2)
    assert rule_expand(rule) == [
        date(2026, 12, 8),
        date(2027, 1, 12),
        date(2027, 2, 9),
        date(2027, 3, 9),
    ]


def test_fifth_tuesday_leaves_out_months_without_one():
    rule = Rule(MONTHLY, (TUE,), date(2026, 1, 1), date(2026, 12, 31), nth=5)
    assert rule_expand(rule) == [
        date(2026, 3, 31),
        date(2026, 6, 30),
        date(2026, 9, 29),
        date(2026, 12, 29),
    ]


def test_last_wednesday_of_the_month():
    rule = Rule(MONTHLY, (WED,), date(2027, 1, 1), date(2027, 2, 28), nth=-1)
    assert rule_expand(rule) == [date(2027, 1, 27), date(2027, 2, 24)]


def test_coming_of_age_day_2027_is_skipped_with_its_name():
    rule = Rule(WEEKLY, (MON,), date(2027, 1, 1), date(2027, 1, 31))
    plan = rule_plan(rule)
    assert plan.dates == [date(2027, 1, 4), date(2027, 1, 18), date(2027, 1, 25)]
    assert [(s.day, s.reason) for s in plan.skipped] == [
        (date(2027, 1, 11), "Public holiday: 成人の日")
    ]


def test_silver_week_2026_holidays_are_skipped():
    # 2026-09-21 敬老の日 (Mon), 09-22 国民の休日 (Tue), 09-23 秋分の日 (Wed).
    rule = Rule(WEEKLY, (MON, TUE, WED), date(2026, 9, 21), date(2026, 9, 30))
    plan = rule_plan(rule)
    assert plan.dates == [date(2026, 9, 28), date(2026, 9, 29), date(2026, 9, 30)]
    reasons = {s.day: s.reason for s in plan.skipped}
    assert reasons[date(2026, 9, 21)] == "Public holiday: 敬老の日"
    assert reasons[date(2026, 9, 23)] == "Public holiday: 秋分の日"
    assert date(2026, 9, 22) in reasons


def test_closures_are_skipped_with_their_reason():
    rule = Rule(WEEKLY, (THU,), date(2026, 12, 1), date(2026, 12, 31))
    plan = rule_plan(rule, closures={date(2026, 12, 31): "年末休館"})
    assert date(2026, 12, 31) not in plan.dates
    assert plan.skipped[0].reason == "Venue closed: 年末休館"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (Rule(WEEKLY, (), date(2026, 12, 1), date(2026, 12, 31)), "Choose at least one weekday."),
        (
            Rule(WEEKLY, (MON,), date(2026, 12, 31), date(2026, 12, 1)),
            "The last date must be on or after the first date.",
        ),
        (
            Rule(WEEKLY, (MON,), date(2026, 1, 1), date(2027, 1, 3)),
            "A series can span at most one year. Please make a second series.",
        ),
        (
            Rule(WEEKLY, (MON,), date(2027, 1, 11), date(2027, 1, 11)),
            "This rule gives no date to hold a session on. Check the weekdays and the dates.",
        ),
        (
            Rule(MONTHLY, (TUE,), date(2026, 4, 1), date(2026, 5, 31), nth=5),
            "This rule gives no date to hold a session on. Check the weekdays and the dates.",
        ),
    ],
)
def test_bad_rules_get_a_clear_message(rule, message):
    with pytest.raises(ValidationError) as exc:
        rule_plan(rule)
    assert message in exc.value.messages
