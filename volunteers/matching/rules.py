"""The hard rules on one (slot, supporter) pair, the precomputation both solvers share, and the
figures and rule check of an answer (``evaluate``, ``check``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from volunteers.matching.problem import (
    Busy,
    Evaluation,
    Placement,
    Problem,
    Slot,
    SupporterData,
    _minutes,
)

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

    open_slots = [slot for slot in problem.slots if capacity[slot.id] > 0]
    eligible: dict[int, list[int]] = {slot.id: [] for slot in problem.slots}
    eligible.update(
        _eligible_bulk(problem, open_slots, fixed_by_slot, fixed_by_sup, slot_by_id, month_room)
    )
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
    found = _eligible_bulk(problem, [slot], fixed_by_slot, fixed_by_sup, slot_by_id, month_room)
    return found[slot.id]


def _eligible_bulk(
    problem, slots, fixed_by_slot, fixed_by_sup, slot_by_id, month_room
) -> dict[int, list[int]]:
    """``_eligible_ids`` for many slots at once: the same answers, computed per distinct time
    span (availability, training, insurance and monthly room depend only on the JST day and
    minutes) and per distinct skill set, then intersected; only supporters with commitments
    are checked pair by pair for clashes. Needed at prefecture size (2,000 sessions x 1,000
    supporters: 2 million pairs)."""
    order = {sup.id: i for i, sup in enumerate(problem.supporters)}
    committed = {sup.id for sup in problem.supporters if sup.busy or fixed_by_sup.get(sup.id)}
    forbidden_by_slot: dict[int, set[int]] = defaultdict(set)
    for slot_id, sid in problem.forbidden:
        forbidden_by_slot[slot_id].add(sid)
    by_span: dict[tuple, set[int]] = {}
    by_skills: dict[frozenset[str], set[int]] = {}
    found: dict[int, list[int]] = {}
    for slot in slots:
        span = slot.span
        if span is None:
            found[slot.id] = []  # runs past midnight: no daily window can hold it
            continue
        free = by_span.get(span)
        if free is None:
            free = by_span[span] = {
                sup.id
                for sup in problem.supporters
                if month_room[(sup.id, slot.month)] > 0
                and is_valid_on_day(sup, slot)
                and is_available(sup, slot)
            }
        skilled = by_skills.get(slot.skills)
        if skilled is None:
            skilled = by_skills[slot.skills] = {
                sup.id for sup in problem.supporters if has_skills(sup, slot)
            }
        ids = free & skilled
        ids -= {p.supporter_id for p in fixed_by_slot.get(slot.id, [])}
        ids -= forbidden_by_slot.get(slot.id, set())
        for sid in ids & committed:
            sup = problem.supporters[order[sid]]
            if _clashes_with_commitments(problem, sup, slot, fixed_by_sup, slot_by_id):
                ids.discard(sid)
        found[slot.id] = sorted(ids, key=order.__getitem__)
    return found


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
