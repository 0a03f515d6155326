"""The peer benchmark's rows, from the rounds the workers reported (pure: no processes, no I/O).

Every row carries a ``table`` key (``benchmarks/__main__.py`` prints one table per key):

- ``speed``: one row per scenario, the median backtest-call seconds of each engine (the issue's
  table) and whether every target of the scenario was met.
- ``ratios``: one row per scenario and ratio: the ratio of wall-clock medians, the same ratio
  of CPU-second medians (less disturbed by neighbours on a shared machine), the target and
  whether it was met on wall clock (as the targets are stated) and on CPU seconds (`met_cpu`:
  when the two disagree, the machine was busy during the run and the CPU verdict is the one
  to trust for these single-threaded engines).
- ``engines``: one row per scenario and engine: median, min, max and CPU seconds, final
  portfolio value and fills (to check that the engines trade comparably), warm-up seconds.
- ``settings``: one row per scenario and engine: version and what each engine was set to.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

TABLES = ("speed", "ratios", "engines", "settings")
ENGINES = ("zipline", "backtrader", "rustybt-decimal", "rustybt-float", "bare-loop")
LABELS = {
    "zipline": "zipline-reloaded",
    "backtrader": "backtrader",
    "rustybt-decimal": "rustybt decimal",
    "rustybt-float": "rustybt float",
    "bare-loop": "bare Python loop",
}


@dataclass(frozen=True)
class Ratio:
    """``numerator`` median / ``denominator`` median, with an optional target per scenario."""

    numerator: str
    denominator: str
    at_least: Mapping[str, float] | None = None
    at_most: float | None = None

    @property
    def name(self) -> str:
        num, den = LABELS[self.numerator], LABELS[self.denominator]
        if num.startswith("rustybt ") and den.startswith("rustybt "):
            den = den.removeprefix("rustybt ")
        return f"{num} / {den}"

    def target(self, scenario: str) -> str | None:
        if self.at_least is not None:
            return f">= {self.at_least[scenario]:g}x"
        return None if self.at_most is None else f"<= {self.at_most:g}x"

    def met(self, scenario: str, value: float) -> bool | None:
        if self.at_least is not None:
            return value >= self.at_least[scenario]
        return None if self.at_most is None else value <= self.at_most


# Issue 11's targets after the optimization round (measured the same way, in one run).
RATIOS = (
    Ratio("zipline", "rustybt-decimal", at_least={"daily": 12.0, "minute": 8.0}),
    Ratio("backtrader", "rustybt-decimal"),
    Ratio("rustybt-decimal", "bare-loop", at_most=4.0),
    Ratio("rustybt-decimal", "rustybt-float", at_most=1.15),
)

Rounds = Mapping[str, Sequence[Mapping[str, Any]]]  # engine -> the rounds it reported


def medians(rounds: Rounds, key: str = "seconds") -> dict[str, float]:
    return {engine: statistics.median(r[key] for r in runs) for engine, runs in rounds.items()}


def ratio_rows(scenario: str, rounds: Rounds) -> list[dict[str, Any]]:
    wall, cpu = medians(rounds), medians(rounds, "cpu_seconds")
    rows = []
    for ratio in RATIOS:
        value = wall[ratio.numerator] / wall[ratio.denominator]
        cpu_value = cpu[ratio.numerator] / cpu[ratio.denominator]
        rows.append(
            {"table": "ratios", "scenario": scenario, "ratio": ratio.name, "value": value,
             "cpu_value": cpu_value, "target": ratio.target(scenario),
             "met": ratio.met(scenario, value), "met_cpu": ratio.met(scenario, cpu_value)}
        )  # fmt: skip
    return rows


def speed_row(scenario: str, rounds: Rounds, ratios: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    wall = medians(rounds)
    row: dict[str, Any] = {"table": "speed", "scenario": scenario}
    row.update({f"{LABELS[e]} s": wall[e] for e in ENGINES})
    row["zipline / decimal"] = wall["zipline"] / wall["rustybt-decimal"]
    verdicts = [r["met"] for r in ratios if r["met"] is not None]
    row["targets met"] = f"{sum(verdicts)} of {len(verdicts)}"
    return row


def engine_rows(
    scenario: str, rounds: Rounds, ready: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    rows = []
    for engine in ENGINES:
        runs, hello = rounds[engine], ready[engine]
        wall = [r["seconds"] for r in runs]
        outcome = (hello["final_value"], hello["fills"])
        rows.append(
            {
                "table": "engines",
                "scenario": scenario,
                "engine": LABELS[engine],
                "version": hello["version"],
                "rounds": len(runs),
                "median_s": statistics.median(wall),
                "min_s": min(wall),
                "max_s": max(wall),
                "cpu_median_s": statistics.median(r["cpu_seconds"] for r in runs),
                "warmup_s": sum(hello["warmup_seconds"]),
                "final_value": hello["final_value"],
                "fills": hello["fills"],
                "same every round": all((r["final_value"], r["fills"]) == outcome for r in runs),
            }
        )
    return rows


def settings_rows(scenario: str, ready: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"table": "settings", "scenario": scenario, "engine": LABELS[e], **ready[e]["settings"]}
        for e in ENGINES
    ]


def scenario_rows(
    scenario: str, rounds: Rounds, ready: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Every row of one scenario: speed, ratios, engines, settings."""
    missing = sorted(set(ENGINES) - set(rounds))
    if missing:
        raise ValueError(f"{scenario}: no rounds for {missing}")
    ratios = ratio_rows(scenario, rounds)
    return [
        speed_row(scenario, rounds, ratios),
        *ratios,
        *engine_rows(scenario, rounds, ready),
        *settings_rows(scenario, ready),
    ]
