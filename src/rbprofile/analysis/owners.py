"""Owner attribution: charge every second (or sample) to the deepest project frame.

    stack_owners(samples, project) -> pl.DataFrame
        stack, count, idle, owner, owns_leaf -- every stack (frameless ones included): its
        deepest frame whose module is in `project` (`key`), else "(outside PROJECT)";
        computed once per project for a Samples value
    owners_from_samples(samples, project) -> pl.DataFrame
        owner, samples, share, own_samples -- exact: each stack's owner gets the stack's
        samples (its own lines and everything below it); own_samples: owner is the leaf
    function_owners(profile, project) -> dict[str, str]
        per function key, the project function that owns most of its self time (same
        spreading as owners_from_cprofile); project functions own themselves
    owners_from_cprofile(profile, project) -> pl.DataFrame
    CProfileOwners(profile, project).table(self_times=None) -> pl.DataFrame
        the same, the spreading built once and applied to other self times (key, self_s)
        over the same functions (a category's part of the profile, say)
        owner, charged_s, share, own_s -- estimated: a project function keeps its self time;
        a non-project function's self time is spread over its callers in proportion to the
        self time it spent under each caller (pstats' caller table), and from there upward
        in proportion to cumulative time, until a project frame takes it (gprof's
        assumption: every call costs the same). Recursive cycles are cut. Two guards keep
        the estimate possible: import machinery (importlib, `builtins:exec`, any module's
        `<module>` code) is a barrier, so time spent importing is never charged to the
        project function that happened to trigger the import (a project module's `<module>`
        code is import time, not an owner); and no owner is charged more than its own
        cumulative time (owned <= inclusive), the excess going outside.
Time reached by no project frame is charged to "(outside PROJECT)". Shares sum to 1.
"""

from __future__ import annotations

from collections import defaultdict

import polars as pl

from rbprofile.analysis.modules import in_project
from rbprofile.analysis.pstats_source import CProfile
from rbprofile.analysis.samples import Samples

Fractions = dict[str, float]
REFINE_SWEEPS = 2
TOLERANCE = 1e-6
# callee -> [(caller, self_s, cum_s, ncalls)]
Callers = dict[str, list[tuple[str, float, float, int]]]


def outside(project: str) -> str:
    return f"(outside {project})"


def is_import_machinery(module: str, qualname: str) -> bool:
    """Functions that run imports: their time is import time, whoever triggered it."""
    return (
        qualname == "<module>"
        or module == "importlib"
        or module.startswith(("importlib.", "<frozen importlib"))
        or (module == "builtins" and qualname in ("exec", "__import__"))
    )


def _stack_owners(samples: Samples, project: str) -> pl.DataFrame:
    modules = [m for m in samples.frames["module"].unique() if in_project(m, project)]
    deepest = (  # native frames (a Cython module's C functions) own nothing: their caller does
        samples.frames.filter(pl.col("module").is_in(modules) & ~pl.col("native"))
        .group_by("stack")
        .agg(
            pl.col("key").sort_by("depth").last().alias("owner"),
            pl.col("leaf").sort_by("depth").last().alias("owns_leaf"),
        )
    )
    return (
        samples.stacks.join(deepest, on="stack", how="left", maintain_order="left")
        .with_columns(
            pl.col("owner").fill_null(outside(project)), pl.col("owns_leaf").fill_null(False)
        )
        .select("stack", "count", "idle", "owner", "owns_leaf")
    )


def stack_owners(samples: Samples, project: str) -> pl.DataFrame:
    """Each stack's owner: its deepest `project` frame, else "(outside PROJECT)"."""
    return samples.cached(("owners", project), lambda s: _stack_owners(s, project))


def owners_from_samples(samples: Samples, project: str) -> pl.DataFrame:
    total = samples.total or 1
    return (
        stack_owners(samples, project)
        .group_by("owner")
        .agg(
            pl.col("count").sum().alias("samples"),
            pl.col("count").filter(pl.col("owns_leaf")).sum().alias("own_samples"),
        )
        .select(
            "owner",
            "samples",
            (pl.col("samples") / total).alias("share"),
            "own_samples",
        )
        .cast({"samples": pl.Int64, "own_samples": pl.Int64})
        .sort(["samples", "owner"], descending=[True, False])
    )


def _weights(edges: list[tuple[str, float, float, int]], index: int) -> list[tuple[str, float]]:
    """(caller, weight) by the edge column `index` (1 self, 2 cum), else calls, else equal."""
    for i in (index, 2, 3):
        total = sum(float(e[i]) for e in edges)
        if total > 0:
            return [(e[0], float(e[i]) / total) for e in edges]
    return [(e[0], 1.0 / len(edges)) for e in edges]


def caller_components(nodes: list[str], callers: Callers) -> list[list[str]]:
    """Strongly connected components of the callee -> caller graph (Tarjan, iterative),
    callers' components first: recursion cycles become one component."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            edges = callers.get(node, [])
            if i < len(edges):
                work.append((node, i + 1))
                nxt = edges[i][0]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                out.append(component)
    return out


class _Spreader:
    """How time arriving at each function divides among owners (gprof's assumption).

    Components of the caller graph are processed callers first, so a function's callers
    are settled before it. A recursion cycle (imports running module code that imports
    again, recursive functions) is taken in one pass, largest cumulative time first, then
    refined by up to REFINE_SWEEPS sweeps that let cycle edges count."""

    def __init__(
        self,
        callers: Callers,
        project_keys: set[str],
        project: str,
        cum: dict[str, float],
        barriers: set[str] | None = None,
    ) -> None:
        self.callers = callers
        self.cum = cum
        self.project_keys = project_keys
        self.barriers = barriers or set()
        self.outside = outside(project)
        self.fixed = project_keys | self.barriers  # functions whose owners are known
        self.memo: dict[str, Fractions] = {}
        self.self_memo: dict[str, Fractions] = {}  # spread_self's fractions per key
        nodes = sorted({*callers, *(c for es in callers.values() for c, *_ in es)})
        for component in caller_components(nodes, callers):
            self._component(component)

    def _mix(self, parts: list[tuple[Fractions, float]]) -> Fractions:
        if len(parts) == 1 and parts[0][1] == 1.0:  # one caller: its owners, unchanged
            return dict(parts[0][0])  # (exact: memo values are never -0.0, so 0.0 + v == v)
        result: Fractions = {}
        get = result.get
        for fractions, weight in parts:
            for owner, part in fractions.items():
                result[owner] = get(owner, 0.0) + weight * part
        return result

    def _entry(self, members: list[str], inside: set[str]) -> Fractions:
        """Owners of the time entering a component from outside, weighted by the entering
        edges' cumulative seconds (else calls)."""
        edges = [
            e
            for m in members
            if m not in self.project_keys and m not in self.barriers
            for e in self.callers.get(m, [])
            if e[0] not in inside
        ]
        if not edges:
            return {self.outside: 1.0}
        return self._mix([(self.memo[c], w) for c, w in _weights(edges, 2)])

    def _component(self, members: list[str]) -> None:
        for m in members:
            if m in self.project_keys:
                self.memo[m] = {m: 1.0}
            elif m in self.barriers:
                self.memo[m] = {self.outside: 1.0}
        fixed = self.fixed
        others = [m for m in members if m not in fixed]
        if len(members) == 1:
            if others:
                self.memo[others[0]] = self._arriving(others[0])
            return
        # A recursion cycle: one pass over its members, callers first by cumulative time;
        # each takes its owners from the callers already settled (outside the cycle, or
        # earlier in the pass), or, having none, from the time entering the cycle.
        inside = set(members)
        entry = self._entry(members, inside)
        settled = {m for m in members if m in fixed}
        order = sorted(others, key=lambda k: (-self.cum.get(k, 0.0), k))
        for m in order:
            edges = [e for e in self.callers.get(m, []) if e[0] not in inside or e[0] in settled]
            if edges:
                self.memo[m] = self._mix([(self.memo[c], w) for c, w in _weights(edges, 2)])
            else:
                self.memo[m] = entry
            settled.add(m)
        for _ in range(REFINE_SWEEPS):  # cycle edges now see their callers' first answer
            change = 0.0
            for m in order:
                new = self._arriving(m)
                if change < TOLERANCE:  # (past it, another sweep is decided: skip the test)
                    old = self.memo[m]
                    change = max(change, *(abs(v - old.get(k, 0.0)) for k, v in new.items()))
                self.memo[m] = new
            if change < TOLERANCE:
                break

    def _arriving(self, key: str) -> Fractions:
        edges = self.callers.get(key)
        if not edges:
            return {self.outside: 1.0}
        return self._mix([(self.memo[c], w) for c, w in _weights(edges, 2)])

    def self_fractions(self, key: str) -> Fractions:
        """How one second of `key`'s self time divides among owners."""
        fractions = self.self_memo.get(key)
        if fractions is None:  # one mix per key, reused by every spreading of self times
            edges = self.callers.get(key)
            if key in self.project_keys:
                fractions = {key: 1.0}
            elif key in self.barriers or not edges:
                fractions = {self.outside: 1.0}
            else:  # by self time under each caller, not cumulative
                fractions = self._mix([(self.memo[c], w) for c, w in _weights(edges, 1)])
            self.self_memo[key] = fractions
        return fractions

    def spread_self(self, key: str, self_s: float) -> Fractions:
        return {k: v * self_s for k, v in self.self_fractions(key).items()}


def _callers(profile: CProfile) -> Callers:
    callers: Callers = defaultdict(list)
    edges = profile.edges.filter(pl.col("caller_key") != pl.col("callee_key"))
    for caller, callee, ncalls, _prim, self_s, cum_s in edges.iter_rows():
        callers[callee].append((caller, self_s, cum_s, ncalls))
    return callers


def _spreader(profile: CProfile, project: str) -> tuple[_Spreader, set[str]]:
    functions = profile.functions
    barriers = {
        k
        for k, m, q in functions.select("key", "module", "qualname").iter_rows()
        if is_import_machinery(m, q)
    }
    project_keys = {
        k
        for k, m in functions.select("key", "module").iter_rows()
        if in_project(m, project) and k not in barriers
    }
    cum = dict(functions.select("key", "cum_s").iter_rows())
    return _Spreader(_callers(profile), project_keys, project, cum, barriers), project_keys


def function_owners(profile: CProfile, project: str) -> dict[str, str]:
    spreader, _ = _spreader(profile, project)
    owners = {}
    for key in profile.functions["key"]:
        shares = spreader.spread_self(key, 1.0)
        owners[key] = min(shares, key=lambda owner: (-shares[owner], owner))
    return owners


class CProfileOwners:
    """One profile's spreading, built once (the costly part: it depends on the call graph,
    not on the self times), then applied to any self times over the same functions."""

    def __init__(self, profile: CProfile, project: str) -> None:
        self.profile = profile
        self.spreader, self.project_keys = _spreader(profile, project)
        self.cum = dict(profile.functions.select("key", "cum_s").iter_rows())

    def table(self, self_times: pl.DataFrame | None = None) -> pl.DataFrame:
        """owner, charged_s, share, own_s for `self_times` (key, self_s; default: the
        profile's own), shares of the profile's total."""
        functions = self.profile.functions if self_times is None else self_times
        spreader = self.spreader
        charged: defaultdict[str, float] = defaultdict(float)
        for key, self_s in functions.select("key", "self_s").iter_rows():
            if self_s > 0:  # (spread_self's products, without its dict)
                for owner, part in spreader.self_fractions(key).items():
                    charged[owner] += part * self_s
        own = dict(
            functions.filter(pl.col("key").is_in(self.project_keys))
            .select("key", "self_s")
            .iter_rows()
        )
        for owner in list(charged):  # owned <= inclusive: the excess of an estimate goes outside
            limit = self.cum.get(owner)
            if limit is not None and charged[owner] > limit:
                charged[spreader.outside] += charged[owner] - limit
                charged[owner] = limit
        total = self.profile.total_s or 1.0
        rows = [(k, v, v / total, own.get(k, 0.0)) for k, v in charged.items()]
        schema = {
            "owner": pl.String,
            "charged_s": pl.Float64,
            "share": pl.Float64,
            "own_s": pl.Float64,
        }
        frame = pl.DataFrame(rows, schema=schema, orient="row")
        return frame.sort(["charged_s", "owner"], descending=[True, False])


def owners_from_cprofile(profile: CProfile, project: str) -> pl.DataFrame:
    return CProfileOwners(profile, project).table()
