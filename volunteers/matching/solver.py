"""The solver: max-flow bound and min-cost-flow warm start, then CP-SAT (``solve``)."""

from __future__ import annotations

import time as time_module
from collections import defaultdict

from volunteers.matching.explanations import explain_gaps
from volunteers.matching.problem import MatchResult, Placement, Problem, Slot, SupporterData
from volunteers.matching.rules import (
    _conflict_pairs,
    _prepare,
    _Prepared,
    check,
    evaluate,
    fair_shares,
)

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
            if (series := slot_series[pl.slot_id]) is not None:
                on_series[series].add(pl.supporter_id)
        discounted = {
            (slot_id, sid)
            for _arc, slot_id, sid, _lead in pair_arcs
            if (series := slot_series[slot_id]) is not None and sid in on_series[series]
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

        def rank(sid: int, slot: Slot = slot) -> tuple[bool, float, int, int]:
            return (
                (slot.id, sid) not in first_keys,
                -slack[sid],
                _pair_cost(problem, slot, prep.sup_by_id[sid]),
                sid,
            )

        ranked = sorted(eligible, key=rank)
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
