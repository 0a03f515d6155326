"""Hand-built measurement tables with known power laws, for the scale tests.

table(laws, sizes, repeats=1, noise=None) -> pl.DataFrame
    `laws` maps a key to a function of the size point (a dict) returning
    (self_s, cum_s, ncalls); `sizes` maps each variable to its values (full grid);
    `noise(point, repeat, key)` multiplies the times when given.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import polars as pl

Point = dict[str, float]
Law = Callable[[Point], tuple[float, float, int]]
Noise = Callable[[Point, int, str], float]


def table(
    laws: Mapping[str, Law],
    sizes: Mapping[str, Sequence[float]],
    repeats: int = 1,
    noise: Noise | None = None,
) -> pl.DataFrame:
    rows = []
    names = list(sizes)
    for values in itertools.product(*sizes.values()):
        point = dict(zip(names, values, strict=True))
        for repeat in range(repeats):
            for key, law in laws.items():
                self_s, cum_s, ncalls = law(point)
                factor = noise(point, repeat, key) if noise else 1.0
                rows.append(
                    {**point, "repeat": repeat, "key": key, "self_s": self_s * factor,
                     "cum_s": cum_s * factor, "ncalls": ncalls}
                )  # fmt: skip
    return pl.DataFrame(rows)


def power(coef: float, exponent: float, variable: str = "n") -> Law:
    """self = cum = coef * x^exponent, called once."""
    return lambda p: (coef * p[variable] ** exponent, coef * p[variable] ** exponent, 1)


def lognormal_noise(seed: int, sigma: float, keys: tuple[str, ...] | None = None) -> Noise:
    """Seeded log-normal factors for the rows of `keys` (all rows when None)."""
    rng = np.random.default_rng(seed)

    def noise(point: Point, repeat: int, key: str) -> float:
        return float(rng.lognormal(0.0, sigma)) if keys is None or key in keys else 1.0

    return noise
