"""The size grid `rbprofile scale` runs: parse the user's sizes, state how many runs it costs.

    parse_values(option, text) -> tuple[int, ...]         "25,50,100" -> (25, 50, 100)
    parse_size(text) -> (name, values)                    "n=2000,4000,8000" (for --size)
    make_plan(variables, repeats=1, profilers=("cprofile",)) -> ScalePlan
    ScalePlan.points    the full cross product of the sizes, smallest first, as dicts
    ScalePlan.runs      points x repeats x profilers: what `--help` and the progress bar state
    ScalePlan.describe()  "6 size points (assets 3 x sessions 2) x 3 repeats x 1 profiler
                          = 18 runs"
    fill_placeholders(command, point) -> list[str]        `{n}` in a command -> the size
    parse_at(text) -> dict[str, float]                    "assets=2000,sessions=5000" (--at)

Sizes are positive whole numbers, each listed once, at least two distinct per variable (a
power law needs two); the fit also needs more runs than parameters, so one variable at two
sizes needs a second repeat. Bad input raises RbprofileError with a one-line message.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rbprofile.errors import EXIT_USAGE, RbprofileError

_NAME = re.compile(r"^[A-Za-z_]\w*$")
_EXAMPLE = "25,50,100"
# What one size point costs, for `scale --help` and the grid's estimate
# (`rbprofile.scaling.bundles.estimate_seconds`). One profiled child (rustybt's SMA crossover
# under cProfile, measured on 2 shared cores): ~1.3 s of start-up, imports and bundle load, then
# ~12-22 us per asset-bar. The estimate takes the upper end: it decides refusals, so it should
# not promise too little.
CHILD_FIXED_S = 1.5
PER_ASSET_BAR_S = 25e-6


def _usage(message: str) -> RbprofileError:
    return RbprofileError(message, exit_code=EXIT_USAGE)


def _whole(option: str, item: str) -> int:
    try:
        value = int(item)
    except ValueError:
        raise _usage(
            f"{option}: {item!r} is not a whole number; give sizes like {option} {_EXAMPLE}."
        ) from None
    if value <= 0:
        raise _usage(f"{option}: sizes must be positive, got {value}; e.g. {option} {_EXAMPLE}.")
    return value


def parse_values(option: str, text: str) -> tuple[int, ...]:
    """The sizes in `text` ("25,50,100"), ascending; `option` names them in messages."""
    items = [item.strip() for item in text.split(",")]
    if not any(items):
        raise _usage(f"{option}: give sizes separated by commas, e.g. {option} {_EXAMPLE}.")
    values = [_whole(option, item) for item in items]
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise _usage(f"{option}: {repeated[0]} is listed twice; list each size once.")
    if len(values) < 2:
        raise _usage(
            f"{option}: a growth fit needs at least two sizes, got only {values[0]}; "
            f"e.g. {option} {_EXAMPLE}."
        )
    return tuple(sorted(values))


def parse_size(text: str) -> tuple[str, tuple[int, ...]]:
    """`--size NAME=V1,V2,...` -> (NAME, values)."""
    name, sep, values = text.partition("=")
    name = name.strip()
    if not sep:
        raise _usage(
            f"--size: expected NAME=V1,V2,... (e.g. --size n=2000,4000,8000), got {text!r}."
        )
    if not _NAME.match(name):
        raise _usage(
            f"--size: {name!r} is not a usable name; use letters, digits and _ "
            "(it fills {NAME} in the command)."
        )
    return name, parse_values(f"--size {name}", values)


@dataclass(frozen=True)
class ScalePlan:
    variables: dict[str, tuple[int, ...]]
    repeats: int
    profilers: tuple[str, ...]

    @property
    def points(self) -> list[dict[str, int]]:
        names = list(self.variables)
        grid = itertools.product(*self.variables.values())
        return sorted(
            (dict(zip(names, values, strict=True)) for values in grid),
            key=lambda point: (math.prod(point.values()), tuple(point.values())),
        )

    @property
    def runs(self) -> int:
        return len(self.points) * self.repeats * len(self.profilers)

    def describe(self) -> str:
        shape = " x ".join(f"{name} {len(v)}" for name, v in self.variables.items())
        return (
            f"{len(self.points)} size points ({shape}) x {_count(self.repeats, 'repeat')} "
            f"x {_count(len(self.profilers), 'profiler')} = {_count(self.runs, 'run')}"
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def make_plan(
    variables: Sequence[tuple[str, tuple[int, ...]]] | Mapping[str, tuple[int, ...]],
    repeats: int = 1,
    profilers: Sequence[str] = ("cprofile",),
) -> ScalePlan:
    """The plan for parsed size variables (name, values), in the order given."""
    pairs = list(variables.items()) if isinstance(variables, Mapping) else list(variables)
    if not pairs:
        raise _usage("give at least one size variable, e.g. --assets 25,50,100 or --size n=...")
    names = [name for name, _ in pairs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise _usage(f"the size variable {twice[0]!r} is given twice; give it once.")
    if repeats < 1:
        raise _usage(f"--repeat must be at least 1, got {repeats}.")
    if not profilers:
        raise _usage("give at least one profiler to run, e.g. --profiler cprofile.")
    plan = ScalePlan(dict(pairs), repeats, tuple(profilers))
    if len(plan.points) * repeats <= len(pairs) + 1:
        raise _usage(
            f"{len(plan.points)} size points x {_count(repeats, 'repeat')} leave no spread for "
            "an interval on the fit; add a size or use --repeat 2."
        )
    return plan


def fill_placeholders(command: Sequence[str], point: Mapping[str, int]) -> list[str]:
    """`command` with every `{name}` of `point` replaced by its size."""
    unused = [name for name in point if not any(f"{{{name}}}" in arg for arg in command)]
    if unused:
        raise _usage(
            f"the command never uses {{{unused[0]}}}; put it where the size goes, "
            f"e.g. -- python prog.py --{unused[0]} {{{unused[0]}}}."
        )
    filled = list(command)
    for name, value in point.items():
        filled = [arg.replace(f"{{{name}}}", str(value)) for arg in filled]
    return filled


def parse_at(text: str) -> dict[str, float]:
    """`--at assets=2000,sessions=5000` -> {"assets": 2000.0, "sessions": 5000.0}."""
    found: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        try:
            number = float(value) if sep else math.nan
        except ValueError:
            number = math.nan
        if not _NAME.match(name.strip()) or not number > 0 or math.isinf(number):
            raise _usage(
                f"--at: expected NAME=SIZE pairs with positive sizes, e.g. "
                f"--at assets=2000,sessions=5000; got {item!r}."
            )
        found[name.strip()] = number
    if not found:
        raise _usage("--at: give the size to project to, e.g. --at assets=2000,sessions=5000.")
    return found
