"""The scenario strategies: they say what they do, they trade, and decimal and float agree."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from rbprofile.scenarios import SCENARIOS
from rustybt.data.bundles import Bundle, BundleSpec, load_bundle, write_bundle
from rustybt.run import load_algorithm_file, run_algorithm


def strategy(name: str, **params: Any) -> dict[str, Any]:
    ns = load_algorithm_file(SCENARIOS[name].strategy_file)
    ns.update(params)
    return ns


def agree(bundle: Bundle, ns: dict[str, Any]) -> tuple[Any, Any]:
    dec = run_algorithm(bundle=bundle, namespace=ns, numeric="decimal")
    flt = run_algorithm(bundle=bundle, namespace=ns, numeric="float")
    assert dec.summary["transactions"] == flt.summary["transactions"]
    assert dec.summary["transactions"]  # the strategy traded
    d, f = dec.summary["final_portfolio_value"], flt.summary["final_portfolio_value"]
    assert isinstance(d, Decimal) and isinstance(f, float)
    assert abs(float(d) - f) <= 1e-9 * abs(f)
    assert dec.perf["orders"].to_list() == flt.perf["orders"].to_list()
    for v in dec.sessions:  # the accounting identity, exactly, at every session end
        assert v.portfolio_value == v.cash + sum(a * p for a, p in v.positions.values())
    return dec, flt


@pytest.mark.parametrize(
    ("scenario", "phrases", "constants"),
    [
        ("daily", ["SMA crossover (fast 10 / slow 30)", "daily bars", "one ``history`` call"],
         {"FAST": 10, "SLOW": 30}),
        ("hourly", ["Momentum on 60-minute bars", "top K", "N-bar return", "every bar"],
         {"TOP_K": 5, "LOOKBACK": 20}),
        ("minute", ["Mean reversion on minute bars", "20-bar z-score"], {"WINDOW": 20}),
    ],
)  # fmt: skip
def test_docstrings_state_what_the_scenario_row_says(
    scenario: str, phrases: list[str], constants: dict[str, int]
) -> None:
    ns = strategy(scenario)
    doc = " ".join(ns["__doc__"].split())
    for phrase in phrases:
        assert phrase in doc
    assert {k: ns[k] for k in constants} == constants
    assert "from rustybt.api import" in SCENARIOS[scenario].strategy_file.read_text()


def test_momentum_on_hourly_bars(hourly_bundle: Bundle) -> None:
    dec, _ = agree(hourly_bundle, strategy("hourly", LOOKBACK=3, TOP_K=2))
    assert dec.perf["top_return"].null_count() < dec.perf.height


def test_mean_reversion_on_minute_bars(minute_bundle: Bundle) -> None:
    dec, _ = agree(minute_bundle, strategy("minute"))
    assert set(dec.perf.columns) >= {"longs", "shorts"}


def test_sma_crossover_on_smoke(smoke_bundle: Bundle) -> None:
    dec, _ = agree(smoke_bundle, strategy("smoke", FAST=2, SLOW=4))
    assert dec.perf.height == 10


@pytest.fixture(scope="module")
def scenario_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scenario-bundles")


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["daily", "hourly", "minute"])
def test_full_scenario_decimal_and_float_agree(scenario: str, scenario_root: Path) -> None:
    s = SCENARIOS[scenario]
    write_bundle(BundleSpec(s.bundle, s.frequency, s.assets, s.start, s.end, s.seed), scenario_root)
    dec, _ = agree(load_bundle(s.bundle, scenario_root), strategy(scenario))
    assert dec.perf.height == len(load_bundle(s.bundle, scenario_root).sessions())
