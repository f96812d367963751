"""Why a slot stays short: the first rule that leaves no one (``explain_gaps``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from volunteers.matching.problem import (
    BUSY_ELSEWHERE,
    EVERYONE_AT_MAXIMUM,
    NO_LEAD,
    NO_ONE_AVAILABLE,
    NO_ONE_WITH_SKILL,
    TRAINING_OR_INSURANCE,
    Busy,
    Gap,
    Placement,
    Problem,
    Slot,
    SupporterData,
)
from volunteers.matching.rules import (
    _all_placements,
    conflicts,
    has_skills,
    is_available,
    is_valid_on_day,
)


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
        others: list[Slot | Busy] = [*s.busy, *by_sup.get(s.id, [])]
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
