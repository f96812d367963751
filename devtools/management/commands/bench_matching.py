"""Benchmark: CP-SAT matching against a simple greedy assignment on one generated month.

    manage.py bench_matching [--sessions 400] [--supporters 300] [--seed 1] [--time-limit 8]

Generates the month in memory (``devtools.matching_bench``; no database), solves it both ways,
checks both answers against every hard rule (``matching.check``) and prints one table. The upper
bound of fillable places is the max-flow relaxation computed inside ``matching.solve``: no valid
answer can fill more. Exits non-zero when an answer breaks a rule.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from devtools.matching_bench import generate
from devtools.matching_greedy import solve_greedy
from volunteers import matching


class Command(BaseCommand):
    help = "Compare CP-SAT matching with a greedy assignment on a generated month."

    def add_arguments(self, parser):
        parser.add_argument("--sessions", type=int, default=400)
        parser.add_argument("--supporters", type=int, default=300)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--time-limit", type=float, default=8.0)

    def handle(self, *args, **opts):
        problem = generate(
            seed=opts["seed"], sessions=opts["sessions"], supporters=opts["supporters"]
        )
        n_series = len({s.series for s in problem.slots if s.series is not None})
        self.stdout.write(
            f"Matching benchmark: {len(problem.slots)} sessions ({n_series} weekly series), "
            f"{len(problem.supporters)} supporters, one month, seed {opts['seed']}"
        )
        # The first import of OR-Tools' CP-SAT module (pandas, numpy) takes seconds once per
        # process; the web process pays it once, so it is not counted as solve time.
        from ortools.sat.python import cp_model  # noqa: F401

        started = time.perf_counter()
        result = matching.solve(problem, time_limit=opts["time_limit"], seed=opts["seed"])
        cpsat_wall = time.perf_counter() - started
        started = time.perf_counter()
        greedy = solve_greedy(problem)
        greedy_wall = time.perf_counter() - started
        bound = result.filled_upper_bound

        header = (
            f"{'solver':<8} {'seconds':>8} {'required':>9} {'filled':>7} {'share':>7} "
            f"{'bound':>6} {'fairness':>9} {'max dev':>8} {'series faces':>13} {'travel min':>11} "
            f"{'rules':>6}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        broken_any = False
        rows = (
            ("cp-sat", result.placements, cpsat_wall),
            ("  start", result.warm_start, None),
            ("greedy", greedy.placements, greedy_wall),
        )
        for name, placements, wall in rows:
            figures = matching.evaluate(problem, placements)
            broken = matching.check(problem, placements)
            broken_any = broken_any or bool(broken)
            self.stdout.write(
                f"{name:<8} {'(in it)' if wall is None else f'{wall:.2f}':>8} "
                f"{figures.required:>9} {figures.filled:>7} "
                f"{figures.share_filled:>7.1%} {bound if bound is not None else '-':>6} "
                f"{figures.fairness:>9.3f} {figures.max_deviation:>8.2f} "
                f"{figures.series_faces:>13} {figures.travel_minutes:>11} {'ok' if not broken else len(broken):>6}"
            )
            for line in broken[:5]:
                self.stderr.write(f"  {name}: {line}")
        self.stdout.write(
            f"cp-sat status {result.status}. 'start': the min-cost-flow answer CP-SAT starts "
            "from, computed inside its time. 'bound': most places any valid answer can fill "
            "(max-flow relaxation). 'fairness': mean |sessions - fair share| per supporter, "
            "fair share = all placed sessions split in proportion to each person's wish; "
            "lower is fairer. 'series faces': distinct supporters per weekly series, summed "
            "(lower keeps the same people). 'travel min': home district to session, summed."
        )
        reasons: dict[str, int] = {}
        for gap in result.gaps:
            reasons[gap.reason] = reasons.get(gap.reason, 0) + gap.missing
        self.stdout.write(
            "cp-sat empty places by reason: "
            + (", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) or "none")
        )
        if broken_any:
            raise CommandError("an answer breaks a hard rule (see above)")
