"""The representative backtests rbprofile profiles. The strategy code must match these rows.

Windows are fixed (ending on the last full month before this release) so results are
comparable across machines; a run's actual window always comes from the bundle metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import rustybt
from rbprofile.errors import RbprofileError

Frequency = Literal["daily", "hourly", "minute"]

EXAMPLES_DIR = Path(rustybt.__file__).parent / "examples"
DEFAULT_SEED = 20261031


@dataclass(frozen=True)
class Scenario:
    name: str
    frequency: Frequency
    assets: int
    start: date
    end: date
    strategy_file: Path
    description: str
    seed: int = DEFAULT_SEED

    @property
    def bundle(self) -> str:
        """Each scenario has its own default bundle, named after it."""
        return self.name


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "daily",
            "daily",
            50,
            date(2024, 11, 1),
            date(2026, 10, 30),
            EXAMPLES_DIR / "sma_crossover.py",
            "SMA crossover (fast 10 / slow 30) on 2 years of daily bars, 50 assets",
        ),
        Scenario(
            "hourly",
            "hourly",
            20,
            date(2026, 5, 1),
            date(2026, 10, 30),
            EXAMPLES_DIR / "momentum.py",
            "momentum (rank by N-bar return, hold top K) on 6 months of 60-minute bars, 20 assets",
        ),
        Scenario(
            "minute",
            "minute",
            10,
            date(2026, 10, 1),
            date(2026, 10, 30),
            EXAMPLES_DIR / "mean_reversion.py",
            "mean reversion (20-bar z-score) on 1 month of minute bars, 10 assets",
        ),
        Scenario(
            "smoke",
            "daily",
            3,
            date(2026, 10, 19),
            date(2026, 10, 30),
            EXAMPLES_DIR / "sma_crossover.py",
            "SMA crossover on 10 daily sessions, 3 assets (for tests)",
        ),
    )
}

PROFILED_SCENARIOS = ("daily", "hourly", "minute")


def get_scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        known = ", ".join(SCENARIOS)
        raise RbprofileError(f"unknown scenario {name!r}; choose one of: {known}, all") from None


def expand(name: str) -> list[Scenario]:
    """`all` means the three profiled scenarios (daily, hourly, minute), not smoke."""
    if name == "all":
        return [SCENARIOS[n] for n in PROFILED_SCENARIOS]
    return [get_scenario(name)]
