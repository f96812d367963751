"""Generated matching problems for the benchmark and the tests (in memory, seeded, no database).

``generate(seed=..., sessions=400, supporters=300)`` gives one JST calendar month in a city of eight
districts: classes, salons and caravans at morning, afternoon and evening times, about a third in
weekly series, some needing a lead or a skill (iPhone, Android, LINE, My Number, scam awareness);
students free in the evenings and at weekends, retired volunteers on weekdays, 支援員 and staff
in office hours; exam weeks and holidays as exceptions; training and insurance that lapse for a
few; monthly maxima and wishes; a few existing assignments.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from volunteers.matching import (
    TOKYO,
    Busy,
    DateException,
    Problem,
    Slot,
    SupporterData,
    Window,
)

DISTRICTS = ("平", "小名浜", "勿来", "常磐", "内郷", "四倉", "遠野", "小川")
TOPIC_SKILLS = ("iphone", "android", "line", "mynumber", "scam_awareness", "tablet")
# (start, minutes) of the usual session times.
TIMES = ((time(10, 0), 120), (time(10, 0), 90), (time(13, 30), 120), (time(14, 0), 90),
         (time(18, 30), 90))  # fmt: skip


def _at(day: date, t: time) -> datetime:
    return datetime.combine(day, t, tzinfo=TOKYO)


def _slot(
    slot_id: int,
    day: date,
    start: time,
    minutes: int,
    district: str,
    needs: tuple[int, bool, frozenset[str]],
    series: int | None = None,
) -> Slot:
    needed, lead, skills = needs
    return Slot(
        id=slot_id,
        start=_at(day, start),
        end=_at(day, start) + timedelta(minutes=minutes),
        needed=needed,
        district=district,
        lead_needed=lead,
        skills=skills,
        series=series,
    )


def generate(
    *, seed: int = 1, sessions: int = 400, supporters: int = 300, month: date = date(2027, 1, 1)
) -> Problem:
    """A seeded random month of ``sessions`` sessions and ``supporters`` supporters."""
    rng = random.Random(seed)
    first = month.replace(day=1)
    days = [
        first + timedelta(days=i)
        for i in range(31)
        if (first + timedelta(days=i)).month == first.month
    ]
    travel: dict[tuple[str, str], int] = {}
    for i, a in enumerate(DISTRICTS):
        for b in DISTRICTS[i + 1 :]:
            travel[(a, b)] = rng.choice((15, 20, 25, 30, 40, 50, 60))

    slots: list[Slot] = []
    # About a third of the sessions come in weekly series (same weekday, time and place).
    series_id = 0
    weekday_weights = (5, 5, 5, 5, 5, 3, 1)
    while len(slots) < sessions // 3:
        series_id += 1
        weekday = rng.choices(range(7), weekday_weights)[0]
        start, minutes = rng.choice(TIMES)
        district = rng.choice(DISTRICTS)
        needs = _needs(rng)
        for day in days:
            if day.weekday() == weekday and len(slots) < sessions // 3:
                slots.append(
                    _slot(len(slots) + 1, day, start, minutes, district, needs, series=series_id)
                )
    while len(slots) < sessions:
        day = rng.choices(days, [weekday_weights[d.weekday()] for d in days])[0]
        start, minutes = rng.choice(TIMES)
        needs = _needs(rng)
        district = rng.choice(DISTRICTS)  # drawn after the needs: the seeded figures stay the same
        slots.append(_slot(len(slots) + 1, day, start, minutes, district, needs))

    people = [_supporter(rng, i + 1, first, days) for i in range(supporters)]
    return Problem(slots=slots, supporters=people, travel=travel, default_travel=30)


def _needs(rng: random.Random) -> tuple[int, bool, frozenset[str]]:
    needed = rng.choices((1, 2, 3, 4), (30, 40, 22, 8))[0]
    lead = rng.random() < 0.3
    skills: frozenset[str] = frozenset()
    roll = rng.random()
    if roll < 0.45:
        skills = frozenset({rng.choice(TOPIC_SKILLS)})
    elif roll < 0.55:
        skills = frozenset(rng.sample(TOPIC_SKILLS, 2))
    return needed, lead, skills


def _supporter(rng: random.Random, pk: int, first: date, days: list[date]) -> SupporterData:
    kind = rng.choices(("student", "volunteer", "digital_supporter", "staff"), (35, 40, 20, 5))[0]
    windows: list[Window] = []
    if kind == "student":
        for weekday in rng.sample(range(5), rng.randint(1, 3)):
            windows.append(Window(weekday, time(17, 30), time(21, 0)))
        for weekday in rng.sample((5, 6), rng.randint(1, 2)):
            windows.append(Window(weekday, time(9, 0), time(17, 0)))
        if rng.random() < 0.4:
            windows.append(Window(rng.randrange(5), time(13, 0), time(17, 0)))
    elif kind == "volunteer":
        for weekday in rng.sample(range(6), rng.randint(2, 4)):
            part = rng.choice(((time(9, 0), time(12, 30)), (time(13, 0), time(17, 0)),
                               (time(9, 0), time(17, 0))))  # fmt: skip
            windows.append(Window(weekday, *part))
    else:
        for weekday in rng.sample(range(5), rng.randint(3, 5)):
            windows.append(Window(weekday, time(8, 30), time(17, 30)))
    exceptions: list[DateException] = []
    if rng.random() < (0.5 if kind == "student" else 0.15):
        start = rng.choice(days)
        exceptions.append(
            DateException(start, start + timedelta(days=rng.randint(2, 8)), available=False)
        )
    if kind == "student" and rng.random() < 0.2:
        # A free weekday during the holidays.
        day = rng.choice(days)
        exceptions.append(DateException(day, day, available=True, start=time(9), end=time(17)))
    n_skills = rng.choices((1, 2, 3, 4, 5), (15, 30, 30, 15, 10))[0]
    skills = set(rng.sample(TOPIC_SKILLS, n_skills))
    lead_chance = {"student": 0.05, "volunteer": 0.2, "digital_supporter": 0.45, "staff": 0.6}
    if rng.random() < lead_chance[kind]:
        skills.add("lead")
    roll = rng.random()
    training = None if roll < 0.05 else first - timedelta(days=rng.randint(-20, 400))
    roll = rng.random()
    if roll < 0.05:
        insurance = None
    elif roll < 0.15:
        insurance = first + timedelta(days=rng.randint(5, 25))  # lapses during the month
    else:
        insurance = first + timedelta(days=rng.randint(40, 365))
    max_per_month = rng.choice((2, 3, 4, 4, 5, 6, 6, 8, 10))
    wish = None if rng.random() < 0.2 else rng.randint(1, max_per_month)
    busy: list[Busy] = []
    month_counts: dict[tuple[int, int], int] = {}
    if rng.random() < 0.1:
        day = rng.choice(days)
        busy.append(Busy(_at(day, time(10)), _at(day, time(12)), rng.choice(DISTRICTS)))
        month_counts[(first.year, first.month)] = 1
    return SupporterData(
        id=pk,
        skills=frozenset(skills),
        district=rng.choice(DISTRICTS),
        training_completed_on=training,
        insurance_valid_until=insurance,
        max_per_month=max_per_month,
        wish=wish,
        windows=tuple(windows),
        exceptions=tuple(exceptions),
        busy=tuple(busy),
        month_counts=month_counts,
        base_load=len(busy),
        name=f"{kind}-{pk}",
    )
