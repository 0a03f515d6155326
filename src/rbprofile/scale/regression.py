"""Least squares in log space: log y = a + sum_i b_i log x_i, with t intervals.

    fit_log_linear(log_x, log_y) -> PowerLaw | None
        None when the design cannot give an interval: rank-deficient (a variable with one
        distinct value, or two variables moving together) or no residual degrees of freedom
    PowerLaw.exponents, .stderr, .interval(level), .predict(log_at, level)

The coefficient covariance is s^2 (Z'Z)^-1 with s the residual standard error (log space,
dof = n - 1 - k). Intervals use Student's t with those dof. `predict` gives the 95% (or
`level`) *prediction* interval on log y at a new point, Var = s^2 (1 + z0'(Z'Z)^-1 z0), then
exp: the point prediction exp(z0 . coef) is the median (not the mean) of y there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

_EXACT = 1e-12  # residual sum of squares below this (relative) is an exact fit


@dataclass(frozen=True)
class Prediction:
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class PowerLaw:
    coef: np.ndarray  # [a, b_1, ..., b_k]
    unscaled_cov: np.ndarray  # (Z'Z)^-1
    rse: float  # residual standard error of log y
    r2: float
    n: int

    @property
    def dof(self) -> int:
        return self.n - len(self.coef)

    @property
    def exponents(self) -> np.ndarray:
        return self.coef[1:]

    @property
    def cov(self) -> np.ndarray:
        return self.rse**2 * self.unscaled_cov

    @property
    def stderr(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov))[1:]

    def t_quantile(self, level: float) -> float:
        return float(stats.t.ppf(0.5 + level / 2.0, self.dof))

    def interval(self, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """(low, high) of every exponent at confidence `level`."""
        half = self.t_quantile(level) * self.stderr
        return self.exponents - half, self.exponents + half

    def predict(self, log_at: np.ndarray, level: float = 0.95) -> Prediction:
        """y at the point whose log sizes are `log_at`, with its prediction interval."""
        z0 = np.concatenate(([1.0], log_at))
        centre = float(z0 @ self.coef)
        spread = self.rse * np.sqrt(1.0 + float(z0 @ self.unscaled_cov @ z0))
        half = self.t_quantile(level) * spread
        return Prediction(
            float(np.exp(centre)), float(np.exp(centre - half)), float(np.exp(centre + half))
        )


def _r2(residual_ss: float, log_y: np.ndarray) -> float:
    """1 for an exact fit, including a constant y (0/0): the model explains all there is."""
    if residual_ss == 0.0:
        return 1.0
    return 1.0 - residual_ss / float(np.sum((log_y - log_y.mean()) ** 2))


def fit_log_linear(log_x: np.ndarray, log_y: np.ndarray) -> PowerLaw | None:
    """Ordinary least squares of `log_y` (n) on `log_x` (n x k) plus an intercept."""
    n, k = log_x.shape
    design = np.column_stack([np.ones(n), log_x])
    if n <= k + 1 or np.linalg.matrix_rank(design) < k + 1:
        return None
    coef, *_ = np.linalg.lstsq(design, log_y, rcond=None)
    residual_ss = float(np.sum((log_y - design @ coef) ** 2))
    if residual_ss <= _EXACT * max(float(np.sum(log_y**2)), 1.0):
        residual_ss = 0.0  # rounding noise of an exact power law
    rse = float(np.sqrt(residual_ss / (n - k - 1)))
    unscaled = np.linalg.inv(design.T @ design)
    return PowerLaw(coef, unscaled, rse, _r2(residual_ss, log_y), n)
