"""Recurrence rules for series (定期開催): expand a rule to dates, skip holidays and closures.

Pure date logic (no database): ``classes.services_series`` passes in the venue's closures.
Expansion uses python-dateutil's ``rrule``; Japanese public holidays come from ``jpholiday``.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time

import jpholiday
from dateutil import rrule
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

WEEKLY = "weekly"
MONTHLY = "monthly"
# A longer range is almost always a typo in the year; staff can make a second series.
MAX_RANGE_DAYS = 366
_RRULE_WEEKDAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)


@dataclass(frozen=True)
class Rule:
    """A recurrence between ``first_date`` and ``last_date`` (both inclusive, local dates).

    ``frequency``: WEEKLY (on ``weekdays`` every ``interval`` weeks) or MONTHLY (on the ``nth``
    ``weekdays`` of each month, e.g. nth=2, weekdays=(1,) is 第2火曜; nth=-1 is the last one).
    ``weekdays`` are Python weekday numbers, Monday=0 .. Sunday=6.
    """

    frequency: str
    weekdays: tuple[int, ...]
    first_date: date
    last_date: date
    interval: int = 1
    nth: int | None = None


@dataclass(frozen=True)
class Skipped:
    """A date the rule gives but no session is held on, and why (translated text)."""

    day: date
    reason: str


@dataclass
class Plan:
    """The dates a rule yields: ``dates`` to hold sessions on, ``skipped`` with a reason each."""

    dates: list[date] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def rule_validate(rule: Rule) -> None:
    """Raise ValidationError (a message staff can act on) for a rule that cannot make a series."""
    errors = []
    if not rule.weekdays:
        errors.append(_("Choose at least one weekday."))
    elif any(d not in range(7) for d in rule.weekdays):
        errors.append(_("A weekday is not valid."))
    if rule.frequency not in (WEEKLY, MONTHLY):
        errors.append(_("Choose weekly or monthly."))
    if rule.frequency == WEEKLY and rule.interval not in range(1, 5):
        errors.append(_("Repeat every 1 to 4 weeks."))
    if rule.frequency == MONTHLY and rule.nth not in (1, 2, 3, 4, 5, -1):
        errors.append(_("Choose which weekday of the month (1st to 5th, or last)."))
    if rule.last_date < rule.first_date:
        errors.append(_("The last date must be on or after the first date."))
    elif (rule.last_date - rule.first_date).days > MAX_RANGE_DAYS:
        errors.append(_("A series can span at most one year. Please make a second series."))
    if errors:
        raise ValidationError(errors)


def rule_expand(rule: Rule) -> list[date]:
    """All dates of ``rule`` in order, before skipping holidays. Validates the rule first."""
    rule_validate(rule)
    weekdays = [_RRULE_WEEKDAYS[d] for d in sorted(set(rule.weekdays))]
    start = datetime.combine(rule.first_date, time.min)
    until = datetime.combine(rule.last_date, time.min)
    if rule.frequency == WEEKLY:
        # wkst=MO so "every other week" counts weeks Monday-to-Sunday, as a Japanese calendar does.
        rr = rrule.rrule(
            rrule.WEEKLY,
            dtstart=start,
            until=until,
            interval=rule.interval,
            byweekday=weekdays,
            wkst=rrule.MO,
        )
    else:
        # A month without a 5th Tuesday simply has no date: rrule yields nothing for it.
        rr = rrule.rrule(
            rrule.MONTHLY,
            dtstart=start,
            until=until,
            byweekday=[wd(rule.nth) for wd in weekdays],
        )
    return [dt.date() for dt in rr]


def rule_plan(rule: Rule, *, closures: dict[date, str] | None = None) -> Plan:
    """Expand ``rule`` and skip Japanese public holidays and ``closures`` ({date: reason}).

    Returns a Plan; raises ValidationError when the rule is invalid or no date is left.
    """
    closures = closures or {}
    plan = Plan()
    for day in rule_expand(rule):
        holiday = jpholiday.is_holiday_name(day)
        if holiday:
            plan.skipped.append(Skipped(day, _("Public holiday: %(name)s") % {"name": holiday}))
        elif day in closures:
            plan.skipped.append(
                Skipped(day, _("Venue closed: %(reason)s") % {"reason": closures[day]})
            )
        else:
            plan.dates.append(day)
    if not plan.dates:
        raise ValidationError(
            _("This rule gives no date to hold a session on. Check the weekdays and the dates.")
        )
    return plan
