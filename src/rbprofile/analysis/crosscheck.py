"""cProfile vs py-spy: do the two profilers rank the same functions on top?

    crosscheck(profile, samples, top=20) -> CrossCheck
        .table      function, cprofile_share, pyspy_share, pyspy_share_lo, pyspy_share_hi,
                    ratio, cprofile_rank, pyspy_rank, ncalls, per_call_us, inflated, verdict,
                    likely_reason -- over the union of both top lists (and the inflated
                    functions those lists would have held)
        .rho        Spearman's rank correlation of the two shares over that union without the
                    inflated functions (None when fewer than 3 remain), .n their number
        .rho_all    the same with the inflated functions kept; .excluded their keys

Both sides measure Python-level self time: py-spy charges a sample to the innermost Python
frame (native frames are skipped), so cProfile's C functions (`decimal:Decimal.quantize`,
`builtins:len`) are folded into the Python functions that called them, in proportion to
the self time spent under each caller. py-spy samples are first cut to the stacks under
cProfile's entry points (functions with no caller in the pstats, e.g. `run_algorithm`),
because py-spy also sees interpreter start-up and imports. Code without a source file
(`<string>`: dataclass- and namedtuple-generated methods) is matched by its name, the only
identity pstats keeps for it (py-spy knows its qualname).

A function is *inflated* when cProfile's own per-call cost is a large part of what it
measured: called at least `INFLATED_CALLS` times at under `INFLATED_PER_CALL_US` of self time
per call. It is decided from the cProfile numbers alone (never from the disagreement), shown,
and left out of rho. A function disagrees when one share is more than 2x the other; py-spy's
share carries its 95% Wilson interval, and a verdict the interval cannot settle (part of it
within 2x of cProfile's share, part outside) is "uncertain".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import polars as pl

from rbprofile.analysis.intervals import wilson
from rbprofile.analysis.pstats_source import CProfile
from rbprofile.analysis.qualnames import has_source
from rbprofile.analysis.samples import Samples

RATIO = 2.0
FEW_SAMPLES = 10
SMALL_CALL_US = 20.0
FEW_CALLS = 100
INFLATED_CALLS = 1000
INFLATED_PER_CALL_US = 5.0
AGREE, DISAGREE, UNCERTAIN = "agree", "disagree", "uncertain"


@dataclass(frozen=True)
class CrossCheck:
    table: pl.DataFrame
    rho: float | None  # without the inflated functions
    n: int  # functions rho was computed over
    window: str  # which py-spy samples were compared
    rho_all: float | None = None  # with them
    excluded: tuple[str, ...] = ()  # the inflated functions left out of rho


def entry_points(profile: CProfile) -> set[str]:
    """Python functions nobody in the profile called: where cProfile was switched on."""
    called = set(profile.edges["callee_key"])
    python = profile.functions.filter(pl.col("file") != "~")["key"]
    return {k for k in python if k not in called}


def profiled_window(samples: Samples, profile: CProfile) -> tuple[Samples, str]:
    """py-spy records the whole process (start-up, imports); cProfile often only one call.

    Keep the stacks that pass through one of cProfile's entry points, when any do."""
    roots = sorted(entry_points(profile))
    hits = samples.frames.filter(pl.col("key").is_in(roots))
    if hits.is_empty():
        return samples, f"all {samples.total} py-spy samples (none under cProfile's entry points)"
    window = samples.restrict(hits["stack"].unique())
    names = ", ".join(sorted(hits["key"].unique()))
    return window, f"{window.total} of {samples.total} py-spy samples, those under {names}"


def python_self_shares(profile: CProfile) -> dict[str, float]:
    """Self time per Python function with C callees' self time folded into their callers."""
    functions = profile.functions
    is_c = dict(functions.select("key", pl.col("file") == "~").iter_rows())
    shares: defaultdict[str, float] = defaultdict(float)
    callers: defaultdict[str, list[tuple[str, float]]] = defaultdict(list)
    for caller, callee, _n, _p, self_s, _c in profile.edges.iter_rows():
        if is_c.get(callee) and not is_c.get(caller, True):
            callers[callee].append((caller, self_s))
    total = profile.total_s or 1.0
    for key, self_s in functions.select("key", "self_s").iter_rows():
        edges = callers.get(key)
        if is_c[key] and edges and sum(w for _, w in edges) > 0:
            weight = sum(w for _, w in edges)
            for caller, w in edges:
                shares[caller] += self_s * w / weight / total
        else:
            shares[key] += self_s / total
    return dict(shares)


def _match_key(frames: pl.DataFrame) -> pl.Expr:
    """A frame's key as cProfile's side spells it. Where there is no source to read (`<string>`:
    what dataclasses and namedtuples generate), pstats leaves the bare `co_name` (every generated
    `__init__` is `<string>:__init__`) while py-spy reports the qualname
    (`<string>:__create_fn__.<locals>.__init__`): matched on the name."""
    sourceless = [f for f in frames["file"].unique().to_list() if f and not has_source(f)]
    last = pl.col("qualname").str.split(".").list.last()
    return (
        pl.when(pl.col("file").is_in(sourceless))
        .then(pl.format("{}:{}", "module", last))
        .otherwise("key")
    )


def pyspy_self_shares(samples: Samples) -> dict[str, float]:
    """Per function: the share of samples whose deepest Python frame it is (code without a
    source file keyed by its name, as cProfile keys it)."""
    total = samples.total or 1
    leaves = samples.frames.filter(pl.col("python_leaf"))
    own = leaves.group_by(_match_key(leaves).alias("key")).agg(pl.col("count").sum())
    return dict(own.select("key", pl.col("count") / total).iter_rows())


def _rho(frame: pl.DataFrame, a: str, b: str) -> float | None:
    """Spearman's rho of two columns (tie-averaged ranks); None under 3 rows or no spread."""
    if frame.height < 3:
        return None
    rho = frame.select(pl.corr(a, b, method="spearman")).item()
    return None if rho is None or rho != rho else float(rho)  # NaN: a constant column


def spearman(a: list[float], b: list[float]) -> float | None:
    """Spearman's rho: Pearson correlation of the tie-averaged ranks."""
    frame = pl.DataFrame({"a": a, "b": b}, schema={"a": pl.Float64, "b": pl.Float64})
    return _rho(frame, "a", "b")


def _reason(
    c_share: float, p_share: float, calls: int, per_call_us: float | None, pyspy_n: int
) -> str:
    small = per_call_us is not None and per_call_us < SMALL_CALL_US and calls >= 1000
    if c_share > p_share and small:
        return (
            f"cProfile's per-call overhead inflates small functions called very often "
            f"({calls} calls, {per_call_us:.2f} us each)"
        )
    if pyspy_n < FEW_SAMPLES and c_share > p_share:
        return f"{pyspy_n or 'no'} py-spy samples: too few to rank this function"
    if c_share > p_share:
        return "py-spy saw less: sampling missed its short bursts"
    if calls < FEW_CALLS:
        return (
            f"few calls ({calls}): cProfile's per-call overhead inflates the often-called "
            "functions elsewhere, which shrinks this function's share"
        )
    return "py-spy saw more: time in C code or waits that cProfile charges to other entries"


def _top(shares: dict[str, float], top: int) -> list[str]:
    return sorted(shares, key=lambda k: (-shares[k], k))[:top]


def inflated(ncalls: int, self_s: float) -> bool:
    """cProfile's per-call cost is a large part of this function's measured self time."""
    return ncalls >= INFLATED_CALLS and self_s / ncalls * 1e6 < INFLATED_PER_CALL_US


def verdict(c_share: float, p_share: float, lo: float, hi: float) -> str:
    """agree / disagree (one share more than 2x the other) / uncertain (py-spy's interval
    reaches both sides of that line)."""
    if c_share <= 0:
        return DISAGREE if lo > 0 else (AGREE if p_share == 0 else UNCERTAIN)
    band = (c_share / RATIO, c_share * RATIO)
    if band[0] <= lo and hi <= band[1]:
        return AGREE
    if hi < band[0] or lo > band[1]:
        return DISAGREE
    return UNCERTAIN


_SCHEMA = {
    "function": pl.String,
    "cprofile_share": pl.Float64,
    "pyspy_share": pl.Float64,
    "pyspy_share_lo": pl.Float64,
    "pyspy_share_hi": pl.Float64,
    "ratio": pl.Float64,
    "cprofile_rank": pl.Float64,
    "pyspy_rank": pl.Float64,
    "ncalls": pl.Int64,
    "per_call_us": pl.Float64,
    "inflated": pl.Boolean,
    "verdict": pl.String,
    "likely_reason": pl.String,
}


def crosscheck(profile: CProfile, samples: Samples, top: int = 20) -> CrossCheck:
    samples, window = profiled_window(samples, profile)
    c_shares, p_shares = python_self_shares(profile), pyspy_self_shares(samples)
    calls = dict(profile.functions.select("key", "ncalls").iter_rows())
    own = dict(profile.functions.select("key", "self_s").iter_rows())
    bad = {k for k in c_shares if inflated(calls.get(k, 0), own.get(k, 0.0))}

    def kept(shares: dict[str, float]) -> dict[str, float]:
        return {k: v for k, v in shares.items() if k not in bad}

    union = list(
        dict.fromkeys(
            [*_top(kept(c_shares), top), *_top(kept(p_shares), top)]
            + [k for k in [*_top(c_shares, top), *_top(p_shares, top)] if k in bad]
        )
    )
    shares = pl.DataFrame(
        {
            "function": union,
            "cprofile_share": [c_shares.get(k, 0.0) for k in union],
            "pyspy_share": [p_shares.get(k, 0.0) for k in union],
            "inflated": [k in bad for k in union],
        },
        schema={
            "function": pl.String,
            "cprofile_share": pl.Float64,
            "pyspy_share": pl.Float64,
            "inflated": pl.Boolean,
        },
    )
    ranked = shares.with_columns(
        pl.col("cprofile_share").rank("average", descending=True).alias("cprofile_rank"),
        pl.col("pyspy_share").rank("average", descending=True).alias("pyspy_rank"),
    )
    total = samples.total
    rows = []
    for key, c, p, is_bad, c_rank, p_rank in ranked.iter_rows():
        n = calls.get(key, 0)
        per_call = own.get(key, 0.0) / n * 1e6 if n else None
        ratio = c / p if p > 0 else None
        pyspy_n = round(p * total)
        lo, hi = wilson(pyspy_n, total, design=samples.design)
        said = verdict(c, p, lo, hi)
        disagree = (p == 0 and c > 0) or (c == 0 and p > 0)
        disagree = disagree or (ratio is not None and not 1 / RATIO <= ratio <= RATIO)
        reason = _reason(c, p, n, per_call, pyspy_n) if disagree else ""
        rows.append((key, c, p, lo, hi, ratio, c_rank, p_rank, n, per_call, is_bad, said, reason))
    table = pl.DataFrame(rows, schema=_SCHEMA, orient="row").sort(["cprofile_rank", "function"])
    clean = shares.filter(~pl.col("inflated"))
    return CrossCheck(
        table=table,
        rho=_rho(clean, "cprofile_share", "pyspy_share"),
        n=clean.height,
        window=window,
        rho_all=_rho(shares, "cprofile_share", "pyspy_share"),
        excluded=tuple(k for k in union if k in bad),
    )
