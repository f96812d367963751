"""A simple greedy assignment, the baseline the CP-SAT proposal is compared with.

It does what a careful coordinator would do by hand: take the sessions in time order and, for
each, first a lead if one is needed, then fill the other positions, each time choosing among the
supporters who break no hard rule the one with the fewest sessions so far (ties: lowest id). It
never looks ahead, so a scarce skill can be used up early and wishes are not considered.
"""

from __future__ import annotations

import time as time_module
from collections import defaultdict

from volunteers.matching import MatchResult, Placement, Problem, Slot, conflicts, explain_gaps
from volunteers.matching.rules import _prepare


def solve_greedy(problem: Problem) -> MatchResult:
    """Greedy placements for ``problem`` (same rules as ``matching.solve``); never fails."""
    started = time_module.perf_counter()
    prep = _prepare(problem)
    taken: dict[int, list[Slot]] = defaultdict(list)  # supporter -> new slots
    load: dict[int, int] = defaultdict(int)
    for sup in problem.supporters:
        load[sup.id] = sup.base_load + len(prep.fixed_by_sup.get(sup.id, []))
    room = dict(prep.month_room)
    placements: list[Placement] = []

    def fits(sid: int, slot: Slot) -> bool:
        if room[(sid, slot.month)] <= 0:
            return False
        return not any(
            conflicts(problem, slot.start, slot.end, slot.district, other) for other in taken[sid]
        )

    def place(sid: int, slot: Slot, is_lead: bool) -> None:
        placements.append(Placement(slot.id, sid, is_lead))
        taken[sid].append(slot)
        load[sid] += 1
        room[(sid, slot.month)] -= 1

    for slot in sorted(problem.slots, key=lambda s: (s.start, s.id)):
        capacity = prep.capacity[slot.id]
        if capacity <= 0:
            continue
        candidates = [sid for sid in prep.eligible[slot.id] if fits(sid, slot)]
        candidates.sort(key=lambda sid: (load[sid], sid))
        chosen: set[int] = set()
        if prep.lead_open[slot.id]:
            lead = next((sid for sid in candidates if prep.sup_by_id[sid].can_lead), None)
            if lead is None:
                capacity -= 1  # the lead position stays empty; the others can still be filled
            else:
                place(lead, slot, True)
                chosen.add(lead)
                capacity -= 1
        for sid in candidates:
            if capacity <= 0:
                break
            if sid in chosen:
                continue
            place(sid, slot, False)
            capacity -= 1
    return MatchResult(
        placements=placements,
        status="GREEDY",
        solve_seconds=time_module.perf_counter() - started,
        gaps=explain_gaps(problem, placements),
    )
