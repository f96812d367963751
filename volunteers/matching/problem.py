"""The matching problem as plain data: slots, supporters and their windows and exceptions,
placements, and what a solver returns (see the package docstring for the words)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")
LEAD_SKILL = "lead"
DEFAULT_TRAVEL_MINUTES = 30

# Reason codes for unfilled slots; the same values as volunteers.models.MatchGap.Reason.
NO_ONE_AVAILABLE = "no_one_available"
NO_ONE_WITH_SKILL = "no_one_with_skill"
TRAINING_OR_INSURANCE = "training_or_insurance"
NO_LEAD = "no_lead"
EVERYONE_AT_MAXIMUM = "everyone_at_maximum"
BUSY_ELSEWHERE = "busy_elsewhere"


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


@dataclass(frozen=True)
class Window:
    """A weekly window: ``weekday`` as ``date.weekday()`` (Monday 0), local JST wall-clock times."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class DateException:
    """Dates ``date_from``..``date_to`` (inclusive, JST). ``available=False`` blocks the days (or,
    with times, that part of each day); ``available=True`` adds the window ``start``-``end``."""

    date_from: date
    date_to: date
    available: bool = False
    start: time | None = None
    end: time | None = None


@dataclass(frozen=True)
class Busy:
    """A commitment outside the problem (an active assignment on another session): aware times."""

    start: datetime
    end: datetime
    district: str = ""


@dataclass(frozen=True)
class Slot:
    """A session needing supporters. ``start``/``end`` are aware datetimes; ``needed`` is the total
    number of supporters wanted (at least 1 when ``lead_needed``), fixed placements included."""

    id: int
    start: datetime
    end: datetime
    needed: int
    district: str = ""
    lead_needed: bool = False
    skills: frozenset[str] = frozenset()
    series: int | None = None
    label: str = ""

    # Cached: the solver asks these for every (slot, supporter) pair.
    @cached_property
    def local_start(self) -> datetime:
        """``start`` in JST."""
        return self.start.astimezone(TOKYO)

    @cached_property
    def local_end(self) -> datetime:
        """``end`` in JST."""
        return self.end.astimezone(TOKYO)

    @cached_property
    def day(self) -> date:
        """The JST date the session starts on."""
        return self.local_start.date()

    @cached_property
    def span(self) -> tuple[date, int, int, int] | None:
        """(JST day, weekday, start minute, end minute) or None when it runs past midnight."""
        day = self.day
        end = self.local_end
        if end.date() == day:
            end_m = _minutes(end.time())
        elif end.date() == day + timedelta(days=1) and end.time() == time(0):
            end_m = 24 * 60
        else:
            return None
        return day, day.weekday(), _minutes(self.local_start.time()), end_m

    @cached_property
    def month(self) -> tuple[int, int]:
        """(year, month) of the JST start date: the monthly maximum counts per this."""
        day = self.day
        return (day.year, day.month)


@dataclass(frozen=True)
class SupporterData:
    """One supporter as the solver sees them.

    ``month_counts``: active assignments per JST (year, month) that are *not* fixed placements of
    this problem. ``busy``: those assignments' times, for the overlap rule. ``base_load``: how many
    of them fall inside the planning range (for fairness). ``series_history``: series ids the
    supporter has helped at before.
    """

    id: int
    skills: frozenset[str] = frozenset()
    district: str = ""
    training_completed_on: date | None = None
    insurance_valid_until: date | None = None
    max_per_month: int = 8
    wish: int | None = None
    windows: tuple[Window, ...] = ()
    exceptions: tuple[DateException, ...] = ()
    busy: tuple[Busy, ...] = ()
    month_counts: dict[tuple[int, int], int] = field(default_factory=dict)
    base_load: int = 0
    series_history: frozenset[int] = frozenset()
    name: str = ""

    @property
    def can_lead(self) -> bool:
        """Has the lead skill (may take a session's lead position)."""
        return LEAD_SKILL in self.skills

    @cached_property
    def weekly(self) -> dict[int, tuple[tuple[int, int], ...]]:
        """Weekday -> windows as (start minute, end minute)."""
        found: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for w in self.windows:
            found[w.weekday].append((_minutes(w.start), _minutes(w.end)))
        return {k: tuple(v) for k, v in found.items()}

    @property
    def fairness_weight(self) -> int:
        """The wish in sessions; without one, half the monthly maximum rounded up."""
        if self.wish is not None:
            return self.wish
        return math.ceil(self.max_per_month / 2)


@dataclass(frozen=True)
class Placement:
    """Supporter ``supporter_id`` on slot ``slot_id``, as its lead or not."""

    slot_id: int
    supporter_id: int
    is_lead: bool = False


@dataclass
class Problem:
    """Everything the solver needs. ``travel``: minutes between two districts, either direction;
    a missing pair costs ``default_travel`` and the same district costs 0. ``forbidden``: (slot id,
    supporter id) pairs the coordinator removed."""

    slots: list[Slot]
    supporters: list[SupporterData]
    fixed: list[Placement] = field(default_factory=list)
    forbidden: set[tuple[int, int]] = field(default_factory=set)
    travel: dict[tuple[str, str], int] = field(default_factory=dict)
    default_travel: int = DEFAULT_TRAVEL_MINUTES

    def travel_minutes(self, a: str, b: str) -> int:
        """Minutes between districts ``a`` and ``b`` (0 within one district)."""
        if a == b:
            return 0
        found = self.travel.get((a, b))
        if found is None:
            found = self.travel.get((b, a), self.default_travel)
        return found


@dataclass(frozen=True)
class Gap:
    """A slot left short: ``missing`` positions (the lead's included), why, and the counts behind
    the reason (how many supporters pass each rule in turn)."""

    slot_id: int
    missing: int
    lead_missing: bool
    reason: str
    detail: dict[str, int]


@dataclass(frozen=True)
class Stage:
    """One stage of the lexicographic solve (``solver.STAGES``), in the figure's own unit:
    fill in positions (fixed ones included), fairness as in ``Evaluation.fairness``,
    continuity in face points, travel in minutes.

    ``bound``: what CP-SAT proved with every hard rule in force, given the earlier stages'
    values (None when it found nothing). ``flow_bound``: the flow relaxation's value for the
    same figure (fill and fairness only); exact when ``flow_exact``, else a relaxation of the
    overlap rule (an upper bound on fill; for fairness only a reference). ``status``: OPTIMAL,
    FEASIBLE (time limit), WARM_START (nothing found in time, the start kept)."""

    name: str
    status: str
    objective: float
    bound: float | None
    seconds: float
    flow_bound: float | None = None
    flow_exact: bool | None = None

    @property
    def gap(self) -> float | None:
        """|bound - objective| in the figure's unit (0 when proven optimal), None without bound."""
        if self.bound is None:
            return None
        return abs(self.bound - self.objective)

    def as_dict(self) -> dict:
        """For storing (JSON)."""
        return {
            "name": self.name,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "seconds": self.seconds,
            "flow_bound": self.flow_bound,
            "flow_exact": self.flow_exact,
        }


@dataclass
class MatchResult:
    """What a solver returns: the *new* placements (fixed ones are not repeated)."""

    placements: list[Placement]
    status: str
    solve_seconds: float
    objective: float | None = None
    # Proven upper bound on filled positions (fixed ones included); None when not proven.
    filled_upper_bound: int | None = None
    gaps: list[Gap] = field(default_factory=list)
    # The min-cost-flow answer CP-SAT started from (for the benchmark's comparison).
    warm_start: list[Placement] = field(default_factory=list)
    # The lexicographic stages in order (see volunteers.matching.solver).
    stages: list[Stage] = field(default_factory=list)


@dataclass(frozen=True)
class Evaluation:
    """Figures for one answer; see ``evaluate``. Positions and sessions are counts."""

    required: int
    filled: int
    fairness: float  # mean |placed - fair share| in sessions, see the module docstring
    max_deviation: float
    travel_minutes: int  # sum of home-to-session travel over new placements
    series_faces: int = 0  # distinct supporters per series, summed: lower = more continuity

    @property
    def share_filled(self) -> float:
        """Filled positions over required ones, 0..1 (1.0 when nothing is required)."""
        return self.filled / self.required if self.required else 1.0
