"""Profiling Methodology: how each registered profiler measures, tools and versions, the
machine, scenarios as their manifests record them, timing repeats, and each profiler's
measured overhead (all read from manifest.json; profilers from `rbprofile.profilers`)."""

from __future__ import annotations

import shlex
from collections.abc import Callable

import polars as pl

from rbprofile import profilers
from rbprofile.analysis import rank_stability
from rbprofile.analysis.crosscheck import INFLATED_CALLS, INFLATED_PER_CALL_US, pyspy_self_shares
from rbprofile.render import Table
from rbprofile.report.model import ReportContext, Section, bullets, missing
from rbprofile.rundir import files
from rbprofile.rundir.manifest import Manifest, Workload
from rbprofile.rundir.run import Run

TITLE = "Profiling Methodology"
BASE_TOOLS = (("python", "Python"), ("rbprofile", "rbprofile"), ("rustybt", "rustybt"),
              ("polars", "Polars"), ("pandas", "pandas"))  # fmt: skip
TIMING = (
    "Every run is a fresh child process. Timing repeats run with no profiler attached; each "
    "profiler then runs the same backtest once more on its own."
)
OVERHEAD = (
    "Overhead is the profiled run's wall time divided by the median of the unprofiled timing "
    "repeats, as recorded in each manifest (for py-spy: its one-run flamegraph recording, a "
    "fresh child like the timing repeats)."
)
INTERVALS = (
    "Every share read from py-spy samples (k of n samples) carries its 95% Wilson score "
    "interval (columns `_lo` / `_hi`), widened by the design effect D that the run's per-run "
    "sample counts measure (how much more the shares vary than independent draws would: the "
    "interval of k / D of n / D samples; D is in the py-spy evidence table, 1 where no per-run "
    "counts were kept); a finding whose interval holds its threshold (a 5% "
    "bottleneck, 2x disagreement between the profilers, a majority of loop lines or Decimal "
    "frames, 10% waiting for CPU-bound) is marked uncertain instead of stated. The "
    "cross-check's Spearman rho leaves out functions inflated by cProfile's per-call cost "
    f"(at least {INFLATED_CALLS} calls under {INFLATED_PER_CALL_US:g} us of self time each) "
    "and names them."
)


COLLECTED = (
    "Every measured call starts after a full garbage collection: start-up's objects (the "
    "imports) are collected outside it, in every child and for every profiler alike."
)
NOT_COLLECTED = (
    "Some runs here ({runs}) were recorded before rbprofile collected start-up's garbage "
    "outside the measured call: their first run paid for that collection (40-55 ms of a 0.3 s "
    "daily backtest), charged to whichever function allocated when it came."
)


def how(manifests: list[Manifest] | None = None) -> str:
    methods = (p.methodology for p in profilers.REGISTRY.values())
    older = sorted(
        {
            f"{m.label}/{m.scenario}"
            for m in manifests or ()
            if m.timing and not m.timing.collected_before
        }
    )
    gc = NOT_COLLECTED.format(runs=", ".join(older)) if older else COLLECTED
    return bullets([TIMING, gc, *methods, OVERHEAD, INTERVALS])


def _distinct(manifests: list[Manifest], get: Callable[[Manifest], object]) -> str:
    values = sorted({str(v) for m in manifests if (v := get(m)) is not None})
    return ", ".join(values) if values else "not recorded"


def _version(manifests: list[Manifest], key: str) -> str:
    return _distinct(manifests, lambda m: m.versions.get(key))


def tools_table(manifests: list[Manifest]) -> Table:
    tools = [*BASE_TOOLS, *((p.tool, p.title) for p in profilers.REGISTRY.values() if p.tool)]
    rows = [{"tool": name, "version": _version(manifests, key)} for key, name in tools]
    return Table("tools", "Tools and versions", pl.DataFrame(rows))


def machine_lines(manifests: list[Manifest]) -> str:
    def field(key: str) -> str:
        return _distinct(manifests, lambda m: m.platform.get(key))

    return bullets(
        [
            f"System: {field('system')} {field('release')} ({field('machine')})",
            f"CPU: {field('cpu')}, {field('cpu_count')} logical cores",
            f"Git commit: {_distinct(manifests, lambda m: m.git_commit)}",
        ]
    )


def _what_ran(w: Workload | None) -> str | None:
    """The strategy, or a command (`run -- COMMAND`) with the root its measured call was."""
    if w is None or not w.command:
        return w.strategy if w else None
    return shlex.join(w.command) + (f" (root {w.root})" if w.root else "")


def scenarios_table(runs: list[Run]) -> Table:
    rows = []
    for run in runs:
        m = run.manifest
        assert m is not None
        w, b = m.workload, m.bundle
        rows.append(
            {
                "run": run.name,
                "project": m.project,
                "numeric": m.numeric,
                "code seen in profile": ", ".join(run.code_seen()) or "none recorded",
                "strategy": _what_ran(w),
                "frequency": w.frequency if w else None,
                "assets": w.assets if w else None,
                "sessions": w.sessions if w else None,
                "bars": w.bars if w else None,
                "start": w.start if w else None,
                "end": w.end if w else None,
                "bundle hash": (b.content_hash or "")[:12] or None if b else None,
                "started": m.started,
            }
        )
    note = (
        '"code seen in profile" names Decimal or Polars only when modules of that library '
        "appear in the run's functions table (cProfile)."
    )
    return Table(
        "scenarios", "Scenarios (parameters recorded in each manifest)", pl.DataFrame(rows), (note,)
    )


def _profiler_cell(run: Run, name: str) -> str:
    record = run.profiler(name)
    if record is None:
        return "not recorded"
    if record.status != "ok":
        return f"{record.status}: {record.reason or 'no reason recorded'}"
    text = (
        f"{record.overhead:.2f}x" if record.overhead is not None else "ok (overhead not recorded)"
    )
    if "native" in record.details:
        text += " (native)" if record.details["native"] else " (Python frames only)"
    return text


def overhead_table(runs: list[Run]) -> Table:
    rows = []
    for run in runs:
        timing = run.manifest.timing if run.manifest is not None else None
        rows.append(
            {
                "run": run.name,
                "repeats": timing.repeats if timing else None,
                **{f"{name} overhead": _profiler_cell(run, name) for name in profilers.names()},
            }
        )
    return Table("overhead", "Timing repeats and measured profiler overhead", pl.DataFrame(rows))


def sampling_table(runs: list[Run]) -> Table:
    """Per run: the py-spy samples the views used and how they were collected."""
    rows = []
    for run in runs:
        record = run.profiler("pyspy")
        if record is None or record.status != "ok":
            continue
        d = record.details
        samples = run.samples
        design = run.sampling_design
        stable = (
            rank_stability.rank_stability(pyspy_self_shares(samples), design, run.run_leaves)
            if samples is not None
            else None
        )
        split = stable.split if stable else None
        rows.append(
            {
                "run": run.name,
                "samples used": samples.total if samples is not None else None,
                "window": "under the measured call" if run.samples_window else "whole process",
                "goal": d.get("samples_target"),
                "reached": (
                    None
                    if d.get("samples_target") is None
                    else "budget ran out"
                    if d.get("budget_exhausted")
                    else "yes"
                ),
                "runs": d.get("runs"),
                "children": len(d.get("children") or ()) or None,
                "sampling_s": d.get("sampling_s"),
                "budget_s": d.get("sample_budget_s"),
                "rate_hz": d.get("rate_hz"),
                "design effect": round(design, 2),
                "split-half rho": round(split[0], 3) if split else None,
                "split-half p10": round(split[1], 3) if split else None,
                "samples per half": split[2] if split else None,
                f"noise-only samples for rho {rank_stability.TARGET:g}": (
                    (stable.needed or f">{rank_stability.GRID[-1]}") if stable else None
                ),
            }
        )
    note = (
        "samples used: py-spy samples every sampled view of the run is computed from (those "
        "under the measured call when cProfile names it); runs: repeats of the measured call "
        "recorded, in that many sampling processes (children); per-run counts are in each "
        "manifest (profilers.pyspy.children[].run_samples). Shares carry 95% Wilson intervals; "
        "design effect: the variance of the per-run counts of the functions over 1% of the "
        "samples against independent draws (median of Pearson's X^2 / (runs - 1)), by which the "
        "intervals are widened. "
        f"split-half rho: how alike the two halves of this recording rank their top "
        f"{rank_stability.TOP} functions by py-spy self share (its runs split at random, each "
        f"run whole in one half; Spearman over both top-{rank_stability.TOP} lists, median of "
        f"{rank_stability.SPLITS} splits; p10: the 10th percentile), each half holding "
        "`samples per half`: a second whole recording usually agrees a little better. Below "
        f"{rank_stability.TARGET:g} the ranking's tail reorders from one recording to the next: "
        "read those ranks by their intervals. noise-only samples for rho "
        f"{rank_stability.TARGET:g}: the samples (`--samples`) at which two recordings would "
        f"reach a median rho of {rank_stability.TARGET:g} if sampling noise (this run's shares, "
        "its design effect) were all that differed: a floor, since the machine differs too."
    )
    frame = pl.DataFrame(rows) if rows else pl.DataFrame({"run": [], "samples used": []})
    return Table("sampling", "py-spy evidence per run", frame, (note,))


def section(ctx: ReportContext) -> Section:
    runs = [r for r in ctx.runs if r.manifest is not None]
    if not runs:
        reasons = "; ".join(r.problems.get(files.MANIFEST, r.name) for r in ctx.runs)
        return missing(TITLE, f"no readable manifest.json ({reasons})")
    manifests = [r.manifest for r in runs if r.manifest is not None]
    return Section(
        TITLE,
        (
            how(manifests),
            tools_table(manifests),
            "**Machine**\n\n" + machine_lines(manifests),
            scenarios_table(runs),
            sampling_table(runs),
            overhead_table(runs),
        ),
    )
