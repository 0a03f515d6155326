"""Sessions: tests, lint, typecheck, profile (the main job end to end), baseline, bench."""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = False

# the committed profiles (rbprofile's default --profiles-dir) and their labels
PROFILES = Path("docs/performance/profiles")
BASELINE, LATEST = "baseline", "latest"
# py-spy samples per scenario in the main job: `rbprofile run`'s default (20,000, for top-20
# rankings two recordings agree on) would take it to about 9 minutes; 6,000 keeps it near 4.
# The report's py-spy evidence table shows what that costs (split-half rho per run).
MAIN_JOB_SAMPLES = ["--samples", "6000", "--sample-budget", "60"]


def _install(session: nox.Session) -> None:
    session.install("-e", ".[dev]")


@nox.session
def tests(session: nox.Session) -> None:
    """The whole suite, slow tests (real profilers, full scenarios) included."""
    _install(session)
    session.run("pytest", "-m", "slow or not slow", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff==0.17.6")  # pinned: formatting rules change between releases
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    _install(session)
    session.run("mypy")


@nox.session
def profile(session: nox.Session) -> None:
    """The main job: ingest, profile every scenario with every profiler, write the report.

    Records the current code as `latest` (and its float-mode twin `latest-float`, first, so the
    decimal runs record their decimal-minus-float evidence; py-spy at MAIN_JOB_SAMPLES), then
    regenerates `docs/performance/profiling-results.md`: `latest`, compared against the
    committed `baseline`. The baseline is history and is never re-recorded here (see
    `nox -s baseline`).
    """
    _install(session)
    session.run("rbprofile", "ingest", "all")
    _record(session, LATEST, force=True, sampling=MAIN_JOB_SAMPLES)
    out = Path("docs/performance/profiling-results.md")
    tmp = out.with_suffix(".md.tmp")
    report = ["rbprofile", "report", LATEST]
    if (PROFILES / BASELINE).is_dir():
        report += ["--compare", BASELINE, LATEST]
    with tmp.open("w") as fh:  # report: markdown on stdout, progress on stderr
        session.run(*report, stdout=fh, stderr=None)
    tmp.replace(out)
    session.log(f"wrote {out}")


@nox.session
def baseline(session: nox.Session) -> None:
    """Record the committed `baseline` (and `baseline-float`) from the code as it is now.

    An explicit step, before an optimization round: it refuses to replace an existing baseline
    unless called as `nox -s baseline -- --force`.
    """
    _install(session)
    session.run("rbprofile", "ingest", "all")
    _record(session, BASELINE, force="--force" in session.posargs)


def _record(
    session: nox.Session, label: str, *, force: bool, sampling: list[str] | None = None
) -> None:
    """`label-float` (cProfile, float mode) then `label` (every profiler, decimal mode; py-spy
    with `sampling`'s options, else `run`'s defaults)."""
    again = ["--force"] if force else []
    session.run(
        "rbprofile", "run", "all", "--profiler", "cprofile", "--numeric", "float",
        "--label", f"{label}-float", *again,
    )  # fmt: skip
    session.run(
        "rbprofile", "run", "all", "--profiler", "all", "--label", label, *again, *(sampling or [])
    )  # fmt: skip


@nox.session
def bench(session: nox.Session) -> None:
    """Speed and memory targets, reported as ratios measured in one run.

    `nox -s bench -- NAME ...` runs only the named benchmarks (e.g. `peers`). The peer
    benchmark (rustybt against zipline-reloaded, backtrader and a bare loop) creates its own
    venvs `.nox/peer-zipline` and `.nox/peer-backtrader` from PyPI the first time (a few
    minutes) and then takes about 3-5 minutes; see benchmarks/bench_peers.py.
    """
    _install(session)
    session.run("python", "-m", "benchmarks", *session.posargs)


# (engine, pip requirement, peer programs) for `nox -s foreign`
FOREIGN = {
    "zipline": ("zipline-reloaded==3.2.1", ("zipline_sma", "zipline_zscore")),
    "backtrader": ("backtrader==1.9.78.123", ("backtrader_sma", "backtrader_zscore")),
}


@nox.session
@nox.parametrize("engine", list(FOREIGN))
def foreign(session: nox.Session, engine: str) -> None:
    """Another engine end to end: zipline-reloaded or backtrader, installed beside rbprofile,
    its SMA-crossover and z-score backtests (benchmarks/peers, on the daily and minute bundles
    exported to CSV) run through `rbprofile run -- python ...` with cProfile and py-spy, cut to
    the backtest call (--root), then `analyze --targets` and `categorize` for each.

    Profiles go to .nox/foreign-profiles (label = engine). Not part of CI (installing zipline
    takes minutes); `nox -s foreign` runs both engines.
    """
    requirement, programs = FOREIGN[engine]
    session.install("-e", ".", requirement)
    profiles = Path(".nox/foreign-profiles").resolve()
    data_cache = Path(".nox/peer-data").resolve()
    env = {"RBPROFILE_PROFILES_DIR": str(profiles)}
    for scenario in ("daily", "minute"):
        session.run("rbprofile", "ingest", scenario)
    export = (
        "import sys; from pathlib import Path; from rustybt.data.bundles import load_bundle; "
        "from benchmarks.peers.export import export_bundle; "
        "[print(export_bundle(load_bundle(n), Path(sys.argv[1]))) for n in ('daily', 'minute')]"
    )
    out = session.run("python", "-c", export, str(data_cache), silent=True)
    daily, minute = (Path(line) for line in str(out).split())
    peers = Path("benchmarks/peers").resolve()
    for program in programs:
        data = minute if program.endswith("zscore") else daily
        args = ["--data", str(data), "--rounds", "1", "--warmup", "0"]
        if engine == "zipline":
            args += ["--zipline-root", str(data_cache / f"zipline-root-{data.name}")]
        session.run(
            "rbprofile", "run", "--label", engine, "--force", "--profiler", "cprofile",
            "--profiler", "pyspy", "--samples", "1000", "--root", f"{program}:run_backtest",
            "--project", engine, "--", "python", str(peers / f"{program}.py"), *args, env=env,
        )  # fmt: skip
        run = str(profiles / engine / program)
        session.run("rbprofile", "analyze", run, "--targets", "--top", "10", env=env)
        session.run("rbprofile", "categorize", run, env=env)
