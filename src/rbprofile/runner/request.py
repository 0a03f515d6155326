"""What to run: the request, its targets (scenarios, a strategy file, or any Python command) and
their bundles."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rbprofile import profilers
from rbprofile.errors import RbprofileError
from rbprofile.profilers.pyspy_sampling import DEFAULT_BUDGET_S, DEFAULT_SAMPLES, default_jobs
from rbprofile.runner.childspec import ChildSpec, CommandSpec
from rbprofile.runner.command import Program, Root, parse_command, parse_root
from rbprofile.scenarios import SCENARIOS, expand

DEFAULT_TIMEOUT_S = 1800.0  # per child: the scenarios take seconds; a hung strategy stops


@dataclass(frozen=True)
class RunRequest:
    target: str = "all"  # a scenario, "all", or a strategy file path
    profilers: tuple[str, ...] = field(default_factory=profilers.default_names)  # () = timing
    label: str = "baseline"
    repeat: int = 3
    numeric: str = "decimal"
    rate_hz: int = 100
    bundle: str | None = None
    profiles_dir: Path | None = None
    force: bool = False
    timeout_s: float | None = DEFAULT_TIMEOUT_S  # per child; None: no limit
    samples: int = DEFAULT_SAMPLES  # py-spy samples wanted under the measured call
    sample_budget_s: float = DEFAULT_BUDGET_S  # wall seconds py-spy may spend on one target
    sampling_jobs: int = field(default_factory=default_jobs)  # py-spy children at once
    cprofile_repeat: int = 3  # profiled cProfile children (medians and spread per function)
    command: tuple[str, ...] | None = None  # `-- COMMAND...`: a Python program, not `target`
    root: str | None = None  # MODULE:FUNCTION, the command's measured call
    scenario: str | None = None  # the command's run name (default: the script's stem)
    project: str | None = None  # the package under profile (default: --root's, or discovered)


def default_label(numeric: str) -> str:
    """`baseline`, or `baseline-float` for a float-mode run (its own label, see the docs)."""
    return "baseline" if numeric == "decimal" else f"baseline-{numeric}"


@dataclass(frozen=True)
class Target:
    name: str  # the run directory name: the scenario, the strategy file's stem, or --scenario
    strategy: Path | None  # a rustybt strategy file; None for a command
    bundle: str | None
    program: Program | None = None
    root: Root | None = None

    def spec(self, numeric: str) -> ChildSpec | CommandSpec:
        """What the target's children run."""
        if self.program is not None:
            return CommandSpec(self.program, self.root)
        assert self.strategy is not None and self.bundle is not None
        return ChildSpec(self.strategy, self.bundle, numeric)


def parse_profilers(values: Iterable[str]) -> tuple[str, ...]:
    """Repeatable / comma lists; `all` = every default profiler; `none` = timing only.
    Returned in registry order."""
    chosen: set[str] = set()
    for value in values:
        for name in filter(None, (v.strip().lower() for v in value.split(","))):
            if name == "all":
                chosen.update(profilers.default_names())
            elif name != "none":
                chosen.add(profilers.get(name).name)
    return tuple(n for n in profilers.names() if n in chosen)


def command_target(request: RunRequest) -> Target:
    """The one target of `run -- COMMAND`: refuses a bad command or --root in one line."""
    program = parse_command(request.command or ())
    root = parse_root(request.root) if request.root is not None else None
    return Target(request.scenario or program.name, None, None, program, root)


def resolve_targets(target: str, bundle: str | None) -> list[Target]:
    if target.endswith(".py") or Path(target).is_file():
        path = Path(target)
        if not path.is_file():
            raise RbprofileError(f"strategy file {target} does not exist; check the path")
        if bundle is None:
            raise RbprofileError(
                f"say which bundle {path.name} runs on, e.g. `--bundle daily` "
                f"(default bundles: {', '.join(SCENARIOS)}); a program that is not a rustybt "
                f"strategy goes after --: `rbprofile run -- python {target}`"
            )
        return [Target(path.stem, path.resolve(), bundle)]
    return [Target(s.name, s.strategy_file, bundle or s.bundle) for s in expand(target)]


def ensure_bundle(name: str, notify: Callable[[str], None]) -> None:
    """Ingest a missing default (scenario) bundle, saying so; other missing bundles are errors."""
    from rustybt.data.bundles import list_bundles

    if name in list_bundles():
        return
    if name not in SCENARIOS:
        raise RbprofileError(
            f"bundle {name!r} not found; ingest it first or choose one of: "
            f"{', '.join(list_bundles()) or 'none yet (run `rbprofile ingest all`)'}"
        )
    from rbprofile.ingest import ingest_scenarios

    notify(f"bundle {name!r} is missing; ingesting it first (rbprofile ingest {name})")
    ingest_scenarios([name])


def bundle_facts(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(manifest `bundle` block, calendar facts: frequency, sessions, bars) of a bundle."""
    from rustybt.data.bundles import load_bundle
    from rustybt.gens.clock import bar_times

    bundle = load_bundle(name)
    meta = bundle.metadata
    sessions = bundle.sessions(None, None)
    if meta.frequency == "daily":
        bars = len(sessions)
    else:
        bars = sum(len(bar_times(bundle.calendar, s, meta.frequency)) for s in sessions)
    block = {
        "name": meta.name,
        "content_hash": meta.content_hash,
        "frequency": meta.frequency,
        "first_session": str(meta.first_session),
        "last_session": str(meta.last_session),
        "assets": meta.asset_count,
    }
    facts = {"frequency": meta.frequency, "assets": meta.asset_count, "sessions": len(sessions)}
    return block, {**facts, "bars": bars}


def check_form(
    command: tuple[str, ...] | None,
    target: str | None,
    given: dict[str, bool],
    command_only: dict[str, bool],
) -> None:
    """Refuse, in one line, a mix of the two forms of `run`: a SCENARIO positional or a rustybt
    option (`given`: option -> whether it was passed) with `-- COMMAND`, or a command's option
    (`command_only`) without one."""
    if command is not None and target is not None:
        raise RbprofileError(f"give either a SCENARIO ({target!r}) or a command after --, not both")
    if command is not None and (passed := [name for name, on in given.items() if on]):
        raise RbprofileError(
            f"{', '.join(passed)} only apply to rustybt scenarios and strategy files, not to a "
            "command after --; leave them out"
        )
    if command is None and (passed := [name for name, on in command_only.items() if on]):
        raise RbprofileError(
            f"{', '.join(passed)} only apply to a command after -- (e.g. `rbprofile run "
            "--root my_backtest:main -- python my_backtest.py`)"
        )
