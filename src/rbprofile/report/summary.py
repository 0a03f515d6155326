"""Executive Summary: the top findings per run (time, hottest function, module, category),
the top optimization targets with their expected whole-run speedup, the Decimal overhead and
the comparison verdict when there is one. Every number is read from the same documents the
later sections show."""

from __future__ import annotations

from rbprofile.render import Document
from rbprofile.report import comparison, decimal_overhead, documents, targets
from rbprofile.report.model import ReportContext, Section, bullets
from rbprofile.rundir import files
from rbprofile.rundir.run import Run

TITLE = "Executive Summary"
MEDIANS = (("simulate_cpu_s", "simulate CPU"), ("total_wall_s", "total wall"))


def _timing(run: Run) -> str:
    timing = run.timing
    if timing is None:
        return f"timing not available ({run.why_missing(files.TIMING)})"
    parts = [f"{label} {timing.median[k]:.3f} s" for k, label in MEDIANS if k in timing.median]
    if not parts:
        return "timing not available (no medians recorded)"
    return f"median of {timing.repeats} unprofiled repeats: " + ", ".join(parts)


def _first(doc: Document | str, table: str) -> dict[str, object] | None:
    found = documents.table_of(doc, table)
    return found.frame.row(0, named=True) if found is not None and found.frame.height else None


def _hottest(ctx: ReportContext, run: Run) -> list[str]:
    if run.cprofile is None:
        return [f"no CPU profile ({run.why_missing(files.PSTATS)})"]
    found = []
    top = _first(documents.analysis(ctx, run, "function"), "top_self")
    if top is not None:
        found.append(
            f"most self time: `{top['function']}` ({top['self_share']:.1%} of the run, "
            f"{top['ncalls']} calls)"
        )
    module = _first(documents.analysis(ctx, run, "module"), "modules")
    if module is not None:
        found.append(f"largest module by self time: `{module['module']}` ({module['share']:.1%})")
    category = _first(documents.categories(ctx, run), "categories")
    if category is not None:
        sampled = (
            f" of sampled time, {category['samples']} py-spy samples, 95% interval "
            f"{category['share_low']:.1%}-{category['share_high']:.1%}"
            if "share_low" in category
            else ""
        )
        found.append(f"largest category: {category['category']} ({category['share']:.1%}{sampled})")
    return found


def _memory(run: Run) -> str:
    memory = run.memory
    if memory is None or memory.peak_mib is None:
        return f"memory not profiled ({run.why_missing(files.MEMORY)})"
    base = memory.baseline_mib
    growth = f", {memory.peak_mib - base:+.1f} MiB over baseline" if base is not None else ""
    return f"peak memory {memory.peak_mib:.1f} MiB{growth}"


def run_finding(ctx: ReportContext, run: Run) -> str:
    seen = run.code_seen()
    code = f" ({', '.join(seen)} code in profile)" if seen else ""
    parts = [_timing(run), *_hottest(ctx, run), _memory(run)]
    return f"**{run.name}**{code}: " + "; ".join(parts) + "."


def section(ctx: ReportContext) -> Section:
    findings = [run_finding(ctx, r) for r in ctx.runs] + decimal_overhead.summary_lines(ctx)
    findings += comparison.summary_lines(ctx)
    blocks = ("**Top findings**\n\n" + bullets(findings), targets.summary_block(ctx))
    return Section(TITLE, blocks)
