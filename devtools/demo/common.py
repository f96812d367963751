"""What the demo program and the city-scale data set share: the calendar of session days and
slots, the program data they build on, and the pools of places, notes and needs."""

from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import jpholiday

from classes.models import Topic, Venue
from loans.models import LoanPolicy
from residents.models import Household, OwnDevice
from volunteers.models import Skill

JST = ZoneInfo("Asia/Tokyo")

# The two daily slots every generated session uses. Sessions in different slots never overlap,
# so "same day and slot" is the whole overlap test.
SLOTS: tuple[tuple[time, time], ...] = ((time(10, 0), time(11, 30)), (time(13, 30), time(15, 0)))


class DemoDataError(Exception):
    """The data cannot be generated (for example: no venues or topics loaded)."""


def is_session_day(day: date) -> bool:
    """True on a weekday that is not a Japanese public holiday nor in the year-end closure of
    public facilities (年末年始, 29 December to 3 January)."""
    if day.weekday() > 4:
        return False
    if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
        return False
    return not jpholiday.is_holiday(day)


def slot_bounds(day: date, slot: int) -> tuple[datetime, datetime]:
    """Aware JST start and end of daily slot ``slot`` (0: 10:00-11:30, 1: 13:30-15:00)."""
    start, end = SLOTS[slot]
    return datetime.combine(day, start, JST), datetime.combine(day, end, JST)


def birth_date_for_age(rng: random.Random, today: date, age: int) -> date:
    """A birth date giving ``age`` whole years on ``today``."""
    return today - timedelta(days=age * 365 + age // 4 + rng.randint(1, 364))


def program_data_ensure(*, stdout=None) -> tuple[list[Venue], list[Topic]]:
    """Return the active venues and topics, loading them with ``load_program_data`` when the Venue
    table is empty. Raises DemoDataError when there are still none."""
    if not Venue.objects.exists():
        from django.core.management import call_command

        call_command("load_program_data", stdout=stdout)
    venues = list(Venue.objects.filter(is_active=True).order_by("id"))
    topics = list(Topic.objects.order_by("code"))
    if not venues or not topics:
        raise DemoDataError(
            "No venues or curriculum topics found: run `manage.py load_program_data` first."
        )
    return venues, topics


def _active_policy() -> LoanPolicy:
    policy = LoanPolicy.objects.filter(is_active=True).order_by("id").first()
    if policy is None:
        policy = LoanPolicy.objects.create(
            name="6か月貸与", term_days=182, max_renewals=1, min_age=65, max_active_loans=1
        )
    return policy


def _skills() -> dict[str, Skill]:
    from volunteers.skills import STANDARD_SKILLS

    for code, name in STANDARD_SKILLS:
        Skill.objects.get_or_create(code=code, defaults={"name": name})
    return {s.code: s for s in Skill.objects.all()}


@contextmanager
def _explicit_created_at(*models):
    """Let bulk_create keep the ``created_at`` we set (auto_now_add would stamp "now"), so the
    demo's registrations look made in the weeks before their session."""
    fields = [m._meta.get_field("created_at") for m in models]
    saved = [f.auto_now_add for f in fields]
    try:
        for f in fields:
            f.auto_now_add = False
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value


def _has_field(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


_AGE_BANDS = ((50, 64), (65, 74), (75, 84), (85, 95), None)  # None: birth date not known
_OWN_DEVICES = (
    OwnDevice.NONE,
    OwnDevice.FEATURE_PHONE,
    OwnDevice.ANDROID,
    OwnDevice.IPHONE,
    OwnDevice.TABLET,
)
_HOUSEHOLDS = (Household.ALONE, Household.SENIORS_ONLY, Household.WITH_FAMILY, Household.UNKNOWN)
_SALON_TITLE = "スマホサロン"
_CONSULTATION_TITLE = "スマホ相談窓口"
_CLASS_BRING = "スマートフォン（お持ちでない方は貸出機があります）、筆記用具、老眼鏡"
_CONSULTATION_BRING = "スマートフォン、充電器、ID・パスワードのメモ"
_CARAVAN_PLACES = (
    "小名浜 復興公営住宅 集会所（いわき市小名浜）",
    "平 北白土 地区集会所（いわき市平北白土）",
    "いわき駅前 商業施設 1階イベントスペース（いわき市平）",
    "四倉 ふれあい市民会館（いわき市四倉町）",
    "常磐 湯本温泉 観光案内所 多目的室（いわき市常磐湯本町）",
)
_SCHOOLS = ("いわき明星大学", "東日本国際大学", "福島工業高等専門学校")
_ACCESSIBILITY = (
    "補聴器を使用（大きな声でゆっくり）",
    "大きな文字の資料が必要",
    "車いすを利用",
    "杖を使用、段差に注意",
    "右手が不自由",
)
_PROXY_RELATIONS = ("長男", "長女", "次男", "次女", "息子の妻", "民生委員")
_RESIDENT_NOTES = (
    "電話は午前中がつながりやすい",
    "留守番電話には吹き込まない（折り返しがない）",
    "娘さんが送迎",
    "らくらくホン利用中、スマホへの買い替えを検討",
    "",
)
