"""Sessions: tests, lint, typecheck, profile (the main job end to end), bench."""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = False


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

    Regenerates the committed results (`docs/performance/profiles/baseline`, the float-mode
    `baseline-float`, and `docs/performance/profiling-results.md`): `git diff` shows what moved.
    The float-mode runs go first, so the decimal runs record their decimal-minus-float evidence.
    """
    _install(session)
    session.run("rbprofile", "ingest", "all")
    float_run = ["--profiler", "cprofile", "--numeric", "float", "--label", "baseline-float"]
    session.run("rbprofile", "run", "all", *float_run, "--force")
    session.run("rbprofile", "run", "all", "--profiler", "all", "--label", "baseline", "--force")
    out = Path("docs/performance/profiling-results.md")
    tmp = out.with_suffix(".md.tmp")
    with tmp.open("w") as fh:  # report: markdown on stdout, progress on stderr
        session.run("rbprofile", "report", "baseline", stdout=fh, stderr=None)
    tmp.replace(out)
    session.log(f"wrote {out}")


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
