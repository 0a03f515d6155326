"""Owner attribution: charge every second (or sample) to the deepest project frame.

    owners_from_samples(samples, project) -> pl.DataFrame
        owner, samples, share, own_samples -- exact: each stack's deepest frame whose module
        is in `project` owns the stack's samples (its own lines and everything below it)
    owners_from_cprofile(profile, project) -> pl.DataFrame
        owner, charged_s, share, own_s -- estimated: a project function keeps its self time;
        a non-project function's self time is spread over its callers in proportion to the
        self time it spent under each caller (pstats' caller table), and from there upward
        in proportion to cumulative time, until a project frame takes it (gprof's
        assumption: every call costs the same). Recursive cycles are cut.
Time reached by no project frame is charged to "(outside PROJECT)". Shares sum to 1.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import polars as pl

from rbprofile.analysis.modules import in_project
from rbprofile.analysis.pstats_source import CProfile
from rbprofile.analysis.pyspy_source import Samples

Fractions = dict[str, float]
# callee -> [(caller, self_s, cum_s, ncalls)]
Callers = dict[str, list[tuple[str, float, float, int]]]


def outside(project: str) -> str:
    return f"(outside {project})"


def owners_from_samples(samples: Samples, project: str) -> pl.DataFrame:
    charged: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for stack in samples.stacks:
        owner = next((f for f in reversed(stack.frames) if in_project(f.module, project)), None)
        name = owner.key if owner is not None else outside(project)
        charged[name] += stack.count
        if owner is not None and stack.frames[-1] is owner:
            own[name] += stack.count
    total = samples.total or 1
    rows = [(k, v, v / total, own.get(k, 0)) for k, v in charged.items()]
    schema = {"owner": pl.String, "samples": pl.Int64, "share": pl.Float64, "own_samples": pl.Int64}
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    return frame.sort(["samples", "owner"], descending=[True, False])


def _weights(edges: list[tuple[str, float, float, int]], index: int) -> list[tuple[str, float]]:
    """(caller, weight) by the edge column `index` (1 self, 2 cum), else calls, else equal."""
    for i in (index, 2, 3):
        total = sum(float(e[i]) for e in edges)
        if total > 0:
            return [(e[0], float(e[i]) / total) for e in edges]
    return [(e[0], 1.0 / len(edges)) for e in edges]


class _Spreader:
    def __init__(self, callers: Callers, project_keys: set[str], project: str) -> None:
        self.callers = callers
        self.project_keys = project_keys
        self.outside = outside(project)
        self.memo: dict[str, Fractions] = {}

    def _terminal(self, key: str) -> Fractions | None:
        if key in self.project_keys:
            return {key: 1.0}
        if not self.callers.get(key):
            return {self.outside: 1.0}
        return None

    def fractions(self, key: str) -> Fractions:
        """How time arriving at `key` divides among owners (iterative, cycles cut)."""
        todo, active = [key], set()
        while todo:
            current = todo[-1]
            if current in self.memo:
                todo.pop()
                continue
            terminal = self._terminal(current)
            if terminal is not None:
                self.memo[current] = terminal
                todo.pop()
                continue
            active.add(current)
            pending = [
                c for c, *_ in self.callers[current] if c not in self.memo and c not in active
            ]
            if pending:
                todo.extend(pending)
                continue
            self.memo[current] = self._combine(self.callers[current], 2)
            active.discard(current)
            todo.pop()
        return self.memo[key]

    def _combine(self, edges: list[tuple[str, float, float, int]], index: int) -> Fractions:
        usable = [e for e in edges if e[0] in self.memo]
        if not usable:
            return {self.outside: 1.0}
        result: defaultdict[str, float] = defaultdict(float)
        for caller, weight in _weights(usable, index):
            for owner, part in self.memo[caller].items():
                result[owner] += weight * part
        return dict(result)

    def spread_self(self, key: str, self_s: float) -> Fractions:
        terminal = self._terminal(key)
        if terminal is not None:
            return {k: v * self_s for k, v in terminal.items()}
        for caller, *_ in self.callers[key]:
            self.fractions(caller)
        return {k: v * self_s for k, v in self._combine(self.callers[key], 1).items()}


def _callers(profile: CProfile) -> Callers:
    callers: Callers = defaultdict(list)
    edges = profile.edges.filter(pl.col("caller_key") != pl.col("callee_key"))
    for caller, callee, ncalls, _prim, self_s, cum_s in edges.iter_rows():
        callers[callee].append((caller, self_s, cum_s, ncalls))
    return callers


def owners_from_cprofile(profile: CProfile, project: str) -> pl.DataFrame:
    functions = profile.functions
    project_keys = {
        k for k, m in functions.select("key", "module").iter_rows() if in_project(m, project)
    }
    spreader = _Spreader(_callers(profile), project_keys, project)
    charged: defaultdict[str, float] = defaultdict(float)
    for key, self_s in functions.select("key", "self_s").iter_rows():
        if self_s > 0:
            for owner, seconds in spreader.spread_self(key, self_s).items():
                charged[owner] += seconds
    own = dict(
        functions.filter(pl.col("key").is_in(project_keys)).select("key", "self_s").iter_rows()
    )
    total = profile.total_s or 1.0
    rows = [(k, v, v / total, own.get(k, 0.0)) for k, v in charged.items()]
    schema = {"owner": pl.String, "charged_s": pl.Float64, "share": pl.Float64, "own_s": pl.Float64}
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    return frame.sort(["charged_s", "owner"], descending=[True, False])
