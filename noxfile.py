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
    decimal runs record their decimal-minus-float evidence), then regenerates
    `docs/performance/profiling-results.md`: `latest`, compared against the committed
    `baseline`. The baseline is history and is never re-recorded here (see `nox -s baseline`).
    """
    _install(session)
    session.run("rbprofile", "ingest", "all")
    _record(session, LATEST, force=True)
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


def _record(session: nox.Session, label: str, *, force: bool) -> None:
    """`label-float` (cProfile, float mode) then `label` (every profiler, decimal mode)."""
    again = ["--force"] if force else []
    session.run(
        "rbprofile", "run", "all", "--profiler", "cprofile", "--numeric", "float",
        "--label", f"{label}-float", *again,
    )  # fmt: skip
    session.run("rbprofile", "run", "all", "--profiler", "all", "--label", label, *again)


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
