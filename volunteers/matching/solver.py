"""The solver: a lexicographic CP-SAT solve over every hard rule, started from the flow answer.

Stages, in order; each keeps what the ones before reached:

1. ``fill``: as many positions filled as possible;
2. ``fairness``: fill held at the stage-1 value, the fairness figure (``rules.evaluate``) as
   low as possible, in exact integers (``flow.fairness_cost``);
3. ``continuity``: fairness held at or under the stage-2 value, the fewest faces per weekly
   series: a supporter new to a series counts 2, one who helped it before 1;
4. ``travel``: continuity held at or under the stage-3 value, the least home-to-session travel
   (minutes, new placements).

Each stage is one CP-SAT solve of the same model (every hard rule in force) with its own time
limit; its ``best_objective_bound`` is what CP-SAT proves no answer can beat *given the earlier
stages' values*. The flow relaxation (``flow``) adds its own bounds for fill and fairness: exact
when every conflict group is a clique, a relaxation (of rule 2 only) otherwise; ``Stage`` says
which is which.
"""

from __future__ import annotations

import math
import os
import time as time_module
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from volunteers.matching.explanations import explain_gaps
from volunteers.matching.flow import fairness_cost, fairness_weights, flow_solve
from volunteers.matching.groups import conflict_groups
from volunteers.matching.problem import MatchResult, Placement, Problem, Stage
from volunteers.matching.rules import _prepare, check, evaluate

STAGES = ("fill", "fairness", "continuity", "travel")
# Share of the time left that each stage may use (the last takes all that remains); a stage
# that proves its optimum early leaves its time to the next ones.
STAGE_SHARES = (0.3, 0.45, 0.5, 1.0)
# CP-SAT's presolve (probing, symmetry, repeated passes) takes seconds at 20,000 variables and
# minutes at 400,000 while finding little in this model (no symmetry is broken by it, the bounds
# come from the flow cuts); light settings leave the time to the search.
SOLVER_PARAMETERS: dict[str, object] = {
    "symmetry_level": 0,
    "cp_model_probing_level": 0,
    "max_presolve_iterations": 1,
    "presolve_inclusion_work_limit": 0,
    "find_big_linear_overlap": False,
}
# Share of the time limit kept for after the stages (gap explanations, checks).
RESERVE = 0.08
NEW_FACE_COST = 2
RETURNING_FACE_COST = 1


def default_workers() -> int:
    """CP-SAT search workers: the machine's cores, at most 8 (2 on a 2-core box). With one
    worker CP-SAT runs a single strategy; two let it search and improve the bound in parallel."""
    return max(1, min(8, os.cpu_count() or 1))


@dataclass
class _Model:
    """The CP-SAT model and the variable indices the stages need."""

    model: Any  # ortools.sat.python.cp_model.CpModel (imported lazily: a slow first import)
    keys: list[tuple[int, int]]  # (slot, supporter) per x variable, same order as x
    x: list[int]  # proto indices
    lead: dict[tuple[int, int], int]
    x_by_sup: dict[int, list[int]]


def _add_linear(proto, variables: list[int], coeffs: list[int], lo: int, hi: int) -> None:
    # Written into the proto directly: at 400,000 variables the Python expression API costs
    # seconds per stage.
    c = proto.constraints.add()
    c.linear.vars.extend(variables)
    c.linear.coeffs.extend(coeffs)
    c.linear.domain.extend([lo, hi])


def _build(problem: Problem, prep, groups) -> _Model:
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    proto = model.proto
    keys: list[tuple[int, int]] = []
    x: list[int] = []
    lead: dict[tuple[int, int], int] = {}
    index_of: dict[tuple[int, int], int] = {}
    new_var = proto.variables.add  # the proto directly: twice as fast as new_bool_var
    leaders = {sid for sid, sup in prep.sup_by_id.items() if sup.can_lead}
    n_vars = 0
    for slot in problem.slots:
        lead_open = prep.lead_open[slot.id]
        for sid in prep.eligible.get(slot.id) or []:
            key = (slot.id, sid)
            new_var().domain.extend((0, 1))
            var = n_vars
            n_vars += 1
            keys.append(key)
            x.append(var)
            index_of[key] = var
            if lead_open and sid in leaders:
                new_var().domain.extend((0, 1))
                lead[key] = n_vars
                n_vars += 1
                _add_linear(proto, [n_vars - 1, var], [1, -1], -1, 0)  # lead implies placed
    by_slot: dict[int, list[int]] = defaultdict(list)
    lead_by_slot: dict[int, list[int]] = defaultdict(list)
    by_sup_month: dict[tuple[int, tuple[int, int]], list[int]] = defaultdict(list)
    x_by_sup: dict[int, list[int]] = defaultdict(list)
    for (slot_id, sid), var in zip(keys, x, strict=True):
        by_slot[slot_id].append(var)
        by_sup_month[(sid, prep.slot_by_id[slot_id].month)].append(var)
        x_by_sup[sid].append(var)
    for (slot_id, _sid), lvar in lead.items():
        lead_by_slot[slot_id].append(lvar)
    for slot in problem.slots:
        vars_ = by_slot.get(slot.id)
        if not vars_:
            continue
        cap = prep.capacity[slot.id]
        if prep.lead_open[slot.id]:
            leads = lead_by_slot.get(slot.id, [])
            if len(leads) > 1:
                proto.constraints.add().at_most_one.literals.extend(leads)
            # Without a lead, one place stays free for them: placed - leads <= cap - 1.
            _add_linear(proto, vars_ + leads, [1] * len(vars_) + [-1] * len(leads), 0, cap - 1)
        elif len(vars_) > cap:
            _add_linear(proto, vars_, [1] * len(vars_), 0, cap)
    for key, vars_ in by_sup_month.items():
        room = prep.month_room[key]
        if len(vars_) > room:
            _add_linear(proto, vars_, [1] * len(vars_), 0, room)
    for group in groups:
        sid = group.supporter_id
        vars_ = [index_of[(s, sid)] for s in group.slot_ids]
        if len(vars_) < 2:
            continue
        if group.clique:
            proto.constraints.add().at_most_one.literals.extend(vars_)
            continue
        for a, b in group.pairs:
            proto.constraints.add().at_most_one.literals.extend(
                [index_of[(a, sid)], index_of[(b, sid)]]
            )
        if group.capacity < len(vars_):  # redundant, tightens the linear relaxation
            _add_linear(proto, vars_, [1] * len(vars_), 0, group.capacity)
    return _Model(model, keys, x, lead, x_by_sup)


def _set_objective(proto, variables, coeffs, offset: int = 0, domain=None) -> None:
    """Minimise sum(coeffs * variables) + offset; ``domain`` (lo, hi) restricts that value (a
    bound proved elsewhere, offset included)."""
    proto.clear_objective()
    proto.objective.vars.extend(variables)
    proto.objective.coeffs.extend(coeffs)
    proto.objective.offset = float(offset)
    if domain is not None:
        proto.objective.domain.extend([domain[0] - offset, domain[1] - offset])


def _set_hint(proto, values: list[int]) -> None:
    proto.clear_solution_hint()
    proto.solution_hint.vars.extend(range(len(values)))
    proto.solution_hint.values.extend(values)


def _hint_from(m: _Model, placements: list[Placement], n_vars: int) -> list[int]:
    values = [0] * n_vars
    chosen = {(p.slot_id, p.supporter_id): p.is_lead for p in placements}
    for key, var in zip(m.keys, m.x, strict=True):
        if key in chosen:
            values[var] = 1
            if chosen[key] and key in m.lead:
                values[m.lead[key]] = 1
    return values


def _answer(m: _Model, values) -> list[Placement]:
    return [
        Placement(slot_id, sid, bool(key in m.lead and values[m.lead[key]]))
        for key, var in zip(m.keys, m.x, strict=True)
        if values[var]
        for slot_id, sid in (key,)
    ]


def _run_stage(model, *, seconds: float, workers: int, seed: int, presolve: bool = True):
    """One CP-SAT solve: (status name, objective, bound, all values or None, wall seconds)."""
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.1)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    for name, value in SOLVER_PARAMETERS.items():
        setattr(solver.parameters, name, value)
    solver.parameters.cp_model_presolve = presolve
    started = time_module.perf_counter()
    status = solver.solve(model)
    wall = time_module.perf_counter() - started
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return name, None, None, None, wall
    values = list(solver.response_proto.solution)
    return name, solver.objective_value, solver.best_objective_bound, values, wall


def solve(
    problem: Problem,
    *,
    time_limit: float = 8.0,
    seed: int = 0,
    workers: int | None = None,
    progress=None,
) -> MatchResult:
    """Best placements for ``problem``, lexicographically: fill, fairness, continuity, travel
    (see the module docstring), with every hard rule in force.

    ``time_limit``: seconds in all, preparation included (the first import of CP-SAT not);
    ``seed``: CP-SAT random seed; ``workers``: CP-SAT threads (default ``default_workers()``);
    ``progress``: called with (percent 0-100, stage name) as stages start, e.g. to show a
    background run's progress.

    Returns the new placements with ``stages`` (objective, bound, gap, status, seconds per
    stage). ``status``: OPTIMAL when every stage proved its optimum, FEASIBLE when a stage
    stopped at its time limit, WARM_START when CP-SAT found nothing in time (the flow answer,
    repaired, stands), NOTHING_TO_PLACE. ``filled_upper_bound``: the fewest places the proofs
    allow (flow bound or CP-SAT's stage-1 bound, fixed placements included).
    """
    from ortools.sat.python import cp_model  # slow first import; not counted below

    workers = workers or default_workers()
    started = time_module.perf_counter()

    def left() -> float:
        return time_limit - (time_module.perf_counter() - started)

    def report(percent: int, stage: str) -> None:
        if progress is not None:
            progress(percent, stage)

    report(5, "prepare")
    prep = _prepare(problem)
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
    groups = conflict_groups(problem, prep)
    base_load = {s.id: s.base_load for s in problem.supporters}
    for pl in problem.fixed:
        if pl.slot_id in prep.slot_by_id and pl.supporter_id in base_load:
            base_load[pl.supporter_id] += 1
    base_total = sum(base_load.values())
    flow = flow_solve(problem, prep, groups, base_load=base_load, base_total=base_total)
    first = flow.placements if flow.exact else _repair(problem, flow.placements)
    report(15, "model")
    m = _build(problem, prep, groups)
    proto = m.model.proto
    n_vars = len(proto.variables)
    hint = _hint_from(m, first, n_vars)

    weights, weight_sum = fairness_weights(problem)
    n_sups = max(len(problem.supporters), 1)
    stages: list[Stage] = []
    answer = first
    values: list[int] | None = None
    percent = {"fill": 20, "fairness": 40, "continuity": 65, "travel": 85}

    def stage(name, objective_vars, coeffs, offset, share, to_unit, flow_bound=None, domain=None):
        nonlocal values, hint, answer
        report(percent[name], name)
        _set_objective(proto, objective_vars, coeffs, offset, domain)
        _set_hint(proto, hint)
        # A margin for storing the answer and explaining gaps after the last stage.
        seconds = max((left() - RESERVE * time_limit) * share, 0.1)
        hinted = sum(c * hint[v] for v, c in zip(objective_vars, coeffs, strict=True)) + offset
        # No presolve: the hint is complete and feasible, so search starts from it at once; at
        # 400,000 variables CP-SAT's presolve takes longer than its time limit (it overran by
        # 8 s at 2,000 x 1,000) and found nothing the later stages could use.
        status, obj, bound, found, wall = _run_stage(
            m.model, seconds=seconds, workers=workers, seed=seed, presolve=False
        )
        if found is None:
            # Nothing found in time: the start stands for this stage.
            obj, bound, found = hinted, None, hint
            status = "WARM_START" if status == "UNKNOWN" else status
        if obj is not None and found is not hint and obj >= hinted:
            # No better on this stage's figure: keep the start, which later stages may prefer
            # (a different answer of equal continuity can travel more).
            found = hint
        values = list(found)
        hint = values[:n_vars]
        answer = _answer(m, values)
        stages.append(
            Stage(
                name=name,
                status=status,
                objective=to_unit(obj),
                bound=to_unit(bound) if bound is not None else None,
                seconds=round(wall, 3),
                flow_bound=flow_bound,
                flow_exact=flow.exact if flow_bound is not None else None,
            )
        )
        return round(obj)

    # 1. Fill: minimise -placed. The flow maximum bounds it for every answer (the flow relaxes
    # at most rule 2): given to CP-SAT as the objective's domain, a valid cut, so its bound is
    # at least as tight (alone, its lazy LP needs minutes to get there at this size).
    fill_obj = stage(
        "fill",
        m.x,
        [-1] * len(m.x),
        0,
        STAGE_SHARES[0],
        lambda v: fixed_filled - v,
        flow_bound=fixed_filled + flow.bound,
        domain=(-flow.bound, 0),
    )
    filled_new = -fill_obj
    _add_linear(proto, m.x, [1] * len(m.x), filled_new, filled_new)

    # 2. Fairness: sum over supporters of |W * load - T * w| (see flow.fairness_cost).
    total = base_total + filled_new
    dev_vars: list[int] = []
    constant = 0
    for sup in problem.supporters:
        mine = m.x_by_sup.get(sup.id)
        base = base_load[sup.id]
        target = total * weights[sup.id]
        if not mine:
            constant += fairness_cost(base, weights[sup.id], weight_sum, total)
            continue
        top = max(abs(weight_sum * (base + len(mine)) - target), abs(weight_sum * base - target))
        dev = m.model.new_int_var(0, top, "").index
        load_now = base + sum(hint[v] for v in mine)
        hint.append(abs(weight_sum * load_now - target))
        # dev >= W * (base + sum x) - T * w and dev >= T * w - W * (base + sum x)
        _add_linear(proto, [dev, *mine], [1] + [-weight_sum] * len(mine),
                    weight_sum * base - target, cp_model.INT_MAX)  # fmt: skip
        _add_linear(proto, [dev, *mine], [1] + [weight_sum] * len(mine),
                    target - weight_sum * base, cp_model.INT_MAX)  # fmt: skip
        dev_vars.append(dev)
    n_vars = len(proto.variables)
    scale = weight_sum * n_sups
    flow_fair = None
    fair_domain = None
    if flow.fairness_cost is not None and flow.bound == filled_new:
        flow_fair = round(flow.fairness_cost / scale, 6)
        # The fairest flow of this size bounds the fairness of every answer of this fill from
        # below (same relaxation): a valid cut for CP-SAT, as the objective's domain.
        fair_domain = (flow.fairness_cost, cp_model.INT_MAX)
    fair_obj = stage(
        "fairness",
        dev_vars,
        [1] * len(dev_vars),
        constant,
        STAGE_SHARES[1],
        lambda v: round(v / scale, 6),
        flow_bound=flow_fair,
        domain=fair_domain,
    )
    _add_linear(proto, dev_vars, [1] * len(dev_vars), 0, fair_obj - constant)

    # 3. Continuity: faces per series, a newcomer 2, a returning helper 1.
    face_vars, face_coeffs, face_constant = _faces(problem, prep, m, hint)
    n_vars = len(proto.variables)
    cont_obj = stage(
        "continuity",
        face_vars,
        face_coeffs,
        face_constant,
        STAGE_SHARES[2],
        lambda v: round(v),
    )
    _add_linear(proto, face_vars, face_coeffs, 0, cont_obj - face_constant)

    # 4. Travel: home district to session district, minutes, new placements.
    travel_coeffs = [
        problem.travel_minutes(prep.sup_by_id[sid].district, prep.slot_by_id[slot_id].district)
        for slot_id, sid in m.keys
    ]
    stage("travel", m.x, travel_coeffs, 0, STAGE_SHARES[3], lambda v: round(v))
    report(98, "store")

    if check(problem, answer):  # never expected: the model holds every rule
        answer = first
    statuses = {s.status for s in stages}
    if statuses == {"OPTIMAL"}:
        status = "OPTIMAL"
    elif statuses <= {"WARM_START"}:
        status = "WARM_START"
    else:
        status = "FEASIBLE"
    upper = fixed_filled + flow.bound
    fill_bound = stages[0].bound
    if fill_bound is not None:
        upper = min(upper, math.floor(fill_bound + 1e-6))
    return MatchResult(
        placements=answer,
        status=status,
        solve_seconds=time_module.perf_counter() - started,
        objective=stages[1].objective if len(stages) > 1 else None,
        filled_upper_bound=upper,
        gaps=explain_gaps(problem, answer),
        warm_start=first,
        stages=stages,
    )


def _faces(problem: Problem, prep, m: _Model, hint: list[int]):
    """Continuity terms: per (series, supporter) a face variable (1 when placed on any of the
    series' slots) weighted 2, or 1 for a supporter who helped the series before; a face
    already there through fixed placements is a constant."""
    model = m.model
    proto = model.proto
    series_of = {slot.id: slot.series for slot in problem.slots}
    fixed_faces = {
        (series_of[p.slot_id], p.supporter_id)
        for p in problem.fixed
        if p.slot_id in series_of and series_of[p.slot_id] is not None
    }
    per_face: dict[tuple[int, int], list[int]] = defaultdict(list)
    for (slot_id, sid), var in zip(m.keys, m.x, strict=True):
        series = series_of[slot_id]
        if series is not None:
            per_face[(series, sid)].append(var)
    variables: list[int] = []
    coeffs: list[int] = []
    constant = 0
    for series, sid in fixed_faces:
        constant += (
            RETURNING_FACE_COST
            if series in prep.sup_by_id.get(sid, _NO_HISTORY).series_history
            else NEW_FACE_COST
        )
    for (series, sid), vars_ in per_face.items():
        if (series, sid) in fixed_faces:
            continue  # already a face: more sessions on the series cost nothing
        cost = (
            RETURNING_FACE_COST if series in prep.sup_by_id[sid].series_history else NEW_FACE_COST
        )
        if len(vars_) == 1:
            variables.append(vars_[0])
        else:
            face = model.new_bool_var("").index
            hint.append(int(any(hint[v] for v in vars_)))
            for var in vars_:
                _add_linear(proto, [var, face], [1, -1], -1, 0)  # placed implies face
            variables.append(face)
        coeffs.append(cost)
    return variables, coeffs, constant


class _NoHistory:
    series_history: frozenset[int] = frozenset()


_NO_HISTORY = _NoHistory()


def _repair(problem: Problem, placements: list[Placement]) -> list[Placement]:
    """Drop placements until ``check`` passes (only needed when the relaxation picked clashing
    slots inside a non-clique group); later placements go first."""
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
