"""How far would another recording of the same code reorder this run's py-spy hotspots?

A py-spy share is k of n samples, and two recordings of identical code draw different k: the
top of a ranking whose shares stand far apart stays put, its tail of near-equal shares is
reshuffled. Two ways to see how much, both ranking as the evidence benchmark ranks two real
recordings:

- measured: the recording's runs split at random into two halves (each run whole in one
  half), the halves' top-20 rankings compared (`split_half`). Everything that made one run
  differ from another is in it; each half holds half the samples, so a second whole
  recording usually agrees a little better than the halves do.
- modelled, noise only: two independent draws of the run's effective samples (samples /
  design effect) from its self shares (`noise_rho`), and the samples at which their median
  rho reaches the target (`samples_for`): a floor on what a target costs, since real
  recordings also differ by what the machine did meanwhile.

    top_rho(a, b, top=TOP) -> float | None
        Spearman's rho of two self-share maps over the union of their top-`top` functions
        (a function missing from one side counts 0 there)
    noise_rho(shares, n, draws=DRAWS) -> (median, 10th percentile)
        `top_rho` between two multinomial draws of n samples from `shares`
    samples_for(shares, design, target=TARGET) -> int | None
        the fewest samples in `GRID` whose noise-only median reaches `target` once the design
        effect is paid; None when none does
    split_half(per_run, splits=SPLITS) -> (median, 10th percentile, samples per half) | None
        per_run: columns run, key, samples (`Run.run_leaves`)
    rank_stability(shares, design, per_run=None) -> RankStability(needed, split) | None

The draws and splits use a fixed seed, so the same run gives the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from rbprofile.analysis.crosscheck import spearman

TOP = 20
TARGET = 0.9
DRAWS = 200
SPLITS = 50
MIN_RUNS = 4  # a split needs at least two runs a side
SEED = 20261206
GRID = (1000, 2000, 3000, 4000, 6000, 8000, 10000, 12000, 16000, 20000, 25000, 30000, 40000)


def _top(values: np.ndarray, top: int) -> np.ndarray:
    """Indices of the `top` largest values, ties in index order (keys are kept sorted)."""
    return np.argsort(-values, kind="stable")[:top]


def _top_rho(a: np.ndarray, b: np.ndarray, top: int) -> float | None:
    union = list(dict.fromkeys([*_top(a, top).tolist(), *_top(b, top).tolist()]))
    return spearman(a[union].tolist(), b[union].tolist())


def top_rho(a: dict[str, float], b: dict[str, float], top: int = TOP) -> float | None:
    keys = sorted(set(a) | set(b))
    return _top_rho(
        np.array([a.get(k, 0.0) for k in keys]), np.array([b.get(k, 0.0) for k in keys]), top
    )


def _median_p10(rhos: list[float]) -> tuple[float, float]:
    if not rhos:
        return float("nan"), float("nan")
    return float(np.median(rhos)), float(np.percentile(rhos, 10))


def noise_rho(shares: dict[str, float], n: int, draws: int = DRAWS) -> tuple[float, float]:
    rng = np.random.default_rng(SEED)
    p = np.array([shares[k] for k in sorted(shares)], dtype=float)
    p /= p.sum()
    rhos = []
    for _ in range(draws):
        rho = _top_rho(rng.multinomial(n, p) / n, rng.multinomial(n, p) / n, TOP)
        if rho is not None:
            rhos.append(rho)
    return _median_p10(rhos)


def effective(samples: int, design: float) -> int:
    """Samples counted at 1 / design each (the design effect is at least 1)."""
    return max(1, int(samples / max(design, 1.0)))


def samples_for(
    shares: dict[str, float], design: float, target: float = TARGET, grid: tuple[int, ...] = GRID
) -> int | None:
    for n in grid:
        if noise_rho(shares, effective(n, design))[0] >= target:
            return n
    return None


def split_half(per_run: pl.DataFrame, splits: int = SPLITS) -> tuple[float, float, int] | None:
    runs = sorted(per_run["run"].unique().to_list())
    keys = sorted(per_run["key"].unique().to_list())
    if len(runs) < MIN_RUNS or len(keys) < 3:
        return None
    row, col = {r: i for i, r in enumerate(runs)}, {k: i for i, k in enumerate(keys)}
    counts = np.zeros((len(runs), len(keys)))
    for run, key, n in per_run.select("run", "key", "samples").iter_rows():
        counts[row[run], col[key]] += n
    rng = np.random.default_rng(SEED)
    half = len(runs) // 2
    rhos = []
    for _ in range(splits):
        order = rng.permutation(len(runs))
        a, b = counts[order[:half]].sum(axis=0), counts[order[half:]].sum(axis=0)
        if a.sum() and b.sum():
            rho = _top_rho(a / a.sum(), b / b.sum(), TOP)
            if rho is not None:
                rhos.append(rho)
    if not rhos:
        return None
    median, p10 = _median_p10(rhos)
    return median, p10, int(counts.sum() // 2)


@dataclass(frozen=True)
class RankStability:
    needed: int | None  # noise only: samples for a median of TARGET (None: more than GRID's last)
    split: tuple[float, float, int] | None  # measured: `split_half` (None under MIN_RUNS runs)


def rank_stability(
    shares: dict[str, float], design: float, per_run: pl.DataFrame | None = None
) -> RankStability | None:
    """None when there is nothing to rank (fewer than 3 functions)."""
    if len(shares) < 3:
        return None
    split = split_half(per_run) if per_run is not None else None
    return RankStability(samples_for(shares, design), split)
