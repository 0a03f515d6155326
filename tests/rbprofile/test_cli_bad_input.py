"""Hand-edited run files and crafted profiler output through the real CLI (`app.main`).

Every case ends in one `error: ...` line on stderr, exit 1, nothing on stdout and no traceback
(the `cli` fixture lets unexpected exceptions propagate), or, where a command reads several runs
(`compare`, `report`), in the reason printed next to the run it concerns.

The JSON policy under test (rbprofile.rundir.run.Run.checked): a manifest.json, timing.json or
memory.json that is present but unreadable is never skipped silently.
"""

from __future__ import annotations

import json
import marshal
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))

from hotprofiles import copy_hotpkg, cprofile_hotpkg

RERUN = "re-record the run (`rbprofile run ... --force`)"
CPU = (0.24, 0.25, 0.26)


@pytest.fixture(scope="module")
def hot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_hotpkg(tmp_path_factory.mktemp("bad-input"))
    return cprofile_hotpkg(root, root / "hot.pstats")


def manifest(label: str) -> dict[str, Any]:
    return {"schema_version": 2, "label": label, "scenario": "smoke", "numeric": "decimal"}


def timing() -> dict[str, Any]:
    runs = [{"simulate_cpu_s": c, "total_wall_s": c + 0.5} for c in CPU]
    return {"schema_version": 1, "repeats": len(runs), "runs": runs}


def write_run(root: Path, label: str, pstats: Path) -> Path:
    """A run directory with a real pstats, a valid manifest.json and timing.json."""
    run = root / label / "smoke"
    run.mkdir(parents=True)
    (run / "cprofile.pstats").write_bytes(pstats.read_bytes())
    (run / "manifest.json").write_text(json.dumps(manifest(label)))
    (run / "timing.json").write_text(json.dumps(timing()))
    return run


def error_line(result: Any, code: int = 1) -> str:
    """The one error line; asserts the exit code, an empty stdout and a single line."""
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    return str(result.stderr.removeprefix("error: ").rstrip("\n"))


# -- manifest.json / timing.json / memory.json: one policy in every command -----------------

BAD_MANIFESTS = [
    pytest.param(
        json.dumps(manifest("bad") | {"schema_version": 99}),
        "has schema_version 99; this rbprofile reads 1, 2: upgrade rbprofile, or " + RERUN,
        id="schema-99",
    ),
    pytest.param(
        "{truncated",
        "is not valid JSON (Expecting property name enclosed in double quotes at line 1); " + RERUN,
        id="invalid-json",
    ),
    pytest.param("", "is not valid JSON (Expecting value at line 1); " + RERUN, id="empty"),
    pytest.param(
        json.dumps(manifest("bad") | {"bundle": 5}),
        ": field 'bundle' must be an object, got 5; " + RERUN,
        id="bundle-5",
    ),
]


@pytest.mark.parametrize("command", ["analyze", "categorize"])
@pytest.mark.parametrize(("text", "reason"), BAD_MANIFESTS)
def test_single_run_commands_refuse_an_unreadable_manifest(
    profiles: Path, hot: Path, cli, command: str, text: str, reason: str
) -> None:
    run = write_run(profiles, "bad", hot)
    (run / "manifest.json").write_text(text)
    separator = "" if reason.startswith(":") else " "
    expected = f"bad/smoke: {run / 'manifest.json'}{separator}{reason}"
    assert error_line(cli([command, "bad"])) == expected


@pytest.mark.parametrize(("text", "reason"), BAD_MANIFESTS)
def test_compare_names_the_partial_run_and_why(
    profiles: Path, hot: Path, cli, text: str, reason: str
) -> None:
    write_run(profiles, "good", hot)
    run = write_run(profiles, "bad", hot)
    (run / "manifest.json").write_text(text)
    separator = "" if reason.startswith(":") else " "
    why = f"{run / 'manifest.json'}{separator}{reason}"
    assert error_line(cli(["compare", "good", "bad"])) == (
        f"no scenario has complete runs on both sides (good: smoke; bad: smoke (partial: "
        f"{why})); run the missing scenarios with `rbprofile run`"
    )


def test_timing_version_2_is_refused_by_compare_as_by_report(
    profiles: Path, hot: Path, cli, tmp_path: Path
) -> None:
    write_run(profiles, "good", hot)
    run = write_run(profiles, "bad", hot)
    (run / "timing.json").write_text(json.dumps(timing() | {"schema_version": 2}))
    why = (
        f"{run / 'timing.json'} has schema_version 2; this rbprofile reads 1: upgrade "
        f"rbprofile, or {RERUN}"
    )
    assert error_line(cli(["compare", "good", "bad"])) == (
        f"no scenario has complete runs on both sides (good: smoke; bad: smoke (partial: "
        f"{why})); run the missing scenarios with `rbprofile run`"
    )
    assert error_line(cli(["analyze", "bad"])) == f"bad/smoke: {why}"
    report = cli(["report", "bad", "--output-dir", str(tmp_path / "docs")])
    assert report.exit_code == 0, report.output
    assert f"timing not available ({why})" in report.stdout


def test_memory_samples_of_the_wrong_type(profiles: Path, hot: Path, cli, tmp_path: Path) -> None:
    run = write_run(profiles, "bad", hot)
    memory = {"schema_version": 1, "samples": "x", "peak_mib": 3.0}
    (run / "memory.json").write_text(json.dumps(memory))
    why = f"{run / 'memory.json'}: field 'samples' must be a list, got \"x\"; {RERUN}"
    assert error_line(cli(["categorize", "bad"])) == f"bad/smoke: {why}"
    report = cli(["report", "bad", "--output-dir", str(tmp_path / "docs")])
    assert report.exit_code == 0, report.output
    assert f"_Not available: {why}_" in report.stdout


def test_nan_times_in_functions_parquet_are_refused_not_rendered(
    profiles: Path, hot: Path, cli
) -> None:
    import polars as pl

    from rbprofile.analysis.pstats_source import load_pstats

    functions = load_pstats(hot).functions
    write_run(profiles, "good", hot)
    functions.write_parquet(profiles / "good" / "smoke" / "functions.parquet")
    run = write_run(profiles, "nan", hot)
    nan_first = pl.when(pl.int_range(pl.len()) == 0).then(float("nan")).otherwise("self_s")
    functions.with_columns(self_s=nan_first).write_parquet(run / "functions.parquet")
    result = cli(["compare", "good", "nan", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["meta"]["problems"] == [
        f"smoke: no function deltas: {run / 'functions.parquet'}: 1 row(s) with self_s not a "
        f"finite number of seconds >= 0; {RERUN}"
    ]


# -- crafted pstats ----------------------------------------------------------------------------

F = ("a.py", 1, "f")
G = ("a.py", 5, "g")
CRAFTED_PSTATS = [
    pytest.param(
        {(1, "a.py", 3): (1, 1, 0.5, 0.5, {})},
        "a key that is not (file, line, function name) in entry (1, 'a.py', 3)",
        id="key-types",
    ),
    pytest.param(
        {F: (1, 1, 0.5, 0.5, None)},
        "callers that are not a table in entry ('a.py', 1, 'f')",
        id="callers-none",
    ),
    pytest.param(
        {F: ("1", "1", "0.5", "0.5", {})},
        "call counts '1', '1' that are not whole numbers from 0 to 2**63-1 in entry "
        "('a.py', 1, 'f')",
        id="string-numbers",
    ),
    pytest.param(
        {F: (1, 1, 0.5, 0.5, {}), G: (2, 2, 0.1, 0.6, {F: (2, 2)})},
        "a caller edge that is not (calls, primitive calls, self, cumulative) in entry "
        "('a.py', 5, 'g')",
        id="two-tuple-edge",
    ),
    pytest.param(
        {F: (1, 1, float("nan"), float("nan"), {})},
        "times nan, nan that are not finite numbers in entry ('a.py', 1, 'f')",
        id="nan-times",
    ),
    pytest.param(
        {F: (2**63, 1, 0.5, 0.5, {})},
        "call counts 9223372036854775808, 1 that are not whole numbers from 0 to 2**63-1 in "
        "entry ('a.py', 1, 'f')",
        id="count-over-int64",
    ),
]


@pytest.mark.parametrize(("stats", "problem"), CRAFTED_PSTATS)
def test_crafted_pstats_is_one_line(
    tmp_path: Path, cli, stats: dict[Any, Any], problem: str
) -> None:
    path = tmp_path / "crafted.pstats"
    path.write_bytes(marshal.dumps(stats))
    for command in (["analyze", str(path), "--format", "json"], ["categorize", str(path)]):
        assert error_line(cli(command)) == (
            f"{path}: not a cProfile .pstats dump ({problem}); pass a file written by cProfile."
        )


def test_a_profile_without_time_is_refused_like_an_empty_recording(tmp_path: Path, cli) -> None:
    path = tmp_path / "zero.pstats"
    path.write_bytes(marshal.dumps({F: (1, 1, 0.0, 0.0, {})}))
    assert error_line(cli(["analyze", str(path)])) == (
        f"{path}: the profile measured no time (every function 0 s); profile a program that runs."
    )


# -- crafted py-spy output ----------------------------------------------------------------------

NO_SAMPLES = (
    "the py-spy recording holds no samples; record a program that runs long enough to be "
    "sampled (or raise --rate)."
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "main (a.py:1);f (a.py:2) 99999999999999999999\n",
            ":1: sample count 99999999999999999999 is over 2**63-1; not py-spy output, re-run "
            "py-spy record.",
            id="count-over-int64",
        ),
        pytest.param(
            "f (a.py:2) 9223372036854775807\ng (a.py:3) 9223372036854775807\n",
            ": more than 2**63-1 samples in all; not py-spy output.",
            id="total-over-int64",
        ),
        pytest.param(
            "main (a.py:1);f (a.py:2) 0\nmain (a.py:1) 0\n", ": " + NO_SAMPLES, id="zeros"
        ),
        pytest.param("\n\n", ": empty py-spy file; re-run py-spy record.", id="empty"),
        pytest.param(
            "garbage \x00\xff\n",
            ":1: not a py-spy collapsed line ('frame;frame;... count'); pass py-spy `--format "
            "raw` or speedscope output.",
            id="garbage",
        ),
    ],
)
def test_crafted_collapsed_file_is_one_line(tmp_path: Path, cli, text: str, message: str) -> None:
    path = tmp_path / "crafted.txt"
    path.write_text(text)
    assert error_line(cli(["analyze", str(path)])) == f"{path}{message}"


def test_zero_sample_pyspy_and_empty_pstats_follow_one_rule(tmp_path: Path, cli) -> None:
    speedscope = tmp_path / "zero.json"
    doc = {"shared": {"frames": [{"name": "f"}]}, "profiles": [{"samples": [], "weights": []}]}
    speedscope.write_text(json.dumps(doc))
    assert error_line(cli(["analyze", str(speedscope)])) == f"{speedscope}: {NO_SAMPLES}"
    empty = tmp_path / "empty.pstats"
    empty.write_bytes(marshal.dumps({}))
    assert error_line(cli(["analyze", str(empty)])) == (
        f"{empty}: the profile holds no functions; profile a program that runs."
    )


def test_zero_counts_give_no_diff_flamegraph_and_say_why(
    profiles: Path, hot: Path, cli, tmp_path: Path
) -> None:
    for label in ("before", "after"):
        run = write_run(profiles, label, hot)
        (run / "pyspy.collapsed.txt").write_text("main (a.py:1);f (a.py:2) 0\n")
    out = tmp_path / "fg"
    result = cli(["compare", "before", "after", "--flamegraph-dir", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    problems = json.loads(result.stdout)["meta"]["problems"]
    before, after = (profiles / s / "smoke" / "pyspy.collapsed.txt" for s in ("before", "after"))
    no_samples = NO_SAMPLES.rstrip(".")
    assert (
        f"smoke: no diff flamegraph (needs py-spy samples on both sides; BEFORE: {before}: "
        f"{no_samples}; AFTER: {after}: {no_samples})"
    ) in problems
    assert not out.exists()


def test_unusable_pyspy_output_leaves_the_cprofile_views(profiles: Path, hot: Path, cli) -> None:
    run = write_run(profiles, "mixed", hot)
    (run / "pyspy.collapsed.txt").write_text("main (a.py:1) 99999999999999999999\n")
    result = cli(["analyze", "mixed", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc["tables"]) == {"top_cumulative", "top_self", "bottlenecks"}
    assert (
        f"py-spy: not used ({run / 'pyspy.collapsed.txt'}:1: sample count 99999999999999999999 "
        "is over 2**63-1; not py-spy output, re-run py-spy record.)."
    ) in doc["notes"]


# -- rules TOML and --speedup --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            b"# caf\xe9\n[[rule]]\n", ":1: not UTF-8 text (byte 0xe9); TOML is UTF-8", id="latin-1"
        ),
        pytest.param(
            b"rule = [1, 2]\n", ":1: `rule` must be an array of tables written [[rule]]", id="list"
        ),
        pytest.param(
            b"[speedup]\nloops = nan\n",
            ":2: speedup 'loops' must be a finite number >= 1 (got nan)",
            id="nan-speedup",
        ),
        pytest.param(
            b"[speedup]\nloops = inf\n",
            ":2: speedup 'loops' must be a finite number >= 1 (got inf)",
            id="inf-speedup",
        ),
    ],
)
def test_bad_rules_file_is_one_line(
    hot: Path, tmp_path: Path, cli, content: bytes, message: str
) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_bytes(content)
    for command in ("categorize", "analyze"):
        args = [command, str(hot), "--rules", str(rules)]
        if command == "analyze":
            args.append("--targets")
        assert error_line(cli(args)) == f"{rules}{message}; fix the rules file"


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_speedup_option_is_refused(hot: Path, cli, value: str) -> None:
    result = cli(["analyze", str(hot), "--targets", "--speedup", f"loops={value}"])
    assert error_line(result).startswith(
        f"bad --speedup 'loops={value}'; write CATEGORY=FACTOR with FACTOR a finite number >= 1 "
        "and CATEGORY one of: Decimal arithmetic, loops,"
    )
