"""Matching supporters to sessions: the problem as plain data, the hard rules, and the CP-SAT solver.

Nothing here touches the database: ``volunteers.selectors_matching`` builds a ``Problem`` from it,
``volunteers.services_matching`` stores what ``solve`` returns, and the benchmark
(``manage.py bench_matching``) builds problems in memory. The greedy baseline lives in
``devtools.matching_greedy``; both are judged by ``evaluate`` and ``check`` below.

Words: a *slot* is one session that still needs supporters; it has ``needed`` *positions*, one of
which is the lead position when ``lead_needed``. A *placement* puts a supporter on a slot. *Fixed*
placements (existing proposed/confirmed assignments, pinned proposals) are inputs the solver keeps.

Hard rules (``check`` verifies each one on any answer):

1. available: a weekly window or an "available" exception holds the whole session on its JST day,
   and no "not available" exception covers it;
2. no overlap: two sessions of one supporter must not overlap, and when they are in different
   districts the gap between them must be at least the travel time (``travel_minutes``);
3. skills: the supporter has every skill the session requires; a lead has the lead skill;
4. lead: a session that needs a lead has at most ``needed - 1`` supporters until one is the lead;
5. training completed on or before the day, volunteer insurance valid on the day;
6. monthly maximum: the supporter's active sessions in a JST calendar month, counting existing
   assignments, stay within ``max_per_month``;
7. never more supporters than needed; never a pair the coordinator removed.

How it solves: see ``solve`` (max-flow bound and min-cost-flow warm start, then CP-SAT).

Fairness figure (lower is fairer): each supporter's *fair share* is the total number of sessions
placed (fixed and new) split in proportion to their wish (``wish``; when empty, half the monthly
maximum rounded up). The figure is the mean over supporters of |sessions placed - fair share|, in
sessions. Counting sessions, not hours, because the wish is stated in sessions per month.
"""

from __future__ import annotations

import math
import time as time_module
from collections import defaultdict
from collections.abc import Iterable
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


# --- Rules on one (slot, supporter) pair -------------------------------------------------------


def is_available(sup: SupporterData, slot: Slot) -> bool:
    """Rule 1: a window holds the whole session on its JST day and no exception blocks it."""
    span = slot.span
    if span is None:
        return False  # runs past midnight: no daily window can hold it
    day, weekday, start_m, end_m = span
    extra: list[tuple[int, int]] = []
    for exc in sup.exceptions:
        if not exc.date_from <= day <= exc.date_to:
            continue
        if not exc.available:
            if exc.start is None or exc.end is None:
                return False
            if _minutes(exc.start) < end_m and start_m < _minutes(exc.end):
                return False
        elif exc.start is not None and exc.end is not None:
            extra.append((_minutes(exc.start), _minutes(exc.end)))
    for ws, we in sup.weekly.get(weekday, ()):
        if ws <= start_m and end_m <= we:
            return True
    return any(ws <= start_m and end_m <= we for ws, we in extra)


def has_skills(sup: SupporterData, slot: Slot) -> bool:
    """Rule 3: every skill the session needs."""
    return slot.skills <= sup.skills


def is_valid_on_day(sup: SupporterData, slot: Slot) -> bool:
    """Rule 5: training completed by the day and insurance valid on the day (JST)."""
    day = slot.day
    return (
        sup.training_completed_on is not None
        and sup.training_completed_on <= day
        and sup.insurance_valid_until is not None
        and sup.insurance_valid_until >= day
    )


def conflicts(
    problem: Problem, a_start: datetime, a_end: datetime, a_district: str, b: Slot | Busy
) -> bool:
    """Rule 2: the two overlap, or leave less than the travel time between their districts."""
    gap = problem.travel_minutes(a_district, b.district)
    if gap:
        pad = timedelta(minutes=gap)
        return a_start < b.end + pad and b.start < a_end + pad
    return a_start < b.end and b.start < a_end


# --- Precomputation shared by both solvers ------------------------------------------------------


@dataclass
class _Prepared:
    slot_by_id: dict[int, Slot]
    sup_by_id: dict[int, SupporterData]
    fixed_by_slot: dict[int, list[Placement]]
    fixed_by_sup: dict[int, list[Placement]]
    capacity: dict[int, int]  # positions still open per slot
    lead_open: dict[int, bool]  # slot needs a lead and no fixed placement is the lead
    month_room: dict[tuple[int, tuple[int, int]], int]  # (supporter, month) -> sessions left
    eligible: dict[int, list[int]]  # slot id -> supporter ids that may be placed (static rules)


def _month_room(prep_fixed_by_sup, problem: Problem, slot_by_id) -> dict:
    room: dict[tuple[int, tuple[int, int]], int] = {}
    months = {s.month for s in problem.slots}
    for sup in problem.supporters:
        fixed_months: dict[tuple[int, int], int] = defaultdict(int)
        for pl in prep_fixed_by_sup.get(sup.id, []):
            fixed_months[slot_by_id[pl.slot_id].month] += 1
        for month in months:
            room[(sup.id, month)] = (
                sup.max_per_month - sup.month_counts.get(month, 0) - fixed_months[month]
            )
    return room


def _prepare(problem: Problem) -> _Prepared:
    slot_by_id = {s.id: s for s in problem.slots}
    sup_by_id = {s.id: s for s in problem.supporters}
    if len(slot_by_id) != len(problem.slots):
        raise ValueError("slot ids must be unique")
    if len(sup_by_id) != len(problem.supporters):
        raise ValueError("supporter ids must be unique")
    fixed_by_slot: dict[int, list[Placement]] = defaultdict(list)
    fixed_by_sup: dict[int, list[Placement]] = defaultdict(list)
    for pl in problem.fixed:
        if pl.slot_id not in slot_by_id:
            continue
        fixed_by_slot[pl.slot_id].append(pl)
        fixed_by_sup[pl.supporter_id].append(pl)
    capacity = {}
    lead_open = {}
    for slot in problem.slots:
        fixed = fixed_by_slot.get(slot.id, [])
        capacity[slot.id] = max(slot.needed - len(fixed), 0)
        lead_open[slot.id] = slot.lead_needed and not any(p.is_lead for p in fixed)
    month_room = _month_room(fixed_by_sup, problem, slot_by_id)

    eligible = {
        slot.id: (
            _eligible_ids(problem, slot, fixed_by_slot, fixed_by_sup, slot_by_id, month_room)
            if capacity[slot.id] > 0
            else []
        )
        for slot in problem.slots
    }
    return _Prepared(
        slot_by_id,
        sup_by_id,
        fixed_by_slot,
        fixed_by_sup,
        capacity,
        lead_open,
        month_room,
        eligible,
    )


def _eligible_ids(problem, slot, fixed_by_slot, fixed_by_sup, slot_by_id, month_room) -> list[int]:
    """Supporters who pass the static rules for one more position on ``slot`` (1, 2, 3 without
    the lead skill, 5, 6, not removed, not already on it), in ``problem.supporters`` order."""
    on_slot = {p.supporter_id for p in fixed_by_slot.get(slot.id, [])}
    ids: list[int] = []
    for sup in problem.supporters:
        if sup.id in on_slot or (slot.id, sup.id) in problem.forbidden:
            continue
        if month_room[(sup.id, slot.month)] <= 0:
            continue
        if not (has_skills(sup, slot) and is_valid_on_day(sup, slot)):
            continue
        if not is_available(sup, slot):
            continue
        if _clashes_with_commitments(problem, sup, slot, fixed_by_sup, slot_by_id):
            continue
        ids.append(sup.id)
    return ids


def slot_candidates(problem: Problem, slot_id: int) -> dict[int, int]:
    """Who may be added to slot ``slot_id`` now, by the solver's own hard rules: available,
    free (travel time between districts included), skills, trained and insured on the day, under
    the monthly maximum, not removed, not already on the slot. When the lead is still missing
    and at most one position is open, only those who can lead (rule 4).

    Used for one-off suggestions (replacements), so a slot already full still gets its
    candidates (an extra supporter is the coordinator's choice). Returns supporter id -> their
    sessions in the slot's JST month (commitments and fixed placements), in
    ``problem.supporters`` order; empty for an unknown slot id.
    """
    prep = _prepare(problem)
    slot = prep.slot_by_id.get(slot_id)
    if slot is None:
        return {}
    ids = _eligible_ids(
        problem, slot, prep.fixed_by_slot, prep.fixed_by_sup, prep.slot_by_id, prep.month_room
    )
    if prep.lead_open[slot_id] and prep.capacity[slot_id] <= 1:
        ids = [i for i in ids if prep.sup_by_id[i].can_lead]
    return {i: prep.sup_by_id[i].max_per_month - prep.month_room[(i, slot.month)] for i in ids}


def _clashes_with_commitments(problem, sup, slot, fixed_by_sup, slot_by_id) -> bool:
    for busy in sup.busy:
        if conflicts(problem, slot.start, slot.end, slot.district, busy):
            return True
    for pl in fixed_by_sup.get(sup.id, []):
        other = slot_by_id[pl.slot_id]
        if other.id != slot.id and conflicts(problem, slot.start, slot.end, slot.district, other):
            return True
    return False


def _conflict_pairs(problem: Problem, prep: _Prepared) -> dict[int, list[tuple[int, int]]]:
    """Per supporter, pairs of their eligible slots that break rule 2 together."""
    by_sup: dict[int, list[Slot]] = defaultdict(list)
    for slot_id, sup_ids in prep.eligible.items():
        for sid in sup_ids:
            by_sup[sid].append(prep.slot_by_id[slot_id])
    max_travel = max([problem.default_travel, *problem.travel.values()], default=0)
    reach = timedelta(minutes=max_travel)
    pairs: dict[int, list[tuple[int, int]]] = {}
    for sid, slots in by_sup.items():
        slots.sort(key=lambda s: s.start)
        found = []
        for i, a in enumerate(slots):
            for b in slots[i + 1 :]:
                if b.start >= a.end + reach:
                    break
                if conflicts(problem, a.start, a.end, a.district, b):
                    found.append((a.id, b.id))
        pairs[sid] = found
    return pairs


# --- Evaluation, checking, explanations --------------------------------------------------------


def _all_placements(problem: Problem, placements: Iterable[Placement]) -> list[Placement]:
    return [*problem.fixed, *placements]


def evaluate(problem: Problem, placements: Iterable[Placement]) -> Evaluation:
    """Figures for an answer (fixed placements included): required and filled positions, the
    fairness figure (see module docstring) and total home-to-session travel of new placements."""
    placements = list(placements)
    slot_by_id = {s.id: s for s in problem.slots}
    sup_by_id = {s.id: s for s in problem.supporters}
    everything = [p for p in _all_placements(problem, placements) if p.slot_id in slot_by_id]
    on_slot: dict[int, list[Placement]] = defaultdict(list)
    for pl in everything:
        on_slot[pl.slot_id].append(pl)
    required = sum(s.needed for s in problem.slots)
    filled = 0
    for slot in problem.slots:
        placed = on_slot.get(slot.id, [])
        room = slot.needed
        if slot.lead_needed and not any(p.is_lead for p in placed):
            room -= 1
        filled += min(len(placed), room)
    load: dict[int, int] = {s.id: s.base_load for s in problem.supporters}
    for pl in everything:
        if pl.supporter_id in load:
            load[pl.supporter_id] += 1
    fair = fair_shares(problem.supporters, sum(load.values()))
    deviations = [abs(load[s.id] - fair[s.id]) for s in problem.supporters]
    travel = sum(
        problem.travel_minutes(sup_by_id[p.supporter_id].district, slot_by_id[p.slot_id].district)
        for p in placements
        if p.supporter_id in sup_by_id and p.slot_id in slot_by_id
    )
    faces = {
        (slot_by_id[p.slot_id].series, p.supporter_id)
        for p in everything
        if slot_by_id[p.slot_id].series is not None
    }
    return Evaluation(
        required=required,
        filled=filled,
        fairness=sum(deviations) / len(deviations) if deviations else 0.0,
        max_deviation=max(deviations, default=0.0),
        travel_minutes=travel,
        series_faces=len(faces),
    )


def fair_shares(supporters: list[SupporterData], total: int) -> dict[int, float]:
    """Each supporter's fair share of ``total`` sessions, in proportion to their wish."""
    weights = {s.id: s.fairness_weight for s in supporters}
    weight_sum = sum(weights.values())
    if not weight_sum:
        return {sid: 0.0 for sid in weights}
    return {sid: total * w / weight_sum for sid, w in weights.items()}


def check(problem: Problem, placements: Iterable[Placement]) -> list[str]:
    """Every hard rule broken by the new ``placements`` (with the fixed ones and commitments), as
    readable lines; an empty list means the answer is valid. Fixed placements are not judged on
    their own: a coordinator may have made them by hand."""
    placements = list(placements)
    slot_by_id = {s.id: s for s in problem.slots}
    sup_by_id = {s.id: s for s in problem.supporters}
    problems: list[str] = []
    fixed_pairs = {(p.slot_id, p.supporter_id) for p in problem.fixed}
    seen: set[tuple[int, int]] = set()
    for pl in placements:
        slot = slot_by_id.get(pl.slot_id)
        sup = sup_by_id.get(pl.supporter_id)
        where = f"supporter {pl.supporter_id} on slot {pl.slot_id}"
        if slot is None or sup is None:
            problems.append(f"{where}: unknown slot or supporter")
            continue
        pair = (pl.slot_id, pl.supporter_id)
        if pair in seen or pair in fixed_pairs:
            problems.append(f"{where}: placed twice")
        seen.add(pair)
        if pair in problem.forbidden:
            problems.append(f"{where}: removed by the coordinator")
        if not is_available(sup, slot):
            problems.append(f"{where}: not available")
        if not has_skills(sup, slot):
            problems.append(f"{where}: lacks skills {sorted(slot.skills - sup.skills)}")
        if pl.is_lead and not sup.can_lead:
            problems.append(f"{where}: lead without the lead skill")
        if not is_valid_on_day(sup, slot):
            problems.append(f"{where}: training or insurance not valid on {slot.day}")
        for busy in sup.busy:
            if conflicts(problem, slot.start, slot.end, slot.district, busy):
                problems.append(f"{where}: overlaps an existing assignment at {busy.start}")

    everything = [p for p in _all_placements(problem, placements) if p.slot_id in slot_by_id]
    new_slots = {p.slot_id for p in placements}
    new_sups = {p.supporter_id for p in placements}
    on_slot: dict[int, list[Placement]] = defaultdict(list)
    by_sup: dict[int, list[Placement]] = defaultdict(list)
    for pl in everything:
        on_slot[pl.slot_id].append(pl)
        by_sup[pl.supporter_id].append(pl)
    for slot_id in new_slots:
        slot = slot_by_id.get(slot_id)
        if slot is None:
            continue
        placed = on_slot[slot_id]
        leads = sum(1 for p in placed if p.is_lead)
        if len(placed) > slot.needed:
            problems.append(f"slot {slot_id}: {len(placed)} placed, {slot.needed} needed")
        if leads > 1:
            problems.append(f"slot {slot_id}: {leads} leads")
        if slot.lead_needed and not leads and len(placed) > slot.needed - 1:
            problems.append(f"slot {slot_id}: no lead but all positions taken")
    for sid in new_sups:
        sup = sup_by_id.get(sid)
        if sup is None:
            continue
        mine = sorted((slot_by_id[p.slot_id] for p in by_sup[sid]), key=lambda s: (s.start, s.id))
        new_here = {p.slot_id for p in placements if p.supporter_id == sid}
        for i, a in enumerate(mine):
            for b in mine[i + 1 :]:
                if (a.id in new_here or b.id in new_here) and conflicts(
                    problem, a.start, a.end, a.district, b
                ):
                    problems.append(
                        f"supporter {sid}: slots {a.id} and {b.id} overlap or too close"
                    )
        months: dict[tuple[int, int], int] = defaultdict(int)
        new_months = {slot_by_id[s].month for s in new_here}
        for slot in mine:
            months[slot.month] += 1
        for month in new_months:
            total = months[month] + sup.month_counts.get(month, 0)
            if total > sup.max_per_month:
                problems.append(
                    f"supporter {sid}: {total} sessions in {month}, maximum {sup.max_per_month}"
                )
    return problems


def explain_gaps(problem: Problem, placements: Iterable[Placement]) -> list[Gap]:
    """For each slot still short after ``placements``, why: the first rule that leaves no one.

    The rules are applied in turn to everyone not already on the slot (and not removed from it):
    available, has the skills, training and insurance valid, (when only the lead is missing) can
    lead, under the monthly maximum, free at that time. ``detail`` holds how many pass each step.
    """
    placements = list(placements)
    slot_by_id = {s.id: s for s in problem.slots}
    everything = [p for p in _all_placements(problem, placements) if p.slot_id in slot_by_id]
    on_slot: dict[int, list[Placement]] = defaultdict(list)
    by_sup: dict[int, list[Slot]] = defaultdict(list)
    for pl in everything:
        on_slot[pl.slot_id].append(pl)
        by_sup[pl.supporter_id].append(slot_by_id[pl.slot_id])
    gaps = []
    for slot in problem.slots:
        placed = on_slot.get(slot.id, [])
        lead_missing = slot.lead_needed and not any(p.is_lead for p in placed)
        room = slot.needed - (1 if lead_missing else 0)
        missing = slot.needed - min(len(placed), room)
        if missing > 0:
            only_lead = lead_missing and len(placed) >= slot.needed - 1
            reason, detail = _gap_reason(problem, slot, placed, by_sup, only_lead)
            gaps.append(Gap(slot.id, missing, lead_missing, reason, detail))
    return gaps


def _gap_reason(
    problem: Problem,
    slot: Slot,
    placed: list[Placement],
    by_sup: dict[int, list[Slot]],
    only_lead: bool,
) -> tuple[str, dict[str, int]]:
    on = {p.supporter_id for p in placed}
    pool = [
        s for s in problem.supporters if s.id not in on and (slot.id, s.id) not in problem.forbidden
    ]
    detail: dict[str, int] = {"candidates": len(pool)}

    def under_max(s: SupporterData) -> bool:
        used = sum(1 for other in by_sup.get(s.id, []) if other.month == slot.month)
        return used + s.month_counts.get(slot.month, 0) < s.max_per_month

    def free(s: SupporterData) -> bool:
        others = [*s.busy, *by_sup.get(s.id, [])]
        return not any(conflicts(problem, slot.start, slot.end, slot.district, o) for o in others)

    steps = [
        ("available", NO_ONE_AVAILABLE, lambda s: is_available(s, slot)),
        ("with_skills", NO_ONE_WITH_SKILL, lambda s: has_skills(s, slot)),
        ("trained_and_insured", TRAINING_OR_INSURANCE, lambda s: is_valid_on_day(s, slot)),
    ]
    if only_lead:
        steps.append(("can_lead", NO_LEAD, lambda s: s.can_lead))
    steps += [
        ("under_maximum", EVERYONE_AT_MAXIMUM, under_max),
        ("free", BUSY_ELSEWHERE, free),
    ]
    reason = ""
    for name, code, keep in steps:
        pool = [s for s in pool if keep(s)]
        detail[name] = len(pool)
        if not pool and not reason:
            reason = code
    if only_lead and reason in (NO_ONE_AVAILABLE, NO_ONE_WITH_SKILL, TRAINING_OR_INSURANCE):
        # Only the lead is missing: say so rather than blame the other positions' rules.
        reason = NO_LEAD
    # Someone passes every rule only when the solver stopped early; they are needed elsewhere.
    return reason or BUSY_ELSEWHERE, detail


# --- The solver -------------------------------------------------------------------------------

# Objective weights. Filled positions come first: one more filled position outweighs any change
# in the rest. Fairness counts in hundredths of a session: one session away from the fair share
# costs 100.
FILL_WEIGHT = 1_000_000
FAIRNESS_SCALE = 100
SERIES_NEW_PERSON_COST = 30  # each distinct supporter on a series
SERIES_HISTORY_BONUS = 15  # a supporter who helped at this series before
TRAVEL_COST_PER_10_MIN = 3  # home district to session district


def _pair_cost(problem: Problem, slot: Slot, sup: SupporterData) -> int:
    cost = TRAVEL_COST_PER_10_MIN * problem.travel_minutes(sup.district, slot.district) // 10
    if slot.series is not None and slot.series in sup.series_history:
        cost -= SERIES_HISTORY_BONUS
    return cost


def _components(
    problem: Problem, prep: _Prepared, pairs: dict[int, list[tuple[int, int]]]
) -> tuple[dict[tuple[int, int], int], dict[int, int], set[int]]:
    """Group each supporter's eligible slots into conflict components.

    Returns (slot id, supporter id) -> component id, component id -> the most slots of it one
    person can do (maximum independent set, or its size when too big to search), and the ids of
    components that are not cliques (where the flow relaxation may pick clashing slots).
    """
    comp_of: dict[tuple[int, int], int] = {}
    cap: dict[int, int] = {}
    not_clique: set[int] = set()
    by_sup: dict[int, list[int]] = defaultdict(list)
    for slot_id, sup_ids in prep.eligible.items():
        for sid in sup_ids:
            by_sup[sid].append(slot_id)
    next_id = 0
    for sid, slot_ids in by_sup.items():
        parent = {s: s for s in slot_ids}

        def find(a: int, parent: dict[int, int] = parent) -> int:
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a

        edges = pairs.get(sid, [])
        for a, b in edges:
            parent[find(a)] = find(b)
        members: dict[int, list[int]] = defaultdict(list)
        for slot_id in slot_ids:
            members[find(slot_id)].append(slot_id)
        edge_set = {frozenset(e) for e in edges}
        inner: dict[int, int] = defaultdict(int)
        for e in edge_set:
            inner[find(next(iter(e)))] += 1
        for root, group in members.items():
            for slot_id in group:
                comp_of[(slot_id, sid)] = next_id
            n = len(group)
            if inner[root] == n * (n - 1) // 2:
                cap[next_id] = 1 if n else 0
            else:
                not_clique.add(next_id)
                cap[next_id] = _max_independent(group, edge_set) if n <= 14 else n
            next_id += 1
    return comp_of, cap, not_clique


def _max_independent(group: list[int], edges: set[frozenset[int]]) -> int:
    best = 0
    n = len(group)
    for mask in range(1 << n):
        chosen = [group[i] for i in range(n) if mask >> i & 1]
        if len(chosen) <= best:
            continue
        if all(
            frozenset((a, b)) not in edges for i, a in enumerate(chosen) for b in chosen[i + 1 :]
        ):
            best = len(chosen)
    return best


def _flow_solution(
    problem: Problem, prep: _Prepared, pairs: dict[int, list[tuple[int, int]]]
) -> tuple[int, list[Placement]]:
    """Max-flow relaxation: (upper bound on new filled positions, a min-cost placement).

    Network: source -> slot lead/plain positions -> (supporter, conflict component) -> (supporter,
    month) -> supporter -> sink. It relaxes only the overlap rule inside components that are not
    cliques, so its maximum is an upper bound on what any valid answer fills; the min-cost flow of
    that size spreads sessions towards fair shares (convex costs on the supporter -> sink arcs).
    """
    from ortools.graph.python import max_flow, min_cost_flow

    comp_of, comp_cap, _ = _components(problem, prep, pairs)
    nodes: dict[tuple, int] = {}

    def node(key: tuple) -> int:
        if key not in nodes:
            nodes[key] = len(nodes)
        return nodes[key]

    source, sink = node(("source",)), node(("sink",))
    arcs: list[tuple[int, int, int, int]] = []  # tail, head, capacity, cost
    pair_arcs: list[tuple[int, int, int, bool]] = []  # arc index, slot, supporter, is_lead
    for slot in problem.slots:
        cap = prep.capacity[slot.id]
        if cap <= 0 or not prep.eligible[slot.id]:
            continue
        lead_open = prep.lead_open[slot.id]
        plain = node(("plain", slot.id))
        arcs.append((source, plain, cap - (1 if lead_open else 0), 0))
        if lead_open:
            lead = node(("lead", slot.id))
            arcs.append((source, lead, 1, 0))
        for sid in prep.eligible[slot.id]:
            sup = prep.sup_by_id[sid]
            comp = node(("comp", comp_of[(slot.id, sid)]))
            cost = _pair_cost(problem, slot, sup) + SERIES_HISTORY_BONUS  # keep costs >= 0
            pair_arcs.append((len(arcs), slot.id, sid, False))
            arcs.append((plain, comp, 1, cost))
            if lead_open and sup.can_lead:
                pair_arcs.append((len(arcs), slot.id, sid, True))
                arcs.append((node(("lead", slot.id)), comp, 1, cost))
    comp_month: dict[int, tuple[int, tuple[int, int]]] = {}
    for (slot_id, sid), comp in comp_of.items():
        comp_month[comp] = (sid, prep.slot_by_id[slot_id].month)
    for comp, (sid, month) in comp_month.items():
        arcs.append((node(("comp", comp)), node(("month", sid, month)), comp_cap[comp], 0))
    months_of: dict[int, set] = defaultdict(set)
    for sid, month in comp_month.values():
        months_of[sid].add(month)
    for sid, months in months_of.items():
        for month in months:
            room = max(prep.month_room[(sid, month)], 0)
            arcs.append((node(("month", sid, month)), node(("sup", sid)), room, 0))

    # Stage 1: the maximum.
    mf = max_flow.SimpleMaxFlow()
    sup_room: dict[int, int] = {
        sid: sum(max(prep.month_room[(sid, m)], 0) for m in months)
        for sid, months in months_of.items()
    }
    for tail, head, capacity, _cost in arcs:
        mf.add_arc_with_capacity(tail, head, capacity)
    for sid, room in sup_room.items():
        mf.add_arc_with_capacity(node(("sup", sid)), sink, room)
    mf.solve(source, sink)
    best = mf.optimal_flow()
    if best == 0:
        return 0, []

    # Stage 2: that many, at the least cost (fairness, travel, series history).
    fixed_load: dict[int, int] = defaultdict(int)
    for pl in problem.fixed:
        if pl.slot_id in prep.slot_by_id:
            fixed_load[pl.supporter_id] += 1
    total = sum(s.base_load for s in problem.supporters) + sum(fixed_load.values()) + best
    fair = fair_shares(problem.supporters, total)
    sink_arcs: list[tuple[int, int]] = []  # supporter node, cost (one unit each)
    for sid, room in sup_room.items():
        start = prep.sup_by_id[sid].base_load + fixed_load[sid]
        previous = abs(start - fair[sid])
        for k in range(1, room + 1):
            now = abs(start + k - fair[sid])
            # Marginal cost of the k-th session: convex, so units are taken in order. A tiny
            # rising term breaks ties towards an even spread.
            marginal = round(FAIRNESS_SCALE * (now - previous)) + k
            sink_arcs.append((node(("sup", sid)), marginal + 2 * FAIRNESS_SCALE))
            previous = now
    pair_arc_ids = {arc for arc, *_ in pair_arcs}
    slot_series = {slot.id: slot.series for slot in problem.slots}

    def min_cost(discounted: set[tuple[int, int]]) -> list[Placement]:
        mcf = min_cost_flow.SimpleMinCostFlow()
        discount_of = {}
        for arc, slot_id, sid, _lead in pair_arcs:
            if (slot_id, sid) in discounted:
                discount_of[arc] = SERIES_NEW_PERSON_COST
        for i, (tail, head, capacity, cost) in enumerate(arcs):
            if i in pair_arc_ids:
                # The same offset on every pair arc keeps costs >= 0 and changes no choice.
                cost += SERIES_NEW_PERSON_COST - discount_of.get(i, 0)
            mcf.add_arc_with_capacity_and_unit_cost(tail, head, capacity, cost)
        for tail, cost in sink_arcs:
            mcf.add_arc_with_capacity_and_unit_cost(tail, sink, 1, cost)
        mcf.set_node_supply(source, best)
        mcf.set_node_supply(sink, -best)
        if mcf.solve() != mcf.OPTIMAL:
            return []
        return [
            Placement(slot_id, sid, is_lead)
            for arc, slot_id, sid, is_lead in pair_arcs
            if mcf.flow(arc) > 0
        ]

    placements = min_cost(set())
    best_cost = _secondary_cost(problem, prep, placements, fair, fixed_load)
    # Flows cannot see "the same person on a series"; a few rounds that make the people already
    # on a series cheaper for its other sessions pull the series together at little cost.
    for _round in range(SERIES_ROUNDS):
        on_series: dict[int, set[int]] = defaultdict(set)
        for pl in placements:
            if slot_series[pl.slot_id] is not None:
                on_series[slot_series[pl.slot_id]].add(pl.supporter_id)
        discounted = {
            (slot_id, sid)
            for _arc, slot_id, sid, _lead in pair_arcs
            if slot_series[slot_id] is not None and sid in on_series[slot_series[slot_id]]
        }
        candidate = min_cost(discounted)
        cost = _secondary_cost(problem, prep, candidate, fair, fixed_load)
        if len(candidate) < len(placements) or cost >= best_cost:
            break
        placements, best_cost = candidate, cost
    return best, placements


SERIES_ROUNDS = 3


def _secondary_cost(problem, prep, placements, fair, fixed_load) -> int:
    """The CP-SAT objective without the fill term, for comparing warm starts."""
    load: dict[int, int] = defaultdict(int)
    people: set[tuple[int, int]] = set()
    cost = 0
    for pl in placements:
        load[pl.supporter_id] += 1
        slot = prep.slot_by_id[pl.slot_id]
        cost += _pair_cost(problem, slot, prep.sup_by_id[pl.supporter_id])
        if slot.series is not None:
            people.add((slot.series, pl.supporter_id))
    for sup in problem.supporters:
        base = sup.base_load + fixed_load[sup.id]
        cost += abs(FAIRNESS_SCALE * (base + load[sup.id]) - round(fair[sup.id] * FAIRNESS_SCALE))
    return cost + SERIES_NEW_PERSON_COST * len(people)


def _repair(problem: Problem, placements: list[Placement]) -> list[Placement]:
    """Drop placements until ``check`` passes (only needed when the relaxation picked clashing
    slots inside a non-clique component); later placements go first."""
    kept = list(placements)
    while True:
        broken = check(problem, kept)
        if not broken:
            return kept
        bad_sups = set()
        for line in broken:
            if line.startswith("supporter "):
                bad_sups.add(int(line.split()[1].rstrip(":")))
        if not bad_sups:
            return []
        for i in range(len(kept) - 1, -1, -1):
            if kept[i].supporter_id in bad_sups:
                del kept[i]
                break


# When the warm start already fills every place the relaxation allows, CP-SAT only improves the
# spread, so each slot keeps its most promising candidates (and whoever the warm start chose):
# a model a few times smaller that the solver can actually search within the time limit.
CANDIDATES_PER_PLACE = 4
MIN_CANDIDATES = 8


def _candidates(problem, prep, first_keys, fair, fixed_load, first_load, bound):
    if len(first_keys) < bound:
        return prep.eligible  # more places may be fillable: search everything
    slack = {
        sid: fair[sid] - sup.base_load - fixed_load[sid] - first_load[sid]
        for sid, sup in prep.sup_by_id.items()
    }
    chosen: dict[int, list[int]] = {}
    for slot in problem.slots:
        eligible = prep.eligible[slot.id]
        keep = max(MIN_CANDIDATES, CANDIDATES_PER_PLACE * prep.capacity[slot.id])
        if len(eligible) <= keep:
            chosen[slot.id] = eligible
            continue
        ranked = sorted(
            eligible,
            key=lambda sid, slot=slot: (
                (slot.id, sid) not in first_keys,
                -slack[sid],
                _pair_cost(problem, slot, prep.sup_by_id[sid]),
                sid,
            ),
        )
        best = set(ranked[:keep])
        if prep.lead_open[slot.id]:
            # Keep a few who can lead, or the lead place could not move.
            best.update([sid for sid in ranked if prep.sup_by_id[sid].can_lead][:MIN_CANDIDATES])
        chosen[slot.id] = [sid for sid in eligible if sid in best]
    return chosen


def solve(
    problem: Problem,
    *,
    time_limit: float = 8.0,
    seed: int = 0,
    workers: int = 2,
) -> MatchResult:
    """Best placements for ``problem``: OR-Tools CP-SAT over every hard rule, warm-started.

    1. A max-flow relaxation (OR-Tools graph) gives an upper bound on the positions any valid
       answer can fill, and a min-cost flow of that size a first answer that is fairest and
       nearest (the flow costs are exactly the fairness and travel terms); a few re-weighted
       rounds pull series together; it is repaired if it breaks rule 2 (only possible when
       travel times make a supporter's conflicts a chain rather than a clique).
    2. CP-SAT solves the model with every rule: first fill as many positions as possible
       (weight ``FILL_WEIGHT``, never fewer than the first answer), then minimise the distance
       to fair shares, distinct people per series and travel. It starts from the first answer
       (and, when that already fills the bound, searches each slot's best candidates only), so
       even a time-out returns a valid answer.

    ``time_limit``: seconds in all (building included, the first import of CP-SAT not);
    ``seed``: CP-SAT random seed; ``workers``: CP-SAT threads. Status: OPTIMAL (proved),
    FEASIBLE (time limit reached), WARM_START (CP-SAT found nothing in time: the first answer
    stands), NOTHING_TO_PLACE. ``filled_upper_bound`` always says how many places are fillable
    at most; when ``evaluate(...).filled`` equals it, no valid answer fills more.
    """
    from ortools.sat.python import cp_model  # slow first import (pandas); not counted below

    started = time_module.perf_counter()
    prep = _prepare(problem)
    pairs = _conflict_pairs(problem, prep)
    fixed_filled = evaluate(problem, []).filled
    if not any(prep.eligible.values()):
        return MatchResult(
            placements=[],
            status="NOTHING_TO_PLACE",
            solve_seconds=time_module.perf_counter() - started,
            objective=0.0,
            filled_upper_bound=fixed_filled,
            gaps=explain_gaps(problem, []),
        )
    bound, first = _flow_solution(problem, prep, pairs)
    first = _repair(problem, first)
    first_keys = {(p.slot_id, p.supporter_id): p.is_lead for p in first}

    # Fair shares assume the bound is reached; a little off when it is not, which only nudges.
    fixed_load: dict[int, int] = defaultdict(int)
    for pl in problem.fixed:
        if pl.slot_id in prep.slot_by_id:
            fixed_load[pl.supporter_id] += 1
    total = sum(s.base_load for s in problem.supporters) + sum(fixed_load.values()) + bound
    fair = fair_shares(problem.supporters, total)
    first_load: dict[int, int] = defaultdict(int)
    for p in first:
        first_load[p.supporter_id] += 1
    candidates = _candidates(problem, prep, first_keys, fair, fixed_load, first_load, bound)

    # Built with the snake_case API and LinearExpr.sum/weighted_sum: Python-side model building
    # is a large share of the time budget at this size.
    LinearExpr = cp_model.LinearExpr
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    lead: dict[tuple[int, int], cp_model.IntVar] = {}
    for slot in problem.slots:
        lead_open = prep.lead_open[slot.id]
        for sid in candidates[slot.id]:
            key = (slot.id, sid)
            var = x[key] = model.new_bool_var("")
            model.add_hint(var, key in first_keys)
            if lead_open and prep.sup_by_id[sid].can_lead:
                lvar = lead[key] = model.new_bool_var("")
                model.add_implication(lvar, var)
                model.add_hint(lvar, first_keys.get(key, False))
    by_slot: dict[int, list] = defaultdict(list)
    lead_by_slot: dict[int, list] = defaultdict(list)
    by_sup_month: dict[tuple[int, tuple[int, int]], list] = defaultdict(list)
    x_by_sup: dict[int, list] = defaultdict(list)
    for (slot_id, sid), var in x.items():
        by_slot[slot_id].append(var)
        by_sup_month[(sid, prep.slot_by_id[slot_id].month)].append(var)
        x_by_sup[sid].append(var)
    for (slot_id, _sid), var in lead.items():
        lead_by_slot[slot_id].append(var)
    for slot in problem.slots:
        vars_ = by_slot.get(slot.id)
        if not vars_:
            continue
        cap = prep.capacity[slot.id]
        if prep.lead_open[slot.id]:
            leads = lead_by_slot.get(slot.id, [])
            if leads:
                model.add_at_most_one(leads)
            # Without a lead, one place stays free for them.
            model.add(LinearExpr.sum(vars_) - LinearExpr.sum(leads) <= cap - 1)
        elif len(vars_) > cap:
            model.add(LinearExpr.sum(vars_) <= cap)
    for key, vars_ in by_sup_month.items():
        if len(vars_) > prep.month_room[key]:
            model.add(LinearExpr.sum(vars_) <= prep.month_room[key])
    for sid, found in pairs.items():
        for a, b in found:
            if (a, sid) in x and (b, sid) in x:
                model.add_at_most_one([x[(a, sid)], x[(b, sid)]])
    all_x = list(x.values())
    filled = LinearExpr.sum(all_x)
    model.add(filled >= len(first))
    model.add(filled <= bound)

    obj_vars: list = list(all_x)
    obj_coeffs: list[int] = []
    for slot_id, sid in x:
        cost = _pair_cost(problem, prep.slot_by_id[slot_id], prep.sup_by_id[sid])
        obj_coeffs.append(cost - FILL_WEIGHT)
    for sup in problem.supporters:
        mine = x_by_sup.get(sup.id)
        if not mine:
            continue  # a constant: it cannot change the choice
        base = sup.base_load + fixed_load[sup.id]
        target = round(fair[sup.id] * FAIRNESS_SCALE)
        dev = model.new_int_var(0, FAIRNESS_SCALE * (len(mine) + base) + target, "")
        model.add_hint(dev, abs(FAIRNESS_SCALE * (base + first_load[sup.id]) - target))
        # dev >= |100 * load - target|, load = base + new sessions
        load = LinearExpr.sum(mine)
        model.add(dev - FAIRNESS_SCALE * load >= FAIRNESS_SCALE * base - target)
        model.add(dev + FAIRNESS_SCALE * load >= target - FAIRNESS_SCALE * base)
        obj_vars.append(dev)
        obj_coeffs.append(1)
    series_slots: dict[int, list[int]] = defaultdict(list)
    for slot in problem.slots:
        if slot.series is not None:
            series_slots[slot.series].append(slot.id)
    for slot_ids in series_slots.values():
        if len(slot_ids) < 2:
            continue
        per_sup: dict[int, list] = defaultdict(list)
        for slot_id in slot_ids:
            for sid in candidates[slot_id]:
                per_sup[sid].append(x[(slot_id, sid)])
        for sid, vars_ in per_sup.items():
            if len(vars_) < 2:
                continue  # one chance only: no continuity to keep
            on_series = model.new_bool_var("")
            for var in vars_:
                model.add_implication(var, on_series)
            model.add_hint(on_series, any((s, sid) in first_keys for s in slot_ids))
            obj_vars.append(on_series)
            obj_coeffs.append(SERIES_NEW_PERSON_COST)
    model.minimize(LinearExpr.weighted_sum(obj_vars, obj_coeffs))

    solver = cp_model.CpSolver()
    remaining = time_limit - (time_module.perf_counter() - started)
    solver.parameters.max_time_in_seconds = max(remaining, 0.2)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    # The warm start already fills what the relaxation proves fillable in most cases; heavy
    # presolve would spend the time budget before the search starts.
    solver.parameters.symmetry_level = 0
    solver.parameters.cp_model_probing_level = 0
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        answer = [
            Placement(slot_id, sid, key in lead and bool(solver.boolean_value(lead[key])))
            for key, var in sorted(x.items())
            for slot_id, sid in (key,)
            if solver.boolean_value(var)
        ]
        status_name = solver.status_name(status)
        # Report the second-level cost only (fairness, series, travel), without the fill term.
        objective = float(solver.objective_value + FILL_WEIGHT * len(answer))
    else:
        # The search did not start in time: the warm start stands (it keeps every rule).
        answer, status_name, objective = first, "WARM_START", None
    if len(answer) < len(first):  # never worse than the warm start
        answer = first
    return MatchResult(
        placements=answer,
        status=status_name,
        solve_seconds=time_module.perf_counter() - started,
        objective=objective,
        filled_upper_bound=fixed_filled + bound,
        gaps=explain_gaps(problem, answer),
        warm_start=first,
    )
