"""Sessions: tests, lint, typecheck, profile (the main job end to end), bench."""

from __future__ import annotations

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
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    _install(session)
    session.run("mypy")


@nox.session
def profile(session: nox.Session) -> None:
    """The main job: ingest the scenario bundles, profile them, print the summary."""
    _install(session)
    session.run("rbprofile", "ingest", "all")
    session.run("rbprofile", "ingest", "smoke")


@nox.session
def bench(session: nox.Session) -> None:
    """Speed and memory targets, reported as ratios measured in one run."""
    _install(session)
    session.run("python", "-m", "benchmarks", *session.posargs)
