"""Matching supporters to sessions: the problem as plain data, the hard rules, and the CP-SAT solver.

Nothing here touches the database: ``volunteers.selectors_matching`` builds a ``Problem`` from it,
``volunteers.services_matching`` stores what ``solve`` returns, and the benchmark
(``manage.py bench_matching``) builds problems in memory. The greedy baseline lives in
``devtools.matching_greedy``; both are judged by ``evaluate`` and ``check`` (``rules``).

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

Modules: ``problem`` (the data), ``rules`` (the hard rules, ``evaluate``, ``check``),
``explanations`` (``explain_gaps``), ``solver``. How it solves: see ``solve`` (max-flow bound and
min-cost-flow warm start, then CP-SAT).

Fairness figure (lower is fairer): each supporter's *fair share* is the total number of sessions
placed (fixed and new) split in proportion to their wish (``wish``; when empty, half the monthly
maximum rounded up). The figure is the mean over supporters of |sessions placed - fair share|, in
sessions. Counting sessions, not hours, because the wish is stated in sessions per month.
"""

from volunteers.matching.explanations import explain_gaps
from volunteers.matching.problem import (
    BUSY_ELSEWHERE,
    DEFAULT_TRAVEL_MINUTES,
    EVERYONE_AT_MAXIMUM,
    LEAD_SKILL,
    NO_LEAD,
    NO_ONE_AVAILABLE,
    NO_ONE_WITH_SKILL,
    TOKYO,
    TRAINING_OR_INSURANCE,
    Busy,
    DateException,
    Evaluation,
    Gap,
    MatchResult,
    Placement,
    Problem,
    Slot,
    Stage,
    SupporterData,
    Window,
)
from volunteers.matching.rules import (
    check,
    conflicts,
    evaluate,
    fair_shares,
    has_skills,
    is_available,
    is_valid_on_day,
    slot_candidates,
)
from volunteers.matching.solver import solve

__all__ = [
    "BUSY_ELSEWHERE",
    "DEFAULT_TRAVEL_MINUTES",
    "EVERYONE_AT_MAXIMUM",
    "LEAD_SKILL",
    "NO_LEAD",
    "NO_ONE_AVAILABLE",
    "NO_ONE_WITH_SKILL",
    "TOKYO",
    "TRAINING_OR_INSURANCE",
    "Busy",
    "DateException",
    "Evaluation",
    "Gap",
    "MatchResult",
    "Placement",
    "Problem",
    "Slot",
    "Stage",
    "SupporterData",
    "Window",
    "check",
    "conflicts",
    "evaluate",
    "explain_gaps",
    "fair_shares",
    "has_skills",
    "is_available",
    "is_valid_on_day",
    "slot_candidates",
    "solve",
]
