"""Rule 2 (no overlap, travel time between districts) as groups of slots per supporter.

Whether two sessions clash depends only on their times and districts, not on the person, so
the clashes are found once between *time classes* (start, end, district) and then read off for
each supporter. A supporter's eligible slots fall into *conflict groups*: connected pieces of
their clash graph. In a *clique* group every two slots clash, so "at most one of them" is the
whole rule (one constraint, and exact in the flow relaxation); otherwise the group keeps its
clashing pairs. At prefecture size (2,000 sessions x 1,000 supporters) this is about 20,000
groups instead of 3.4 million clashing pairs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from volunteers.matching.problem import Busy, Problem
from volunteers.matching.rules import _Prepared, conflicts

# Largest non-clique group whose most-slots-one-person-can-do is found exactly (2^n subsets).
EXACT_MIS_UP_TO = 14


@dataclass(frozen=True)
class ConflictGroup:
    """Slots of one supporter linked by clashes. ``capacity``: the most of them one person can
    do (1 for a clique; for a non-clique group the maximum independent set when it has at most
    ``EXACT_MIS_UP_TO`` slots, else its size, an upper bound). ``pairs``: the clashing slot
    pairs (empty for a clique, where every pair clashes)."""

    supporter_id: int
    slot_ids: tuple[int, ...]
    clique: bool
    capacity: int
    pairs: tuple[tuple[int, int], ...] = field(default=())

    @property
    def capacity_exact(self) -> bool:
        """The capacity is the true maximum (not an upper bound)."""
        return self.clique or len(self.slot_ids) <= EXACT_MIS_UP_TO


def conflict_groups(problem: Problem, prep: _Prepared) -> list[ConflictGroup]:
    """Every supporter's conflict groups over their eligible slots (``prep.eligible``), in
    supporter then slot order. Clashes are symmetric here: a pair clashes when either order
    breaks rule 2 (only differs from ``check`` when the travel table gives two directions
    different times; then this is the stricter)."""
    slot_by_id = prep.slot_by_id
    # Time classes and the clashes between them.
    class_of: dict[int, int] = {}
    keys: list[tuple] = []
    index: dict[tuple, int] = {}
    for slot in problem.slots:
        key = (slot.start, slot.end, slot.district)
        if key not in index:
            index[key] = len(keys)
            keys.append(key)
        class_of[slot.id] = index[key]
    order = sorted(range(len(keys)), key=lambda i: keys[i][0])
    max_travel = max([problem.default_travel, *problem.travel.values()], default=0)
    reach = timedelta(minutes=max_travel)
    neighbours: dict[int, set[int]] = defaultdict(set)
    self_clash: set[int] = set()
    for pos, i in enumerate(order):
        a_start, a_end, a_district = keys[i]
        if a_start < a_end:
            self_clash.add(i)  # two sessions of the same class overlap
        for j in order[pos + 1 :]:
            b_start, b_end, b_district = keys[j]
            if b_start >= a_end + reach:
                break
            if _clash(problem, keys[i], keys[j]):
                neighbours[i].add(j)
                neighbours[j].add(i)
    # Components of the class graph; a component whose classes all clash pairwise (and with
    # themselves) is a clique for every supporter, whatever subset of it they can take.
    comp_of_class = _components(range(len(keys)), neighbours)
    members: dict[int, list[int]] = defaultdict(list)
    for c, comp in comp_of_class.items():
        members[comp].append(c)
    clique_comp = {
        comp
        for comp, classes in members.items()
        if all(c in self_clash for c in classes)
        and all(len(neighbours[c]) >= len(classes) - 1 for c in classes)
        and all(other in neighbours[c] for c in classes for other in classes if other != c)
    }

    by_sup: dict[int, list[int]] = defaultdict(list)
    for slot in problem.slots:
        for sid in prep.eligible.get(slot.id, ()):
            by_sup[sid].append(slot.id)
    groups: list[ConflictGroup] = []
    for sup in problem.supporters:
        slot_ids = by_sup.get(sup.id)
        if not slot_ids:
            continue
        per_comp: dict[int, list[int]] = defaultdict(list)
        for slot_id in slot_ids:
            per_comp[comp_of_class[class_of[slot_id]]].append(slot_id)
        for comp, mine in per_comp.items():
            if comp in clique_comp:
                groups.append(ConflictGroup(sup.id, tuple(mine), True, 1))
                continue
            groups.extend(
                _split(sup.id, mine, class_of, neighbours, self_clash, slot_by_id, problem)
            )
    return groups


def _clash(problem: Problem, a: tuple, b: tuple) -> bool:
    a_start, a_end, a_district = a
    b_start, b_end, b_district = b
    return conflicts(problem, a_start, a_end, a_district, Busy(b_start, b_end, b_district)) or (
        conflicts(problem, b_start, b_end, b_district, Busy(a_start, a_end, a_district))
    )


def _components(nodes, neighbours: dict[int, set[int]]) -> dict[int, int]:
    comp: dict[int, int] = {}
    for start in nodes:
        if start in comp:
            continue
        comp[start] = start
        stack = [start]
        while stack:
            node = stack.pop()
            for other in neighbours.get(node, ()):
                if other not in comp:
                    comp[other] = start
                    stack.append(other)
    return comp


def _split(sid, slot_ids, class_of, neighbours, self_clash, slot_by_id, problem):
    """The conflict groups of one supporter inside a class component that is not a clique."""
    edges: dict[int, set[int]] = defaultdict(set)
    for i, a in enumerate(slot_ids):
        ca = class_of[a]
        for b in slot_ids[i + 1 :]:
            cb = class_of[b]
            if (ca == cb and ca in self_clash) or cb in neighbours[ca]:
                edges[a].add(b)
                edges[b].add(a)
    comp = _components(slot_ids, edges)
    members: dict[int, list[int]] = defaultdict(list)
    for slot_id in slot_ids:
        members[comp[slot_id]].append(slot_id)
    out = []
    for group in members.values():
        n = len(group)
        pairs = tuple((a, b) for i, a in enumerate(group) for b in group[i + 1 :] if b in edges[a])
        if len(pairs) == n * (n - 1) // 2:
            out.append(ConflictGroup(sid, tuple(group), True, 1))
            continue
        capacity = _max_independent(group, edges) if n <= EXACT_MIS_UP_TO else n
        out.append(ConflictGroup(sid, tuple(group), False, capacity, pairs))
    return out


def _max_independent(group: list[int], edges: dict[int, set[int]]) -> int:
    best = 0
    n = len(group)
    for mask in range(1 << n):
        chosen = [group[i] for i in range(n) if mask >> i & 1]
        if len(chosen) <= best:
            continue
        if all(b not in edges[a] for i, a in enumerate(chosen) for b in chosen[i + 1 :]):
            best = len(chosen)
    return best
