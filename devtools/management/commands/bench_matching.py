"""Benchmark: the staged CP-SAT matching against a simple greedy assignment on generated months.

    manage.py bench_matching                      # both sizes: 400 x 300, then 2,000 x 1,000
    manage.py bench_matching --size 400           # one of them
    manage.py bench_matching --sessions 60 --supporters 45 --time-limit 5   # any other size

Generates each month in memory (``devtools.matching_bench``; no database), solves it both ways,
checks both answers against every hard rule (``matching.check``) and prints, per size: each
solver stage (status, objective, CP-SAT's proven bound, gap, the flow relaxation's figure and
whether it is exact, seconds), a table of fill, bound and fairness beside greedy, and one line
per goal ending ``met`` or ``missed: <what>``. The load average is printed with each size: the
machine may be shared. Exits non-zero when an answer breaks a rule.

Goals (issue "one small server for a whole prefecture", item 3): at 400 x 300 the fill and
fairness gaps are proven 0 (or printed); at 2,000 x 1,000 (a prefecture month, all venues) the
solve ends in under 60 s with fill within 1 % of the proven bound.
"""

import os
import time

from django.core.management.base import BaseCommand, CommandError

from devtools.matching_bench import generate
from devtools.matching_greedy import solve_greedy
from volunteers import matching
from volunteers.matching.solver import default_workers

# (sessions, supporters, solver time limit in seconds: all stages, preparation included)
SIZES = {"400": (400, 300, 20.0), "2000": (2000, 1000, 50.0)}
PREFECTURE_SECONDS = 60.0
FILL_WITHIN = 0.01


def _fmt(value, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.{digits}f}"
    return f"{int(value)}"


class Command(BaseCommand):
    help = "Compare the staged CP-SAT matching with a greedy assignment on generated months."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=[*SIZES, "both"], default="both")
        parser.add_argument("--sessions", type=int, help="a custom size instead of --size")
        parser.add_argument("--supporters", type=int, default=300)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--time-limit", type=float, help="solver seconds (default per size)")
        parser.add_argument("--workers", type=int, help="CP-SAT threads (default: the cores)")

    def handle(self, *args, **opts):
        # The first import of OR-Tools' CP-SAT module (pandas, numpy) takes seconds once per
        # process; the worker pays it once, so it is not counted as solve time.
        from ortools.sat.python import cp_model  # noqa: F401

        if opts["sessions"]:
            runs = [(opts["sessions"], opts["supporters"], opts["time_limit"] or 8.0)]
        else:
            keys = list(SIZES) if opts["size"] == "both" else [opts["size"]]
            runs = [(s, p, opts["time_limit"] or limit) for s, p, limit in (SIZES[k] for k in keys)]
        broken_any = False
        for sessions, supporters, limit in runs:
            broken_any |= self._one(sessions, supporters, limit, opts["seed"], opts["workers"])
        if broken_any:
            raise CommandError("an answer breaks a hard rule (see above)")

    def _one(self, sessions: int, supporters: int, limit: float, seed: int, workers) -> bool:
        out = self.stdout.write
        problem = generate(seed=seed, sessions=sessions, supporters=supporters)
        n_series = len({s.series for s in problem.slots if s.series is not None})
        size = f"{sessions}x{supporters}"
        workers = workers or default_workers()
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        out("")
        out(
            f"Matching {size}: {len(problem.slots)} sessions ({n_series} weekly series), "
            f"{len(problem.supporters)} supporters, one month, seed {seed}, time limit "
            f"{limit:g} s, {workers} CP-SAT workers; load average before: {load}"
        )
        started = time.perf_counter()
        result = matching.solve(problem, time_limit=limit, seed=seed, workers=workers)
        wall = time.perf_counter() - started
        started = time.perf_counter()
        greedy = solve_greedy(problem)
        greedy_wall = time.perf_counter() - started

        header = (
            f"{'stage':<11} {'status':<10} {'objective':>10} {'bound':>10} {'gap':>8} "
            f"{'flow':>10} {'flow is':>10} {'seconds':>8}"
        )
        out(header)
        out("-" * len(header))
        for st in result.stages:
            kind = "-" if st.flow_exact is None else ("exact" if st.flow_exact else "relaxation")
            out(
                f"{st.name:<11} {st.status:<10} {_fmt(st.objective):>10} {_fmt(st.bound):>10} "
                f"{_fmt(st.gap):>8} {_fmt(st.flow_bound):>10} {kind:>10} {st.seconds:>8.2f}"
            )
        out(
            "objective/bound: fill in places (fixed ones included, higher is better), fairness "
            "in mean sessions from the fair share, continuity in face points (new 2, returning "
            "1), travel in minutes (lower is better). 'bound': CP-SAT's best objective bound "
            "with every hard rule in force, given the earlier stages' values; fill and fairness "
            "also get the flow relaxation's value as a valid cut. 'flow': the flow relaxation "
            "(max flow, then fairest min-cost flow), 'exact' when every conflict group is a "
            "clique (it then holds every hard rule), else 'relaxation' (of the overlap rule)."
        )

        bound = result.filled_upper_bound
        header = (
            f"{'solver':<8} {'seconds':>8} {'required':>9} {'filled':>7} {'share':>7} "
            f"{'bound':>6} {'fairness':>9} {'max dev':>8} {'series faces':>13} {'travel min':>11} "
            f"{'rules':>6}"
        )
        out(header)
        out("-" * len(header))
        broken_any = False
        figures = {}
        rows = (
            ("cp-sat", result.placements, wall),
            ("  start", result.warm_start, None),
            ("greedy", greedy.placements, greedy_wall),
        )
        for name, placements, seconds in rows:
            fig = figures[name.strip()] = matching.evaluate(problem, placements)
            broken = matching.check(problem, placements)
            broken_any = broken_any or bool(broken)
            out(
                f"{name:<8} {'(in it)' if seconds is None else f'{seconds:.2f}':>8} "
                f"{fig.required:>9} {fig.filled:>7} "
                f"{fig.share_filled:>7.1%} {bound if bound is not None else '-':>6} "
                f"{fig.fairness:>9.3f} {fig.max_deviation:>8.2f} "
                f"{fig.series_faces:>13} {fig.travel_minutes:>11} "
                f"{'ok' if not broken else len(broken):>6}"
            )
            for line in broken[:5]:
                self.stderr.write(f"  {name}: {line}")
        out(
            f"cp-sat status {result.status}. 'start': the flow answer CP-SAT starts from. "
            "'bound': most places any valid answer can fill (proven). 'fairness': mean "
            "|sessions - fair share| per supporter, fair share = all placed sessions split in "
            "proportion to each person's wish; lower is fairer."
        )
        reasons: dict[str, int] = {}
        for gap in result.gaps:
            reasons[gap.reason] = reasons.get(gap.reason, 0) + gap.missing
        out(
            "cp-sat empty places by reason: "
            + (", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) or "none")
        )
        self._goals(size, result, figures, wall, broken_any)
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        out(f"load average after {size}: {load}")
        return broken_any

    def _goal(self, what: str, detail: str, missed: str | None) -> None:
        """One goal line: what, the figures, then ``met`` or ``missed: <what>`` at the end."""
        self.stdout.write(
            f"goal {what} ({detail}): " + ("met" if missed is None else f"missed: {missed}")
        )

    def _goals(self, size, result, figures, wall, broken_any) -> None:
        stages = {st.name: st for st in result.stages}
        cp = figures["cp-sat"]
        start = figures["start"]
        self._goal(
            f"{size} every hard rule kept",
            "matching.check on the answer",
            "an answer breaks a rule, see above" if broken_any else None,
        )
        if size == "400x300":
            for name in ("fill", "fairness"):
                st = stages.get(name)
                if st is None or st.gap is None:
                    self._goal(f"{size} {name} gap proven", "no bound", "no bound proven in time")
                    continue
                detail = (
                    f"objective {_fmt(st.objective)}, bound {_fmt(st.bound)}, "
                    f"gap {_fmt(st.gap)}, {st.status}"
                )
                self._goal(
                    f"{size} {name} gap proven 0",
                    detail,
                    None if st.gap < 1e-6 else f"gap {_fmt(st.gap)} (printed)",
                )
            optimal = start.filled == cp.filled and abs(start.fairness - cp.fairness) < 1e-9
            self.stdout.write(
                f"note {size}: the flow start was "
                + (
                    "already as good as the answer for fill and fairness"
                    if optimal
                    else "improved by CP-SAT"
                )  # fmt: skip
            )
        else:
            self._goal(
                f"{size} ends under {PREFECTURE_SECONDS:g} s",
                f"{wall:.1f} s, solver time limit included preparation",
                None if wall < PREFECTURE_SECONDS else f"took {wall:.1f} s",
            )
            bound = result.filled_upper_bound
            if bound:
                short = (bound - cp.filled) / bound
                self._goal(
                    f"{size} fill within 1% of the proven bound",
                    f"{cp.filled} of bound {bound}, {short:.2%} short",
                    None if short <= FILL_WITHIN else f"short by {short:.2%}",
                )
            else:
                self._goal(f"{size} fill within 1% of the proven bound", "no bound", "no bound")
        greedy = figures["greedy"]
        self.stdout.write(
            f"beside greedy {size}: fill {cp.filled} vs {greedy.filled}, fairness "
            f"{cp.fairness:.3f} vs {greedy.fairness:.3f}, series faces {cp.series_faces} vs "
            f"{greedy.series_faces}, travel {cp.travel_minutes} vs {greedy.travel_minutes} min"
        )
