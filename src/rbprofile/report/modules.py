"""Module-Level Analysis per run: self time summed by module (cProfile; shares sum to 100%),
inclusive share per module (py-spy stacks), and a module breakdown bar chart beside the run.

Tables come from `rbprofile.analysis.modules` (`module_self_table`, `module_inclusive_table`)
with the project (`rustybt` by default) cut at depth 3 (`rustybt.finance.decimal`), as
`analyze --by module` does.
"""

from __future__ import annotations

from rbprofile.analysis.modules import module_inclusive_table, module_self_table
from rbprofile.render import Table
from rbprofile.report import charts
from rbprofile.report.model import ReportContext, Section, missing, table_block
from rbprofile.report.runs import Run

TITLE = "Module-Level Analysis"
DEPTH = 3
TOP = 15
CHART_TOP = 12
FORMATS = {
    "share": "{:.1%}",
    "self_s": "{:.4f}",
    "inclusive_share": "{:.1%}",
    "self_share": "{:.1%}",
}


def self_block(ctx: ReportContext, run: Run) -> list[str]:
    profile = run.cprofile
    if profile is None:
        return [
            f"_Self time by module not available: {run.why_missing('cprofile.pstats', 'cprofile')}_"
        ]
    frame = module_self_table(profile.functions, ctx.project, DEPTH)
    top = frame.head(CHART_TOP)
    chart = charts.module_bars(
        [(m, s * 100) for m, s in top.select("module", "share").iter_rows()],
        f"Self time by module: {run.name}",
        run.path / charts.MODULES_CHART,
    )
    table = Table(
        "modules",
        f"Self time by module (cProfile; {min(TOP, frame.height)} of {frame.height} modules)",
        frame.head(TOP),
        notes=("Shares of all self time; over all modules they sum to 100%.",),
        formats=FORMATS,
    )
    return [ctx.links.image(f"module breakdown {run.name}", chart), table_block(table)]


def inclusive_block(ctx: ReportContext, run: Run) -> str:
    samples = run.samples
    title = "Inclusive time by module (py-spy stacks)"
    if samples is None:
        return f"**{title}**\n\n_Not available: {run.why_missing('pyspy.collapsed.txt', 'pyspy')}_"
    frame = module_inclusive_table(samples, ctx.project, DEPTH)
    note = "Inclusive: share of samples whose stack passes through the module (overlaps)."
    return table_block(Table("inclusive", title, frame.head(TOP), notes=(note,), formats=FORMATS))


def run_section(ctx: ReportContext, run: Run) -> Section:
    return Section(run.name, (*self_block(ctx, run), inclusive_block(ctx, run)), level=3)


def section(ctx: ReportContext) -> list[Section]:
    if not ctx.runs:
        return [missing(TITLE, "no runs")]
    intro = (
        f"Project modules ({ctx.project}) at depth {DEPTH}; everything else by top-level "
        "package (polars, pandas, decimal, builtins, ...)."
    )
    return [Section(TITLE, (intro,)), *(run_section(ctx, r) for r in ctx.runs)]
