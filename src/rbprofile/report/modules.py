"""Module-Level Analysis per run: `rbprofile analyze --by module` (self time by module, shares
summing to 100%; inclusive share per module from py-spy stacks) and a bar chart of the self-time
shares, drawn beside the report."""

from __future__ import annotations

from rbprofile.report import charts, documents
from rbprofile.report.model import Block, ReportContext, Section, missing, not_available
from rbprofile.rundir import files
from rbprofile.rundir.run import Run

TITLE = "Module-Level Analysis"
CHART_TOP = 12


def run_section(ctx: ReportContext, run: Run) -> Section:
    doc = documents.analysis(ctx, run, "module")
    if isinstance(doc, str):
        return missing(run.name, doc, level=3)
    blocks: list[Block] = []
    own = documents.table_of(doc, "modules")
    if own is None:
        blocks.append(not_available(f"self time by module: {run.why_missing(files.PSTATS)}"))
    else:
        top = own.frame.filter(~own.frame["module"].str.starts_with("(other ")).head(CHART_TOP)
        chart = charts.module_bars(
            [(m, s * 100) for m, s in top.select("module", "share").iter_rows()],
            f"Self time by module: {run.name}",
            ctx.chart_path(run, charts.MODULES_CHART),
        )
        blocks += [ctx.links.image(f"module breakdown {run.name}", chart), own]
    inclusive = documents.table_of(doc, "modules_inclusive")
    blocks.append(
        inclusive
        if inclusive is not None
        else "**Inclusive time by module (py-spy)**\n\n"
        + not_available(run.why_missing(files.PYSPY_COLLAPSED))
    )
    return Section(run.name, tuple(blocks), level=3)


def section(ctx: ReportContext) -> list[Section]:
    if not ctx.runs:
        return [missing(TITLE, "no runs")]
    intro = (
        "The project's modules at depth 3 (e.g. rustybt.finance.decimal); everything else by "
        "top-level package (polars, pandas, decimal, builtins, ...)."
    )
    return [Section(TITLE, (intro,)), *(run_section(ctx, r) for r in ctx.runs)]
