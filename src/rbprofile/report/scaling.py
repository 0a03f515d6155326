"""Scaling: for each `rbprofile scale` result stored under a reported label, every top
function's growth exponents with their 95% intervals, the projection (when one was asked
for), and a log-log chart of the top functions' self time, drawn beside the report.

Read from the scaling directory only (`rbprofile.scaling.store`): nothing is run or refitted.
"""

from __future__ import annotations

import polars as pl

from rbprofile.errors import RbprofileError
from rbprofile.render import Table
from rbprofile.report import charts
from rbprofile.report.model import Block, ReportContext, Section, missing
from rbprofile.rundir import files
from rbprofile.scale.document import projection_table
from rbprofile.scale.fit import SPECIAL_KEYS, TOTAL_KEY
from rbprofile.scaling.store import Stored, read_scaling, scaling_names

TITLE = "Scaling"
CHART_TOP = 6
_MEASURES = {"self_s": "self", "cum_s": "incl", "ncalls": "calls"}


def _num(value: float) -> str:
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def _cell(exponent: float | None, low: float | None, high: float | None) -> str | None:
    if exponent is None:
        return None
    if low is None or high is None:
        return _num(exponent)
    return f"{_num(exponent)} [{_num(low)}, {_num(high)}]"


def exponents_table(stored: Stored) -> Table:
    """One row per function: each measure's exponent [95% interval] in each size variable."""
    fits = stored.fits
    table = fits.table.with_columns(
        pl.struct("exponent", "ci_low", "ci_high")
        .map_elements(lambda r: _cell(r["exponent"], r["ci_low"], r["ci_high"]), pl.String)
        .alias("cell"),
        pl.col("measure").replace_strict(_MEASURES).alias("short"),
    )
    wide = table.pivot(
        on=["short", "variable"], index="key", values="cell", aggregate_function="first"
    )
    wide = wide.rename(
        {c: c.strip("{}").replace('","', " ").replace('"', "") for c in wide.columns}
    )
    flags = table.group_by("key", maintain_order=True).agg(
        pl.col("superlinear").any().alias("superlinear"),
        pl.col("share_largest").filter(pl.col("measure") == "cum_s").first().alias("incl_share"),
        pl.col("share_largest").filter(pl.col("measure") == "self_s").first().alias("self_share"),
        pl.col("status").filter(pl.col("status") != "ok").unique().sort().str.join(", ")
        .alias("not ok"),
    )  # fmt: skip
    frame = flags.join(wide, on="key", how="left", maintain_order="left").rename(
        {"key": "function"}
    )
    at = ", ".join(f"{v}={x:g}" for v, x in fits.largest.items())
    notes = (
        "Each cell: fitted exponent [95% interval] of self time (self), inclusive time (incl) "
        "or call count (calls) in that size variable; superlinear: an interval above 1 and an "
        f"exponent of at least {1 + fits.min_excess:g} in any of them. Shares at {at} "
        "(median over repeats). not ok: fit statuses other than ok (those exponents are not "
        f"to be extrapolated). {' and '.join(SPECIAL_KEYS)}: the whole run and the rest.",
    )
    formats = {"incl_share": "{:.1%}", "self_share": "{:.1%}"}
    return Table("scaling_exponents", "Growth exponents", frame, notes, formats)


def _panels(stored: Stored) -> dict[str, list[charts.GrowthLine]]:
    """Per variable: medians over repeats at the other variables' largest sizes."""
    fits = stored.fits
    m = stored.measurements
    totals = m.group_by([*fits.variables, "repeat"]).agg(
        pl.lit(TOTAL_KEY).alias("key"), pl.col("self_s").sum()
    )
    tops = (
        fits.table.filter((pl.col("measure") == "self_s") & ~pl.col("key").is_in(SPECIAL_KEYS))
        .unique("key", maintain_order=True)
        .sort("share_largest", descending=True, nulls_last=True)
        .head(CHART_TOP)["key"]
        .to_list()
    )
    frame = pl.concat([totals, m.select(totals.columns).filter(pl.col("key").is_in(tops))])
    panels: dict[str, list[charts.GrowthLine]] = {}
    for variable in fits.variables:
        fixed = [pl.col(v) == fits.largest[v] for v in fits.variables if v != variable]
        at = frame.filter(*fixed) if fixed else frame
        medians = at.group_by("key", variable).agg(pl.col("self_s").median()).sort(variable)
        lines = []
        for key in [TOTAL_KEY, *tops]:
            rows = medians.filter((pl.col("key") == key) & (pl.col("self_s") > 0))
            exp = fits.table.filter(
                (pl.col("key") == key) & (pl.col("measure") == "self_s")
                & (pl.col("variable") == variable)
            )["exponent"]  # fmt: skip
            exponent = exp[0] if exp.len() and exp[0] is not None else None
            label = key if exponent is None else f"{key} ({_num(exponent)})"
            points = [(float(x), float(y)) for x, y in rows.select(variable, "self_s").iter_rows()]
            lines.append(charts.GrowthLine(label, points, exponent))
        panels[variable] = lines
    return panels


def result_section(ctx: ReportContext, label: str, stored: Stored) -> Section:
    m = stored.manifest
    what = f"scenario `{m['scenario']}`" if m.get("scenario") else f"`{' '.join(m['command'])}`"
    ranges = ", ".join(f"{v} {lo:g}..{hi:g}" for v, (lo, hi) in stored.fits.ranges.items())
    where = ctx.links.link(files.scaling_dir_name(stored.name), stored.path)
    blocks: list[Block] = [
        f"{what} over {ranges}: {m['plan']}; cProfile timer: {m.get('timer')}; files in {where}."
    ]
    name = f"{label}--{files.scaling_dir_name(stored.name)}--{charts.SCALING_CHART}"
    chart = charts.scaling_loglog(
        _panels(stored), f"Self time vs size: {label}/{stored.name}", ctx.charts_dir / name
    )
    blocks += [ctx.links.image(f"scaling {label}/{stored.name}", chart), exponents_table(stored)]
    if stored.projection is not None:
        blocks.append(projection_table(stored.projection))
        if stored.projection.message:
            blocks.append(stored.projection.message)
    else:
        blocks.append("Projection: none stored (record with `--at NAME=SIZE,...`).")
    return Section(f"{label}/{files.scaling_dir_name(stored.name)}", tuple(blocks), level=3)


def section(ctx: ReportContext) -> list[Section]:
    found = [
        (label, name) for label in ctx.labels for name in scaling_names(ctx.profiles_dir / label)
    ]
    if not found:
        label = ctx.labels[0]
        example = f"rbprofile scale daily --assets 25,50,100 --sessions 250,500 --label {label}"
        why = f"no scaling results under {', '.join(ctx.labels)}; record one with `{example}`"
        return [missing(TITLE, why)]
    sections = [Section(TITLE, ())]
    for label, name in found:
        path = ctx.profiles_dir / label / files.scaling_dir_name(name)
        try:
            stored = read_scaling(path)
        except RbprofileError as exc:
            sections.append(missing(f"{label}/{files.scaling_dir_name(name)}", exc.message, 3))
            continue
        sections.append(result_section(ctx, label, stored))
    return sections
