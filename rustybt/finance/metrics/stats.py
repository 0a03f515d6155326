"""Return statistics over a series of per-session returns (plain floats; these are
statistics, not money). Annualized with 252 sessions a year; risk-free rate 0."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

SESSIONS_PER_YEAR = 252

FloatArray = npt.NDArray[np.float64]


def cumulative_returns(returns: npt.ArrayLike) -> FloatArray:
    """Compounded return up to each session: prod(1 + r) - 1."""
    r = np.asarray(returns, dtype=np.float64)
    return np.asarray(np.cumprod(1.0 + r) - 1.0, dtype=np.float64)


def annual_volatility(returns: npt.ArrayLike) -> float:
    """Sample standard deviation (ddof=1) times sqrt(252); NaN with fewer than 2 returns."""
    r = np.asarray(returns, dtype=np.float64)
    if r.size < 2:
        return math.nan
    return float(np.std(r, ddof=1) * math.sqrt(SESSIONS_PER_YEAR))


def sharpe_ratio(returns: npt.ArrayLike) -> float:
    """mean / std (ddof=1) * sqrt(252); NaN when undefined (fewer than 2 returns or flat)."""
    r = np.asarray(returns, dtype=np.float64)
    if r.size < 2:
        return math.nan
    std = np.std(r, ddof=1)
    if std == 0:
        return math.nan
    return float(np.mean(r) / std * math.sqrt(SESSIONS_PER_YEAR))


def downside_deviation(returns: npt.ArrayLike) -> float:
    """sqrt(mean(min(r, 0)^2)) over all sessions (target 0), annualized."""
    r = np.asarray(returns, dtype=np.float64)
    if r.size == 0:
        return math.nan
    downside = np.minimum(r, 0.0)
    return float(math.sqrt(float(np.mean(downside * downside))) * math.sqrt(SESSIONS_PER_YEAR))


def sortino_ratio(returns: npt.ArrayLike) -> float:
    """Annualized mean return / annualized downside deviation; NaN with no downside."""
    r = np.asarray(returns, dtype=np.float64)
    if r.size < 2:
        return math.nan
    dd = downside_deviation(r)
    if dd == 0:
        return math.nan
    return float(np.mean(r) * SESSIONS_PER_YEAR / dd)


def max_drawdown(returns: npt.ArrayLike) -> float:
    """Largest peak-to-trough fall of the compounded value, as a negative fraction (0 if none)."""
    r = np.asarray(returns, dtype=np.float64)
    if r.size == 0:
        return 0.0
    value = np.concatenate(([1.0], np.cumprod(1.0 + r)))
    peaks = np.maximum.accumulate(value)
    return float(np.min(value / peaks - 1.0))
