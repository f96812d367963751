"""The flow relaxation of matching (OR-Tools graph): an upper bound on fill and a first answer.

Network: source -> each slot's lead position (1) and plain positions (needed - 1 or needed) ->
(supporter, conflict group) with capacity the most slots of the group one person can do ->
(supporter, JST month) with the monthly room -> supporter -> sink. It holds rules 1, 3, 4, 5,
6 and 7 exactly (eligibility, lead, monthly maximum, capacity, removed pairs) and rule 2 (overlap
and travel) through the group capacities: exactly when every group is a clique, as a relaxation
otherwise (a non-clique group of three slots where one person can do two lets the flow pick any
two, clashing or not). So its maximum is an upper bound on the places any valid answer fills,
and equal to the best fill when ``exact``.

The first answer is a minimum-cost flow of that maximum: first fairest (the fairness figure of
``rules.evaluate`` in exact integers, see ``fairness_scale``), then least travel. When ``exact``
its fairness is the best any answer with that fill can reach.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from volunteers.matching.groups import ConflictGroup
from volunteers.matching.problem import Placement, Problem
from volunteers.matching.rules import _Prepared


@dataclass
class FlowAnswer:
    """``bound``: most new places the relaxation can fill; ``placements``: its fairest answer
    of that size (may break rule 2 when not ``exact``); ``fairness_cost``: that answer's
    fairness in the integer units of ``fairness_cost``."""

    bound: int
    exact: bool
    placements: list[Placement] = field(default_factory=list)
    fairness_cost: int | None = None


def fairness_weights(problem: Problem) -> tuple[dict[int, int], int]:
    """Each supporter's weight (their wish, see ``SupporterData.fairness_weight``) and the sum."""
    weights = {s.id: s.fairness_weight for s in problem.supporters}
    return weights, sum(weights.values())


def fairness_cost(load: int, weight: int, weight_sum: int, total: int) -> int:
    """|load - fair share| times ``weight_sum``, an exact integer: the fair share is
    ``total * weight / weight_sum`` sessions. Summed over supporters and divided by
    ``weight_sum * len(supporters)`` it is the fairness figure of ``rules.evaluate``."""
    return abs(weight_sum * load - total * weight)


def _arc(tails, heads, caps, costs, tail: int, head: int, cap: int) -> None:
    tails.append(tail)
    heads.append(head)
    caps.append(cap)
    costs.append(0)


def flow_solve(
    problem: Problem,
    prep: _Prepared,
    groups: list[ConflictGroup],
    *,
    base_load: dict[int, int],
    base_total: int,
) -> FlowAnswer:
    """Max flow, then the fairest (then nearest) min-cost flow of that size.

    ``base_load``: each supporter's sessions before any new placement (commitments inside the
    range and fixed placements); ``base_total``: their sum.
    """
    import numpy as np
    from ortools.graph.python import max_flow, min_cost_flow

    group_of: dict[tuple[int, int], int] = {}
    for g, group in enumerate(groups):
        for slot_id in group.slot_ids:
            group_of[(slot_id, group.supporter_id)] = g
    exact = all(group.clique for group in groups)

    n_nodes = 2
    source, sink = 0, 1

    def new_node() -> int:
        nonlocal n_nodes
        n_nodes += 1
        return n_nodes - 1

    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []
    pair_arcs: list[tuple[int, int, bool]] = []  # slot, supporter, lead; arc index = position
    group_node = [new_node() for _ in groups]
    pair_tails: list[int] = []
    pair_heads: list[int] = []
    pair_costs: list[int] = []
    travel_of: dict[tuple[str, str], int] = {}
    district = {sid: sup.district for sid, sup in prep.sup_by_id.items()}
    leaders = {sid for sid, sup in prep.sup_by_id.items() if sup.can_lead}
    for slot in problem.slots:
        cap = prep.capacity[slot.id]
        eligible = prep.eligible.get(slot.id) or []
        if cap <= 0 or not eligible:
            continue
        lead_open = prep.lead_open[slot.id]
        plain = new_node()
        tails.append(source)
        heads.append(plain)
        caps.append(cap - lead_open)
        costs.append(0)
        targets = [group_node[group_of[(slot.id, sid)]] for sid in eligible]
        travels = []
        for sid in eligible:
            key = (district[sid], slot.district)
            minutes = travel_of.get(key)
            if minutes is None:
                minutes = travel_of[key] = problem.travel_minutes(*key)
            travels.append(minutes)
        pair_arcs.extend((slot.id, sid, False) for sid in eligible)
        pair_tails.extend([plain] * len(eligible))
        pair_heads.extend(targets)
        pair_costs.extend(travels)
        if lead_open:
            lead = new_node()
            tails.append(source)
            heads.append(lead)
            caps.append(1)
            costs.append(0)
            for sid, target, minutes in zip(eligible, targets, travels, strict=True):
                if sid in leaders:
                    pair_arcs.append((slot.id, sid, True))
                    pair_tails.append(lead)
                    pair_heads.append(target)
                    pair_costs.append(minutes)
    month_node: dict[tuple[int, tuple[int, int]], int] = {}
    sup_node: dict[int, int] = {}
    for g, group in enumerate(groups):
        sid = group.supporter_id
        if sid not in sup_node:
            sup_node[sid] = new_node()
        months = {prep.slot_by_id[s].month for s in group.slot_ids}
        if len(months) == 1:
            month_key = (sid, next(iter(months)))
            if month_key not in month_node:
                month_node[month_key] = new_node()
            target = month_node[month_key]
        else:  # a group across midnight at a month's end: monthly room relaxed here
            target = sup_node[sid]
            exact = False
        _arc(tails, heads, caps, costs, group_node[g], target, group.capacity)
    room_of: dict[int, int] = defaultdict(int)
    for (sid, month), node in month_node.items():
        room = max(prep.month_room[(sid, month)], 0)
        room_of[sid] += room
        _arc(tails, heads, caps, costs, node, sup_node[sid], room)
    for sid in sup_node:
        room_of[sid] = max(room_of[sid], 1)

    first_pair = len(tails)
    all_tails = np.array(tails + pair_tails, dtype=np.int32)
    all_heads = np.array(heads + pair_heads, dtype=np.int32)
    all_caps = np.array(caps + [1] * len(pair_tails), dtype=np.int64)

    mf = max_flow.SimpleMaxFlow()
    mf.add_arcs_with_capacity(all_tails, all_heads, all_caps)
    sink_tails = np.array(list(sup_node.values()), dtype=np.int32)
    mf.add_arcs_with_capacity(
        sink_tails,
        np.full(len(sink_tails), sink, dtype=np.int32),
        np.array([room_of[sid] for sid in sup_node], dtype=np.int64),
    )
    mf.solve(source, sink)
    best = int(mf.optimal_flow())
    if best == 0:
        return FlowAnswer(0, exact, [], None)

    # The fairest answer of that size: convex unit costs on supporter -> sink (fairness, in
    # integer units), scaled above any travel difference; travel on the pair arcs.
    weights, weight_sum = fairness_weights(problem)
    total = base_total + best
    scale = max(pair_costs, default=0) * best + 1
    unit_tails: list[int] = []
    unit_costs: list[int] = []
    offset = weight_sum  # keeps every cost >= 0; the flow size is fixed, so it changes nothing
    for sid, node in sup_node.items():
        load = base_load.get(sid, 0)
        previous = fairness_cost(load, weights[sid], weight_sum, total)
        for k in range(1, min(room_of[sid], best) + 1):
            now = fairness_cost(load + k, weights[sid], weight_sum, total)
            unit_tails.append(node)
            unit_costs.append(scale * (now - previous + offset))
            previous = now
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(
        all_tails,
        all_heads,
        all_caps,
        np.array(costs + pair_costs, dtype=np.int64),
    )
    mcf.add_arcs_with_capacity_and_unit_cost(
        np.array(unit_tails, dtype=np.int32),
        np.full(len(unit_tails), sink, dtype=np.int32),
        np.ones(len(unit_tails), dtype=np.int64),
        np.array(unit_costs, dtype=np.int64),
    )
    mcf.set_node_supply(source, best)
    mcf.set_node_supply(sink, -best)
    if mcf.solve() != mcf.OPTIMAL:
        return FlowAnswer(best, exact, [], None)
    flows = mcf.flows(np.arange(first_pair, first_pair + len(pair_arcs), dtype=np.int32))
    placements = [
        Placement(slot_id, sid, is_lead)
        for (slot_id, sid, is_lead), used in zip(pair_arcs, flows, strict=True)
        if used > 0
    ]
    final = dict(base_load)
    for pl in placements:
        final[pl.supporter_id] = final.get(pl.supporter_id, 0) + 1
    cost = sum(
        fairness_cost(final.get(s.id, 0), weights[s.id], weight_sum, total)
        for s in problem.supporters
    )
    return FlowAnswer(best, exact, placements, cost)
