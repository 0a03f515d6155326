"""Optimization targets: which project functions are worth moving to Rust, ranked by the time
acceleration could remove.

    optimization_targets(categorized, *, profile=None, samples=None, speedups, project,
                         top=10) -> rbprofile.render.Table
        One row per owner function (the deepest `project` frame, which owns its own time and
        the library work it triggers; see rbprofile.analysis.owners): owned / inclusive / self
        share of the run, calls, per-call cost, category, CPU-bound (py-spy idle samples;
        "unknown" without py-spy), native share of its owned time and whether that makes it
        already native, the FFI check, what kind of fix it needs, the assumed kernel speedup
        and the Amdahl estimate.
    fix_kind(calls, per_call_s, inclusive_share, native_share, cpu_bound, ffi, category) -> str
    amdahl(share, speedup) -> float           whole-run speedup: 1 / ((1 - p) + p / s)
    effective_speedup(portions, speedups) -> float
        the kernel speedup of a target whose owned time splits into portions (seconds by
        speedup key: a category, or "native" for time already in C/Rust): sum / sum(t / s).
    parse_speedups(["loops=30", ...]) -> dict[str, float]   (CLI overrides, validated)

Kernel speedups come from the rules' [speedup] table (default_rules.toml: pure-Python loops
20x, Decimal arithmetic 5x, already native 1x, ...) and can be overridden per category.
FFI check: moving a function across the Rust boundary pays ~1 us per call, so it is worth it
only above 1 ms cumulative and when the work per call is well above that (>= 10 us);
otherwise the target is its caller's loop, named in the row: the nearest caller (heaviest
first) that is a Python function with a loop in its own body (`loop_callers`).

The kind of fix comes from the call pattern and category:
- one-time setup: called at most 5 times at >= 1 ms a call, not enclosing most of the run (that
  is the driver loop) and not a compute category (loops, Decimal, indicators): cache or
  precompute it; its owned time goes, no kernel speedup applies (Amdahl: 1 / (1 - share));
- waits: not CPU-bound, or running subprocesses: no compiled rewrite helps;
- already native: most of its owned time is in C/Rust already;
- per-call overhead: calls too cheap to cross the FFI boundary: batch, vectorize, or move the
  caller's loop;
- compiled kernel: the rest, CPU-bound Python worth compiling.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from rbprofile.analysis.intervals import (
    ABOVE,
    BELOW,
    interval_note,
    interval_text,
    judge,
    wilson,
    with_intervals,
)
from rbprofile.analysis.loops import def_loop_lines
from rbprofile.analysis.modules import CYTHON_SOURCES
from rbprofile.analysis.owners import CProfileOwners, outside, stack_owners
from rbprofile.analysis.pstats_source import CProfile
from rbprofile.analysis.rules import (
    CATEGORIES,
    DECIMAL,
    INDICATORS,
    LOOPS,
    NATIVE,
    OTHER,
    OVERHEAD,
    SUBPROCESSES,
)
from rbprofile.analysis.samples import BELOW_PYTHON_LEAF
from rbprofile.errors import RbprofileError
from rbprofile.render import Table

if TYPE_CHECKING:
    from rbprofile.analysis.categories import Categorized
    from rbprofile.analysis.samples import Samples

FFI_MIN_CUM_S = 1e-3  # below 1 ms cumulative a rewrite cannot pay for itself
FFI_BOUNDARY_S = 1e-6  # ~1 us to cross the Python/Rust boundary once
FFI_WORK_FACTOR = 10  # work per call must be at least 10x the boundary cost
CPU_BOUND_MAX_IDLE = 0.1  # CPU-bound when under 10% of its samples wait
NATIVE_MAJORITY = 0.5
PYTHON = "python"  # portion of owned time in pure Python, sped up by the owner's category
GLUE = "builtin glue"  # C built-ins of the Python-overhead kind (list.append, isinstance ...)

SETUP_MAX_CALLS = 5  # called at most this often per run ...
SETUP_MIN_PER_CALL_S = 1e-3  # ... at >= 1 ms a call: one-time setup,
SETUP_MAX_INCLUSIVE = 0.5  # unless it encloses most of the run (the driver loop, not setup)
COMPUTE = frozenset({LOOPS, DECIMAL, INDICATORS})  # kernels even when called once
SETUP, PER_CALL, ALREADY_NATIVE, WAITS, KERNEL = (
    "one-time setup", "per-call overhead", "already native", "waits", "compiled kernel",
)  # fmt: skip
FIXES: dict[str, str] = {
    SETUP: "cache or precompute it (no kernel speedup applies: its owned time goes)",
    PER_CALL: "batch or vectorize: fewer calls, or move the caller's loop",
    ALREADY_NATIVE: "already in C/Rust: cut calls or data volume, not a rewrite",
    WAITS: "waits (not CPU-bound): no compiled rewrite helps",
    KERNEL: "CPU-bound Python: compile it (Rust) behind one call",
}

PERCENT = "{:.1%}"
FORMATS = {
    "owned_share": PERCENT, "inclusive_share": PERCENT, "self_share": PERCENT,
    "native_share": PERCENT, "per_call_s": "{:.3g}", "kernel_speedup": "{:.1f}x",
    "removable_s": "{:.4g}", "amdahl_speedup": "{:.3f}x",
}  # fmt: skip


def amdahl(share: float, speedup: float) -> float:
    """Whole-run speedup when a `share` of the run gets `speedup` faster."""
    return 1.0 / ((1.0 - share) + share / speedup)


def effective_speedup(portions: Mapping[str, float], speedups: Mapping[str, float]) -> float:
    """Kernel speedup of time split into portions keyed by speedup key (category or native)."""
    total = sum(portions.values())
    if total <= 0:
        return 1.0
    return total / sum(t / speedups[k] for k, t in portions.items() if t > 0)


def parse_speedups(items: Iterable[str]) -> dict[str, float]:
    """["loops=30", "Decimal arithmetic=8"] -> {"loops": 30.0, ...}; bad items raise."""
    from rbprofile.analysis.rules import is_speedup  # the rules file's test, one definition

    out: dict[str, float] = {}
    keys = (*CATEGORIES, NATIVE)
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        try:
            factor = float(value)
        except ValueError:
            factor = 0.0
        if not sep or name not in keys or not is_speedup(factor):
            raise RbprofileError(
                f"bad --speedup {item!r}; write CATEGORY=FACTOR with FACTOR a finite number >= 1 "
                f"and CATEGORY one of: {', '.join(keys)}"
            )
        out[name] = factor
    return out


@dataclass(frozen=True)
class _Owned:
    """Seconds (or samples) per owner: total, and split into speedup portions."""

    total: dict[str, float]
    portions: dict[str, dict[str, float]]  # owner -> portion key -> amount
    unit: str


def _charged(owners: CProfileOwners, keep: pl.Expr | None = None) -> dict[str, float]:
    """Seconds charged per owner, of the self time of the functions `keep` selects (all)."""
    functions = owners.profile.functions
    if keep is not None:
        functions = functions.with_columns(
            pl.when(keep).then(pl.col("self_s")).otherwise(0.0).alias("self_s")
        )
    return dict(owners.table(functions).select("owner", "charged_s").iter_rows())


def _owned_cprofile(profile: CProfile, categories: pl.DataFrame, project: str) -> _Owned:
    """Owner seconds from cProfile split into Decimal, built-in glue, other built-in (native)
    and pure-Python time, each spread to owners like the whole (owners_from_cprofile)."""
    functions = profile.functions.drop("category").join(categories, on="key", how="left")
    owners = CProfileOwners(
        CProfile(profile.path, functions, profile.edges, profile.total_s), project
    )
    builtin, category = pl.col("file") == "~", pl.col("category").fill_null(OTHER)
    # compiled already: C built-ins, and Cython functions (cProfile sees them by their .pyx)
    compiled = builtin | pl.any_horizontal(
        pl.col("file").str.ends_with(suffix) for suffix in CYTHON_SOURCES
    )
    masks = {
        DECIMAL: category == DECIMAL,
        GLUE: builtin & (category == OVERHEAD),
        NATIVE: compiled & ~category.is_in([DECIMAL, OVERHEAD]),
    }
    total = _charged(owners)
    parts = {kind: _charged(owners, mask) for kind, mask in masks.items()}
    portions = {}
    for owner, seconds in total.items():
        split = {kind: part.get(owner, 0.0) for kind, part in parts.items()}
        split[PYTHON] = max(seconds - sum(split.values()), 0.0)
        portions[owner] = split
    return _Owned(total, portions, "s")


def _owned_samples(samples: Samples, categories: dict[str, str], project: str) -> _Owned:
    """Owner samples from py-spy: native leaves, Decimal (native or categorized), Python."""
    below = pl.col("below")
    per_stack = (
        samples.frames.with_columns(BELOW_PYTHON_LEAF.alias("below"))
        .group_by("stack")
        .agg(
            (below & (pl.col("module") == "decimal")).any().alias("decimal_below"),
            below.any().alias("native_below"),
            pl.col("key").filter(pl.col("python_leaf")).first().alias("leaf_key"),
        )
    )
    decimal_keys = [k for k, c in categories.items() if c == DECIMAL]
    kind = (
        pl.when(pl.col("decimal_below"))
        .then(pl.lit(DECIMAL))
        .when(pl.col("native_below"))
        .then(pl.lit(NATIVE))
        .when(pl.col("leaf_key").is_in(decimal_keys))
        .then(pl.lit(DECIMAL))
        .otherwise(pl.lit(PYTHON))
    )
    kinds = (DECIMAL, NATIVE, PYTHON)
    owned = (
        stack_owners(samples, project)
        .join(per_stack, on="stack", how="inner", maintain_order="left")
        .with_columns(kind.alias("kind"))
        .group_by("owner", maintain_order=True)
        .agg(
            pl.col("count").sum().alias("total"),
            *(pl.col("count").filter(pl.col("kind") == k).sum().alias(k) for k in kinds),
        )
    )
    total: dict[str, float] = {}
    portions: dict[str, dict[str, float]] = {}
    for row in owned.iter_rows(named=True):
        total[row["owner"]] = float(row["total"])
        portions[row["owner"]] = {k: float(row[k]) for k in kinds}
    return _Owned(total, portions, "samples")


def idle_shares(samples: Samples, project: str) -> dict[str, tuple[int, int]]:
    """Per owner: (its py-spy samples that wait -- sleep, select, child wait ..., all of them)."""
    counts = (
        stack_owners(samples, project)
        .group_by("owner")
        .agg(
            pl.col("count").sum().alias("n"),
            pl.col("count").filter(pl.col("idle")).sum().alias("idle"),
        )
        .filter(pl.col("n") > 0)
    )
    return {o: (int(k), int(n)) for o, n, k in counts.select("owner", "n", "idle").iter_rows()}


def _owned_self(functions: pl.DataFrame, categories: dict[str, str], unit: str) -> _Owned:
    """Fallback when no function belongs to the project: each function owns its self time."""
    total: dict[str, float] = {}
    portions: dict[str, dict[str, float]] = {}
    for key, file, module, self_s in functions.select(
        "key", "file", "module", "self_s"
    ).iter_rows():
        if not self_s:
            continue
        native = file == "~" or str(module).startswith("<native")
        kind = DECIMAL if categories.get(key) == DECIMAL else NATIVE if native else PYTHON
        total[key] = self_s
        portions[key] = {DECIMAL: 0.0, NATIVE: 0.0, PYTHON: 0.0, kind: self_s}
    return _Owned(total, portions, unit)


def cpu_bound(owner: str, idle: Mapping[str, tuple[int, int]] | None, design: float = 1.0) -> str:
    """yes / no: waits X% / uncertain when the waiting share's 95% interval holds 10%
    (`design`: the samples' design effect)."""
    if idle is None:
        return "unknown: no py-spy"
    found = idle.get(owner)
    if found is None:
        return "unknown: no py-spy samples"
    k, n = found
    lo, hi = wilson(k, n, design=design)
    said = judge(lo, hi, CPU_BOUND_MAX_IDLE)
    if said == BELOW:
        return "yes"
    if said == ABOVE:
        return f"no: waits {k / n:.0%}"
    return f"uncertain: waits {k / n:.0%} (95% interval {interval_text(lo, hi)}, {k}/{n})"


def ffi_check(cum_s: float | None, calls: int | None, caller: str | None) -> str:
    """Is the per-call work big enough to pay for crossing into Rust?"""
    if cum_s is None or not calls:
        return "unknown: no call counts (py-spy only)"
    if cum_s < FFI_MIN_CUM_S:
        return "no: under 1 ms cumulative"
    per_call = cum_s / calls
    if per_call < FFI_WORK_FACTOR * FFI_BOUNDARY_S:
        where = f"the loop in {caller}" if caller else "its caller's loop"
        return f"no: {per_call * 1e6:.2g} us per call; target {where}"
    return "yes"


def fix_kind(
    calls: int | None,
    per_call_s: float | None,
    inclusive_share: float | None,
    native_share: float,
    cpu_bound: str,
    ffi: str,
    category: str = OTHER,
) -> str:
    """What kind of fix a target needs (a key of FIXES), from its call pattern and category."""
    if cpu_bound.startswith("no") or category == SUBPROCESSES:
        return WAITS
    if calls is not None and per_call_s is not None and inclusive_share is not None:
        few = calls <= SETUP_MAX_CALLS and per_call_s >= SETUP_MIN_PER_CALL_S
        if few and inclusive_share < SETUP_MAX_INCLUSIVE and category not in COMPUTE:
            return SETUP
    if native_share > NATIVE_MAJORITY:
        return ALREADY_NATIVE
    if ffi.startswith("no:") and calls:
        return PER_CALL
    return KERNEL


def loop_callers(
    edges: pl.DataFrame, functions: pl.DataFrame, callees: Iterable[str], depth: int = 4
) -> dict[str, str]:
    """callee -> the nearest caller (up to `depth` calls up, heaviest calls first) that is a
    Python function with a loop in its own body (read with `ast`); a C function, or Python
    code without a loop (or whose source this machine lacks), is never named as "the loop"."""
    ranked = edges.filter(pl.col("caller_key") != pl.col("callee_key")).sort(
        ["callee_key", "cum_s", "caller_key"], descending=[False, True, False]
    )
    grouped = ranked.group_by("callee_key", maintain_order=True).agg("caller_key")
    callers: dict[str, list[str]] = dict(
        zip(grouped["callee_key"].to_list(), grouped["caller_key"].to_list(), strict=True)
    )
    columns = (functions[c].to_list() for c in ("key", "file", "qualname", "line"))
    key, *rest = columns
    where = dict(zip(key, zip(*rest, strict=True), strict=True))
    memo: dict[str, bool] = {}

    def loops(key: str) -> bool:
        if key not in memo:
            file, qualname, line = where.get(key, ("~", "", 0))
            python = bool(file) and file != "~" and not file.startswith("<")
            found = def_loop_lines(file, qualname, line or 0) if python else None
            memo[key] = found is not None and bool(found.lines)
        return memo[key]

    out: dict[str, str] = {}
    for callee in callees:
        frontier, seen = [callee], {callee}
        for _ in range(depth):
            frontier = [c for k in frontier for c in callers.get(k, []) if c not in seen]
            seen.update(frontier)
            hit = next((c for c in frontier if loops(c)), None)
            if hit is not None:
                out[callee] = hit
                break
    return out


def _speedup_portions(split: Mapping[str, float], category: str) -> dict[str, float]:
    """Owned-time portions keyed by the speedup that applies to each."""
    python_key = OTHER if category == DECIMAL else category
    out: dict[str, float] = {}
    for kind, amount in split.items():
        key = python_key if kind == PYTHON else OVERHEAD if kind == GLUE else kind
        out[key] = out.get(key, 0.0) + amount
    return out


def _assumed(portions: Mapping[str, float], speedups: Mapping[str, float]) -> str:
    total = sum(portions.values()) or 1.0
    parts = [
        f"{k} {speedups[k]:g}x on {v / total:.0%}"
        for k, v in sorted(portions.items(), key=lambda kv: -kv[1])
        if v / total >= 0.005
    ]
    return ", ".join(parts)


@dataclass(frozen=True)
class _Inputs:
    owned: _Owned
    run_total: float
    calls: dict[str, tuple[int | None, float | None, float]]  # key -> ncalls, cum_s, self_s
    callers: dict[str, str]
    idle: dict[str, tuple[int, int]] | None
    fallback: bool
    design: float = 1.0  # the samples' design effect (rbprofile.analysis.intervals)


def _inputs(
    categorized: Categorized, profile: CProfile | None, samples: Samples | None, project: str
) -> _Inputs:
    table = categorized.functions
    categories = dict(table.select("key", "category").iter_rows())
    if profile is not None:
        owned = _owned_cprofile(profile, table.select("key", "category"), project)
        functions, total = profile.functions, profile.total_s
    elif samples is not None:
        owned = _owned_samples(samples, categories, project)
        from rbprofile.analysis.categories import sampled_functions

        functions, total = sampled_functions(samples), float(samples.total)
    else:
        raise RbprofileError("optimization targets need a .pstats or py-spy file; pass one.")
    fallback = all(k == outside(project) for k in owned.total)
    if fallback:
        owned = _owned_self(functions, categories, owned.unit)
    calls = {
        k: (n if profile is not None else None, c if profile is not None else None, s)
        for k, n, c, s in functions.select("key", "ncalls", "cum_s", "self_s").iter_rows()
    }
    idle = idle_shares(samples, project) if samples is not None and not fallback else None
    callers = {}
    if profile is not None:  # only rows whose FFI check sends the user to a caller's loop
        small = [k for k in owned.total if _too_small_per_call(*calls.get(k, (None, None, 0))[:2])]
        callers = loop_callers(profile.edges, functions, small)
    design = samples.design if samples is not None else 1.0
    return _Inputs(owned, total or 1.0, calls, callers, idle, fallback, design)


def _too_small_per_call(calls: int | None, cum_s: float | None) -> bool:
    if cum_s is None or not calls or cum_s < FFI_MIN_CUM_S:
        return False
    return cum_s / calls < FFI_WORK_FACTOR * FFI_BOUNDARY_S


def _row(owner: str, ins: _Inputs, category: str, speedups: Mapping[str, float]) -> dict:
    owned = ins.owned.total[owner]
    portions = _speedup_portions(ins.owned.portions[owner], category)
    kernel = effective_speedup(portions, speedups)
    ncalls, cum_s, self_s = ins.calls.get(owner, (None, None, 0.0))
    split = ins.owned.portions[owner]
    native_share = (split.get(NATIVE, 0.0) + split.get(GLUE, 0.0)) / owned if owned else 0.0
    per_call = None if cum_s is None or not ncalls else cum_s / ncalls
    busy = cpu_bound(owner, ins.idle, ins.design)
    ffi = ffi_check(cum_s, ncalls, ins.callers.get(owner))
    inclusive = None if cum_s is None else cum_s / ins.run_total
    fix = fix_kind(ncalls, per_call, inclusive, native_share, busy, ffi, category)
    setup = fix == SETUP
    removable = owned if setup else owned * (1.0 - 1.0 / kernel)
    share = owned / ins.run_total
    return {
        "target": owner,
        "category": category,
        "fix": fix,
        "owned_share": owned / ins.run_total,
        "inclusive_share": inclusive,
        "self_share": self_s / ins.run_total,
        "calls": ncalls,
        "per_call_s": per_call,
        "cpu_bound": busy,
        "native_share": native_share,
        "code": "already native" if native_share > NATIVE_MAJORITY else "pure Python",
        "ffi": ffi,
        "kernel_speedup": None if setup else kernel,
        "assumed": "removed by caching" if setup else _assumed(portions, speedups),
        "removable_s": removable,
        "amdahl_speedup": 1.0 / (1.0 - min(share, 0.999999)) if setup else amdahl(share, kernel),
    }


TARGET_SCHEMA = pl.Schema(
    {
        "rank": pl.Int64, "target": pl.String, "category": pl.String, "fix": pl.String,
        "owned_share": pl.Float64, "inclusive_share": pl.Float64, "self_share": pl.Float64,
        "calls": pl.Int64, "per_call_s": pl.Float64, "cpu_bound": pl.String,
        "native_share": pl.Float64, "code": pl.String, "ffi": pl.String,
        "kernel_speedup": pl.Float64, "assumed": pl.String, "removable_s": pl.Float64,
        "amdahl_speedup": pl.Float64,
    }
)  # fmt: skip


def target_frame(rows: list[dict], top: int) -> pl.DataFrame:
    """Rank rows by removable time (ties by name) and keep the first `top`."""
    ranked = sorted(rows, key=lambda r: (-r["removable_s"], r["target"]))[:top]
    return pl.DataFrame(
        [{"rank": i, **r} for i, r in enumerate(ranked, start=1)], schema=TARGET_SCHEMA
    )


def optimization_targets(
    categorized: Categorized,
    *,
    profile: CProfile | None = None,
    samples: Samples | None = None,
    speedups: Mapping[str, float],
    project: str = "rustybt",
    top: int = 10,
) -> Table:
    """Project functions ranked by the time acceleration could remove (see module doc)."""
    ins = _inputs(categorized, profile, samples, project)
    categories = dict(categorized.functions.select("key", "category").iter_rows())
    rows = [
        _row(owner, ins, categories.get(owner, OTHER), speedups)
        for owner in ins.owned.total
        if owner != outside(project) and ins.owned.total[owner] > 0
    ]
    unit = "seconds" if ins.owned.unit == "s" else "py-spy samples"
    notes = [
        f"Ranked by removable time ({unit}): owned time x (1 - 1/kernel speedup). Owned time "
        f"is the function's own time plus the library work it triggers (deepest {project} "
        "frame); amdahl_speedup is the whole-run speedup if only that target is accelerated.",
        "Assumed kernel speedups: "
        + ", ".join(f"{k} {v:g}x" for k, v in speedups.items())
        + " (override them with a [speedup] table in a --rules TOML file).",
        "FFI check: worth moving to Rust only above 1 ms cumulative and >= 10 us of work "
        "per call (~1 us to cross the boundary); otherwise accelerate the caller's loop.",
        "fix: " + "; ".join(f"{kind} = {what}" for kind, what in FIXES.items()) + ".",
    ]
    if ins.fallback:
        notes.append(
            f"No function of {project!r} in this profile: each function owns only its self "
            "time; pass --project PKG to attribute library work to its callers."
        )
    if ins.idle is None:
        notes.append("cpu_bound is unknown without py-spy samples (py-spy --idle shows waits).")
    frame = target_frame(rows, top)
    if ins.owned.unit == "samples":  # shares of py-spy samples: with their 95% interval
        n = ins.run_total
        counts = {c: pl.col(c) * n for c in ("owned_share", "self_share")}
        frame = with_intervals(frame, counts, n, ins.design)
        notes.append(interval_note(ins.design))
    elif ins.idle is not None:
        notes.append(
            "cpu_bound: 'uncertain' when the 95% Wilson interval of the owner's waiting "
            f"share of py-spy samples holds {CPU_BOUND_MAX_IDLE:.0%}."
        )
    formats = dict(FORMATS) | {f"{c}_{e}": PERCENT for c in FORMATS for e in ("lo", "hi")}
    return Table("targets", "Optimization targets", frame, tuple(notes), formats)
