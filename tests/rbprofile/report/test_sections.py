"""Sections from hand-built run directories: known numbers, and why when data is missing."""

from __future__ import annotations

import json
from typing import Any

from rbprofile.report import (
    categories,
    comparison,
    cpu,
    decimal_overhead,
    memory,
    methodology,
    modules,
    raw_data,
    summary,
    targets,
)
from rbprofile.report.render import section_markdown as md
from rbprofile.rundir.timing import MEASURES

SIM_CPU = dict(MEASURES)["simulate_cpu_s"]  # compare's name for the measure


def test_methodology_reports_versions_machine_parameters_and_overhead(make_run, context) -> None:
    make_run("baseline")
    make_run("partial", profilers=("cprofile",))
    text = md(methodology.section(context("baseline", "partial")))
    assert text.startswith("## Profiling Methodology\n")
    assert "| py-spy | 0.4.3 |" in text
    assert "- CPU: Test CPU @ 2.0GHz, 2 logical cores" in text
    assert (
        "| baseline/smoke | rustybt | decimal | Decimal, Polars | sma_crossover | daily | 3 | 10 "
        "| 30 |" in text
    )
    assert "| baseline/smoke | 3 | 1.80x | 1.05x (native) | 1.80x |" in text
    assert "| partial/smoke | 3 | 1.80x | skipped: not requested (--profiler) |" in text
    # these manifests do not say their measured call started after a full collection
    assert "Some runs here (baseline/smoke, partial/smoke) were recorded before" in text


def test_methodology_says_every_measured_call_follows_a_collection(make_run, context) -> None:
    run = make_run("fresh")
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["timing"]["collected_before"] = True
    (run / "manifest.json").write_text(json.dumps(manifest))
    text = md(methodology.section(context("fresh")))
    assert "- Every measured call starts after a full garbage collection" in text
    assert "Some runs here" not in text


def test_float_run_is_not_called_decimal(make_run, context) -> None:
    make_run("flt", numeric="float")
    text = md(methodology.section(context("flt")))
    assert "| flt/smoke | rustybt | float | Polars | sma_crossover |" in text


def test_memory_section_numbers_chart_and_missing_reason(make_run, context, tmp_path) -> None:
    run_dir = make_run("baseline")
    make_run("nomem", profilers=("cprofile", "pyspy"))
    sections = memory.section(context("baseline", "nomem"))
    assert [s.title for s in sections] == [
        "Memory Profiling Results",
        "baseline/smoke",
        "nomem/smoke",
    ]
    text = md(sections[1])
    assert "- Peak resident memory: 120.5 MiB" in text
    assert "- Growth during the run (peak - baseline): 70.5 MiB" in text
    assert "![memory timeline baseline/smoke](charts/baseline--smoke--memory_timeline.svg)" in text
    assert "| money | report_tinyprog.py | 22 | 12.50 | 4000 |" in text
    assert (
        "GC pressure: collections gen 0: 120, gen 1: 10, gen 2: 1; time in collection 0.015 s."
        in text
    )
    assert "| daily_bars | 30 | 7 | 0.002 |" in text
    assert (tmp_path / "docs" / "charts" / "baseline--smoke--memory_timeline.svg").is_file()
    assert not (run_dir / "memory_timeline.svg").exists()  # never written into measured data
    assert md(sections[2]) == (
        "### nomem/smoke\n\n"
        "_Not available: memory skipped for nomem/smoke: not requested (--profiler)_\n"
    )


def test_raw_data_links_existing_files_and_explains_absent_ones(make_run, context) -> None:
    make_run("baseline", profilers=("cprofile", "memory"))
    text = md(raw_data.section(context("baseline")))
    assert "| [cprofile.pstats](../profiles/baseline/smoke/cprofile.pstats) |" in text
    assert "| [memory.json](../profiles/baseline/smoke/memory.json) |" in text
    assert (
        "| pyspy.svg | absent: pyspy skipped for baseline/smoke: not requested (--profiler) |"
        in text
    )


def test_decimal_overhead_ratio_against_target(make_run, context) -> None:
    make_run("baseline")
    make_run("baseline-float", numeric="float")
    text = md(decimal_overhead.section(context("baseline")))
    # simulate CPU medians from timing.json: decimal 0.25 s, float 0.20 s -> 1.250x, +25.0%
    assert (
        f"| smoke | baseline/smoke | baseline-float/smoke | {SIM_CPU} | 0.2500 | 0.2000 "
        "| 1.250x | +25.0% | within the 30% target | Decimal significantly slower (Welch p="
    ) in text
    assert "**Per-function Decimal cost, smoke (self time decimal - float, top 15)**" in text
    cost_rows = [line for line in text.splitlines() if line.startswith("| report_tinyprog:")]
    # money() does Decimal arithmetic in decimal mode and float arithmetic in float mode; one
    # cProfile repeat a side gives the largest cost but no verdict
    assert cost_rows[0].startswith("| report_tinyprog:money | not enough repeats |"), text


def test_decimal_overhead_target_words() -> None:
    assert decimal_overhead._target(25.0) == "within the 30% target"
    assert decimal_overhead._target(35.0) == "over the 30% target by 5.0 points"


def test_decimal_overhead_missing_says_how_to_get_it(make_run, context) -> None:
    make_run("baseline")
    text = md(decimal_overhead.section(context("baseline")))
    assert text == (
        "## Decimal overhead vs float baseline\n\n_Not available: no scenario ran in both numeric "
        "modes (baseline/smoke: decimal); add a float baseline with `rbprofile run all --numeric "
        "float --label baseline-float`_\n"
    )


def test_comparison_absent_without_compare(make_run, context) -> None:
    make_run("baseline")
    assert "pass `--compare BEFORE AFTER`" in md(comparison.section(context("baseline")))


def test_comparison_renders_compare_verdicts_and_links_diff_flamegraph(
    make_run, context, tmp_path
) -> None:
    make_run("baseline")
    make_run("after", numeric="float")
    ctx: Any = context("baseline", compare=("baseline", "after"))
    text = md(comparison.section(ctx))
    # compare's own verdict for 0.25 -> 0.20 s simulate CPU (3 repeats each, spread 0.01)
    assert f"| smoke | {SIM_CPU} | 0.2500 |" in text
    assert "1.25x faster" in text
    link = "[differential flamegraph, smoke](compare/baseline_vs_after/diff_smoke.svg)"
    assert link in text
    assert (tmp_path / "docs" / "compare" / "baseline_vs_after" / "diff_smoke.svg").is_file()


def test_cpu_section_hotspots_bottlenecks_agreement_and_flamegraph(make_run, context) -> None:
    make_run("baseline")
    sections = cpu.section(context("baseline"))
    assert [s.title for s in sections] == ["CPU Profiling Results", "baseline/smoke"]
    text = md(sections[1])
    flame = "[py-spy flamegraph (SVG)](../profiles/baseline/smoke/pyspy.svg)"
    assert f"Flamegraph: {flame}, [speedscope profile]" in text
    for title in (
        "Top 20 by cumulative time (cProfile)",
        "Top 20 by self time (cProfile)",
        "Bottlenecks",
        "Top 20 by py-spy samples",
        "cProfile vs py-spy",
    ):
        assert f"**{title}**" in text
    # money() is the known hot spot: first by self time, and both profilers agree on it
    self_table = text.split("**Top 20 by self time (cProfile)**")[1]
    assert self_table.split("\n")[4].startswith("| 1 | report_tinyprog:money | 1 | 1 |")
    agreement = text.split("**cProfile vs py-spy**")[1]
    money = next(r for r in agreement.splitlines() if r.startswith("| report_tinyprog:money |"))
    assert "| 80.0% |" in money  # 80 of the 100 hand-built py-spy samples
    assert money.endswith("| agree |  |")
    assert "report_tinyprog:main, 100 samples." in text


def test_cpu_section_without_pyspy_says_why(make_run, context) -> None:
    make_run("baseline", profilers=("cprofile",))
    text = md(cpu.section(context("baseline"))[1])
    assert "Flamegraph: not available (pyspy skipped for baseline/smoke: not requested" in text
    assert "_Not available: needs both profilers; pyspy skipped for baseline/smoke" in text


def test_modules_section_shares_chart_and_inclusive(make_run, context, tmp_path) -> None:
    run_dir = make_run("baseline")
    text = md(modules.section(context("baseline"))[1])
    assert "![module breakdown baseline/smoke](charts/baseline--smoke--modules.svg)" in text
    assert (tmp_path / "docs" / "charts" / "baseline--smoke--modules.svg").is_file()
    assert not (run_dir / "modules.svg").exists()
    rows = [r for r in text.split("**Inclusive")[0].splitlines() if r.startswith("| ")][2:]
    assert rows[0].startswith("| report_tinyprog | local | 3 |")
    shares = sum(float(r.rstrip(" |").rsplit("| ", 1)[1].rstrip("%")) for r in rows)
    assert abs(shares - 100.0) < 0.1 * len(rows)  # rounded shares of all modules sum to 100%
    # hand-built collapsed stacks: every sample passes through report_tinyprog
    # ... and each share carries its 95% Wilson interval: 100 of 100 -> 96.3-100%
    full = "100 | 100.0% | 96.3% | 100.0%"
    assert f"| report_tinyprog | {full} | {full} |" in text


def test_categories_section_uses_float_twin_as_evidence(make_run, context) -> None:
    make_run("baseline")
    make_run("baseline-float", numeric="float")
    text = md(categories.section(context("baseline"))[1])
    assert "Decimal arithmetic evidence: self time decimal minus float run" in text
    assert "(baseline-float/smoke, x" in text
    assert (
        "| report_tinyprog:money | 0.0" in text
        and "| Decimal arithmetic | evidence: self time decimal minus float run |" in text
    )
    assert text.count("| loops | 0.0000 | 0.0% | 0 |") == 1


def test_categories_missing_without_cprofile(make_run, context) -> None:
    make_run("baseline", profilers=("memory",))
    text = md(categories.section(context("baseline"))[1])
    assert text == (
        "### baseline/smoke\n\n_Not available: baseline/smoke: nothing to categorize (cprofile "
        "skipped for baseline/smoke: not requested (--profiler); pyspy skipped for "
        "baseline/smoke: not requested (--profiler))_\n"
    )


def test_targets_rank_the_known_hot_spot_first(make_run, context) -> None:
    make_run("baseline")
    ctx = context("baseline", project="report_tinyprog")
    text = md(targets.section(ctx)[1])
    first = next(r for r in text.splitlines() if r.startswith("| 1 |"))
    assert first.startswith("| 1 | report_tinyprog:money |")
    assert "Assumed kernel speedups:" in text


def test_targets_from_py_spy_alone(make_run, context) -> None:
    make_run("baseline", profilers=("pyspy", "memory"))
    text = md(targets.section(context("baseline"))[1])
    assert "Ranked by removable time (py-spy samples)" in text
    first = next(r for r in text.splitlines() if r.startswith("| 1 |"))
    assert first.startswith("| 1 | report_tinyprog:money |")  # 80 of the 100 samples


def test_targets_missing_without_any_profile(make_run, context) -> None:
    make_run("baseline", profilers=("memory",))
    text = md(targets.section(context("baseline"))[1])
    assert "_Not available: baseline/smoke: optimization targets need" in text


def test_summary_findings_come_from_the_measured_files(make_run, context) -> None:
    make_run("baseline")
    make_run("baseline-float", numeric="float")
    text = md(summary.section(context("baseline", project="report_tinyprog")))
    assert text.startswith(
        "## Executive Summary\n\n**Top findings**\n\n- **baseline/smoke** "
        "(Decimal, Polars code in profile): median of 3 unprofiled repeats: "
        "simulate CPU 0.250 s, total wall 0.750 s; most self time: "
        "`report_tinyprog:money` ("
    )
    assert "largest module by self time: `report_tinyprog` (" in text
    assert "; peak memory 120.5 MiB, +70.5 MiB over baseline." in text
    assert (
        "- Decimal overhead, smoke: +25.0% vs baseline-float/smoke (within the 30% target;" in text
    )
    targets_part = text.split("**Top optimization targets**")[1]
    assert targets_part.startswith("\n\n- `report_tinyprog:money` in baseline/smoke (")
    assert "expected whole-run speedup" in targets_part


def test_unreadable_files_are_named_with_their_error(make_run, context) -> None:
    run_dir = make_run("baseline")
    (run_dir / "cprofile.pstats").write_bytes(b"not marshal data")
    (run_dir / "memory.json").write_text('{"schema_version": 7}')
    ctx = context("baseline")
    cpu_text = md(cpu.section(ctx)[1])
    assert f"_Not available: {run_dir / 'cprofile.pstats'}: not a readable .pstats file" in cpu_text
    memory_text = md(memory.section(ctx)[1])
    assert f"{run_dir / 'memory.json'} has schema_version 7; this rbprofile reads 1" in memory_text


def test_unreadable_manifest_is_the_reason_given(make_run, context) -> None:
    run_dir = make_run("baseline", profilers=("cprofile",))
    (run_dir / "manifest.json").write_text("{broken")
    ctx = context("baseline")
    assert md(methodology.section(ctx)) == (
        "## Profiling Methodology\n\n_Not available: no readable manifest.json "
        f"({run_dir / 'manifest.json'} is not valid JSON (Expecting property name enclosed in "
        "double quotes at line 1); re-record the run (`rbprofile run ... --force`))_\n"
    )
    text = md(memory.section(ctx)[1])
    assert "baseline/smoke has no memory.json; " in text
    assert "manifest.json is not valid JSON" in text


def test_summary_states_the_comparison_verdict(make_run, context) -> None:
    make_run("baseline")
    make_run("after", numeric="float")
    text = md(summary.section(context("baseline", compare=("baseline", "after"))))
    assert f"- after vs baseline, smoke: 1.25x faster (faster; {SIM_CPU})\n" in text
    assert "- after vs baseline: geometric-mean speedup 1.25x\n" in text


def test_summary_line_of_a_setup_target_names_no_kernel_speedup() -> None:
    from rbprofile.report.targets import _describe
    from rbprofile.rundir.run import Run

    run = Run("baseline/daily", None)
    row = {
        "target": "p:calendar", "category": "datetime/calendar", "fix": "one-time setup",
        "owned_share": 0.2, "amdahl_speedup": 1.25, "kernel_speedup": None, "ffi": "yes",
    }  # fmt: skip
    assert _describe(run, row) == (
        "`p:calendar` in baseline/daily (datetime/calendar, one-time setup): 20.0% of the run; "
        "expected whole-run speedup 1.250x if cached or precomputed away"
    )
    row |= {"fix": "compiled kernel", "kernel_speedup": 5.0, "amdahl_speedup": 1.19}
    assert _describe(run, row).endswith("1.190x at an assumed 5.0x kernel speedup; FFI check: yes")


def test_memory_section_takes_allocations_from_memray_and_rss_from_memory_profiler(
    make_run, context
) -> None:
    make_run("exact", profilers=("cprofile", "memory", "memray"))
    text = md(memory.section(context("exact"))[1])
    assert "- Peak resident memory: 120.5 MiB" in text  # memory_profiler's timeline stays
    assert "![memory timeline exact/smoke]" in text
    assert (
        "- Peak allocated (memray, exact, with native frames): 80.0 MiB (64.0 MiB of it mapped "
        "with mmap by arena allocators, 16.0 MiB without)" in text
    )
    assert "- Allocated during the run (memray): 400.0 MiB in 1,000,000 allocations" in text
    assert "allocating functions, total allocated (memray, exact, with native frames)" in text
    # by total: money (300 MiB = 75% of 400) before frame (100 MiB)
    assert (
        "| money | report_tinyprog | 22 | ctx_create_decimal | 300.00 | 75.0% | 900000 | 12.00 |"
        in text
    )
    # at the peak: frame (64 MiB = 80% of 80, all of it mmap) first
    assert (
        r"| frame | report_tinyprog | \_\_pyx_pw_7pyarrow_3lib_199array | 64.00 | 80.0% | 64.00 "
        "| 2 | 100.00 |" in text  # markdown escapes the leading underscores
    )
    assert "tracemalloc" not in text  # the lower bound is replaced where memray data exists
    assert "GC pressure: collections gen 0: 120" in text


def test_memory_section_of_an_old_run_labels_tracemalloc_a_lower_bound(make_run, context) -> None:
    make_run("old", profilers=("cprofile", "memory"))
    text = md(memory.section(context("old"))[1])
    assert "Top allocating functions at peak (tracemalloc, lower bound, top 10)" in text
    assert "| money | report_tinyprog.py | 22 | 12.50 | 4000 |" in text
    assert "memray" in text  # says how to get exact numbers


def test_memory_section_with_memray_alone_says_why_rss_is_missing(make_run, context) -> None:
    make_run("only", profilers=("memray",))
    text = md(memory.section(context("only"))[1])
    assert "Resident memory: memory skipped for only/smoke: not requested (--profiler)." in text
    assert "| money | report_tinyprog | 22 | ctx_create_decimal | 300.00 |" in text


def test_analyze_by_memory_uses_memray_else_the_tracemalloc_lower_bound(make_run, profiles) -> None:
    from rbprofile.views.analyze import AnalyzeOptions, analyze_run

    make_run("exact", profilers=("memray",))  # no cProfile or py-spy: memory views still work
    make_run("old", profilers=("cprofile", "memory"))
    opts = AnalyzeOptions(by="memory", top=1, profiles_dir=profiles)
    exact = analyze_run("exact", opts)
    assert [t.name for t in exact.tables] == ["allocations", "allocations_at_peak"]
    assert exact.tables[0].frame["function"].to_list() == ["money"]  # top 1 by total
    assert exact.tables[1].frame["function"].to_list() == ["frame"]  # top 1 at the peak
    old = analyze_run("old", opts)
    assert [t.title for t in old.tables] == [
        "Top allocating functions at peak (tracemalloc, lower bound, top 1)"
    ]
