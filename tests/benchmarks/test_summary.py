"""The peer benchmark's rows from known rounds: medians, ratios, targets, tables."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.peers import summary

SECONDS = {  # engine -> wall seconds of 3 rounds (medians: 2.0, 3.0, 0.2, 0.16, 0.04)
    "zipline": [2.1, 2.0, 1.9],
    "backtrader": [3.0, 3.5, 2.9],
    "rustybt-decimal": [0.2, 0.25, 0.19],
    "rustybt-float": [0.16, 0.15, 0.17],
    "bare-loop": [0.04, 0.05, 0.03],
}


def rounds(cpu_factor: float = 0.5) -> dict[str, list[dict[str, Any]]]:
    return {
        e: [{"seconds": s, "cpu_seconds": s * cpu_factor, "final_value": 101.5, "fills": 7}
            for s in secs]
        for e, secs in SECONDS.items()
    }  # fmt: skip


def ready() -> dict[str, dict[str, Any]]:
    return {
        e: {"ready": True, "engine": e, "version": "9.9", "settings": {"fill": f"{e} fill"},
            "warmup_seconds": [1.5], "final_value": 101.5, "fills": 7}
        for e in summary.ENGINES
    }  # fmt: skip


def by_ratio(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["ratio"]: r for r in rows if r["table"] == "ratios"}


def test_ratios_of_medians_against_the_daily_targets() -> None:
    got = by_ratio(summary.scenario_rows("daily", rounds(), ready()))
    assert list(got) == [
        "zipline-reloaded / rustybt decimal",
        "backtrader / rustybt decimal",
        "rustybt decimal / bare Python loop",
        "rustybt decimal / float",
    ]
    zipline = got["zipline-reloaded / rustybt decimal"]
    assert zipline["value"] == pytest.approx(10.0)  # 2.0 / 0.2
    assert zipline["cpu_value"] == pytest.approx(10.0)
    assert (zipline["target"], zipline["met"]) == (">= 12x", False)
    backtrader = got["backtrader / rustybt decimal"]
    assert backtrader["value"] == pytest.approx(15.0)
    assert (backtrader["target"], backtrader["met"]) == (None, None)
    floor = got["rustybt decimal / bare Python loop"]
    assert floor["value"] == pytest.approx(5.0) and (floor["target"], floor["met"]) == (
        "<= 4x",
        False,
    )
    mode = got["rustybt decimal / float"]
    assert mode["value"] == pytest.approx(1.25) and (mode["target"], mode["met"]) == (
        "<= 1.15x",
        False,
    )


def test_a_busy_machine_shows_as_wall_and_cpu_verdicts_that_disagree() -> None:
    """The decimal engine's wall seconds doubled by a neighbour, its CPU seconds not: the wall
    ratio misses the bare-loop target, the CPU ratio meets it."""
    slowed = rounds(cpu_factor=1.0)
    for r in slowed["rustybt-decimal"]:
        r["seconds"] *= 2  # waiting for a core, not computing
    slowed["bare-loop"] = [{**r, "seconds": r["seconds"] * 1.4, "cpu_seconds": r["seconds"] * 1.4}
                           for r in slowed["bare-loop"]]  # fmt: skip
    floor = by_ratio(summary.scenario_rows("daily", slowed, ready()))[
        "rustybt decimal / bare Python loop"
    ]
    assert floor["value"] == pytest.approx(0.4 / 0.056)  # 7.1x: missed on the wall clock
    assert floor["cpu_value"] == pytest.approx(0.2 / 0.056)  # 3.6x: met on CPU seconds
    assert (floor["met"], floor["met_cpu"]) == (False, True)


def test_the_minute_zipline_target_is_8x() -> None:
    zipline = by_ratio(summary.scenario_rows("minute", rounds(), ready()))[
        "zipline-reloaded / rustybt decimal"
    ]
    assert (zipline["target"], zipline["met"]) == (">= 8x", True)


def test_speed_row_is_the_issue_table() -> None:
    (speed,) = [
        r for r in summary.scenario_rows("minute", rounds(), ready()) if r["table"] == "speed"
    ]
    assert speed == {
        "table": "speed",
        "scenario": "minute",
        "zipline-reloaded s": 2.0,
        "backtrader s": 3.0,
        "rustybt decimal s": 0.2,
        "rustybt float s": 0.16,
        "bare Python loop s": 0.04,
        "zipline / decimal": pytest.approx(10.0),
        "targets met": "1 of 3",
    }


def test_engine_and_settings_rows() -> None:
    rows = summary.scenario_rows("daily", rounds(), ready())
    engines = {r["engine"]: r for r in rows if r["table"] == "engines"}
    bt = engines["backtrader"]
    assert (bt["median_s"], bt["min_s"], bt["max_s"]) == (3.0, 2.9, 3.5)
    assert bt["cpu_median_s"] == pytest.approx(1.5)
    assert (bt["final_value"], bt["fills"], bt["same every round"], bt["warmup_s"]) == (
        101.5, 7, True, 1.5)  # fmt: skip
    settings = [r for r in rows if r["table"] == "settings"]
    assert [r["engine"] for r in settings] == [summary.LABELS[e] for e in summary.ENGINES]
    assert settings[0]["fill"] == "zipline fill"
    assert [r["table"] for r in rows] == ["speed"] + ["ratios"] * 4 + ["engines"] * 5 + [
        "settings"
    ] * 5


def test_a_round_that_ended_elsewhere_is_flagged() -> None:
    data = rounds()
    data["zipline"][1] = {**data["zipline"][1], "fills": 8}
    engines = {r["engine"]: r for r in summary.scenario_rows("daily", data, ready())
               if r["table"] == "engines"}  # fmt: skip
    assert engines["zipline-reloaded"]["same every round"] is False
    assert engines["backtrader"]["same every round"] is True


def test_a_missing_engine_is_an_error() -> None:
    data = rounds()
    del data["bare-loop"]
    with pytest.raises(ValueError, match="no rounds for \\['bare-loop'\\]"):
        summary.scenario_rows("daily", data, ready())
