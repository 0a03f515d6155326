"""Executive Summary: the top findings per run (time, hottest function, module, category),
the top optimization targets with their expected whole-run speedup, the Decimal overhead and
the comparison verdict when there is one. Every number is taken from the same analysis calls
the later sections make, over the same measured files.
"""

from __future__ import annotations

from typing import Any

from rbprofile.analysis.hotspots import hotspots
from rbprofile.analysis.modules import module_self_table
from rbprofile.report import comparison, decimal_overhead, modules, targets
from rbprofile.report.derived import categorized
from rbprofile.report.model import ReportContext, Section, bullets
from rbprofile.report.runs import Run

TITLE = "Executive Summary"


def _timing(run: Run) -> str:
    median: dict[str, Any] = (run.timing or {}).get("median") or {}
    repeats = (run.timing or {}).get("repeats")
    parts = [
        f"{label} {median[key]:.3f} s"
        for key, label in (("simulate_cpu_s", "simulate CPU"), ("total_wall_s", "total wall"))
        if isinstance(median.get(key), int | float)
    ]
    if not parts:
        return f"timing not available ({run.problems.get('timing.json', 'no medians recorded')})"
    return f"median of {repeats} unprofiled repeats: " + ", ".join(parts)


def _hottest(ctx: ReportContext, run: Run) -> list[str]:
    profile = run.cprofile
    if profile is None:
        return [f"no CPU profile ({run.why_missing('cprofile.pstats', 'cprofile')})"]
    top = hotspots(profile.functions, profile.total_s, 1, "self").row(0, named=True)
    module = module_self_table(profile.functions, ctx.project, modules.DEPTH).row(0, named=True)
    found = [
        f"most self time: `{top['function']}` ({top['self_share']:.1%} of the run, "
        f"{top['ncalls']} calls)",
        f"largest module by self time: `{module['module']}` ({module['share']:.1%})",
    ]
    result = categorized(run)
    if result is not None and result.summary.height:
        category = result.summary.row(0, named=True)
        found.append(f"largest category: {category['category']} ({category['share']:.1%})")
    return found


def _memory(run: Run) -> str:
    memory = run.memory or {}
    peak, base = memory.get("peak_mib"), memory.get("baseline_mib")
    if not isinstance(peak, int | float):
        return f"memory not profiled ({run.why_missing('memory.json', 'memory')})"
    growth = f", {peak - base:+.1f} MiB over baseline" if isinstance(base, int | float) else ""
    return f"peak memory {peak:.1f} MiB{growth}"


def run_finding(ctx: ReportContext, run: Run) -> str:
    seen = run.code_seen()
    code = f" ({', '.join(seen)} code in profile)" if seen else ""
    parts = [_timing(run), *_hottest(ctx, run), _memory(run)]
    return f"**{run.name}**{code}: " + "; ".join(parts) + "."


def decimal_findings(ctx: ReportContext) -> list[str]:
    lines = []
    for dec, flt in decimal_overhead.pairs(ctx):
        row = decimal_overhead.ratio_row(dec, flt)
        if "overhead" in row:
            lines.append(
                f"Decimal overhead, {dec.scenario}: {row['overhead']} vs {flt.name} "
                f"({row['target']}; {row['significance']})."
            )
    return lines


def section(ctx: ReportContext) -> Section:
    findings = [run_finding(ctx, r) for r in ctx.runs] + decimal_findings(ctx)
    findings += comparison.summary_lines(ctx)
    blocks = ["**Top findings**\n\n" + bullets(findings)]
    blocks.append(targets.summary_block(ctx))
    return Section(TITLE, tuple(blocks))
