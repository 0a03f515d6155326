"""Technical indicators over history windows (numpy).

Each function takes a window of bars, oldest first: a 1-D array (one asset) or a 2-D array /
DataFrame shaped ``(bars, assets)`` as ``data.history(...)`` returns, and gives the
indicator's value at the last bar: a float for 1-D input, one value per asset for 2-D.
Windows shorter than the indicator needs give NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
# ndarray.sum(axis=0) is np.add.reduce behind two Python wrappers; the ufunc itself gives the
# same sums (same pairwise order) for a fraction of the call overhead on a small window.
_add = np.add.reduce


def _window(values: Any) -> FloatArray:
    to_numpy = getattr(values, "to_numpy", None)  # pandas: far cheaper than np.asarray(frame)
    array = np.asarray(values if to_numpy is None else to_numpy(), dtype=np.float64)
    if array.ndim not in (1, 2):
        raise ValueError(f"expected a 1-D or 2-D window, got {array.ndim} dimensions")
    return array


def _out(result: FloatArray, ndim: int) -> Any:
    return float(result) if ndim == 1 else result


def _nan_like(window: FloatArray) -> Any:
    return _out(np.full(window.shape[1:], np.nan), window.ndim)


def sma(values: Any, length: int) -> Any:
    """Mean of the last ``length`` bars."""
    window = _window(values)
    if length < 1 or window.shape[0] < length:
        return _nan_like(window)
    return _out(_add(window[-length:], axis=0) / length, window.ndim)


def ema(values: Any, span: int) -> Any:
    """Exponential moving average, alpha = 2 / (span + 1), seeded with the first bar."""
    window = _window(values)
    if span < 1 or window.shape[0] == 0:
        return _nan_like(window)
    alpha = 2.0 / (span + 1.0)
    weights = (1.0 - alpha) ** np.arange(window.shape[0] - 1, -1, -1)
    weights[1:] *= alpha  # the seed (oldest bar) keeps weight (1 - alpha)^(n-1)
    shape = (-1,) + (1,) * (window.ndim - 1)
    return _out((window * weights.reshape(shape)).sum(axis=0), window.ndim)


def rsi(values: Any, period: int = 14) -> Any:
    """Wilder's relative strength index (0..100) over the last bar; needs period + 1 bars."""
    window = _window(values)
    if period < 1 or window.shape[0] < period + 1:
        return _nan_like(window)
    changes = np.diff(window, axis=0)
    gains, losses = np.clip(changes, 0, None), np.clip(-changes, 0, None)
    avg_gain, avg_loss = gains[:period].mean(axis=0), losses[:period].mean(axis=0)
    for i in range(period, changes.shape[0]):
        avg_gain = (avg_gain * (period - 1) + gains[i]) / period
        avg_loss = (avg_loss * (period - 1) + losses[i]) / period
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(avg_loss == 0, 100.0, 100.0 - 100.0 / (1.0 + avg_gain / avg_loss))
    result = np.where((avg_loss == 0) & (avg_gain == 0), 50.0, result)
    return _out(np.asarray(result, dtype=np.float64), window.ndim)


def zscore(values: Any, length: int | None = None) -> Any:
    """(last - mean) / std (population, ddof=0) over the last ``length`` bars (default all).

    NaN when the window is short or flat.
    """
    window = _window(values)
    length = window.shape[0] if length is None else length
    if length < 2 or window.shape[0] < length:
        return _nan_like(window)
    tail = window[-length:]
    mean = _add(tail, axis=0) / length  # sums, not mean()/std(): a third of numpy's overhead
    dev = tail - mean
    std = np.sqrt(_add(dev * dev, axis=0) / length)
    result = np.empty(std.shape)
    result.fill(np.nan)
    np.divide(dev[-1], std, out=result, where=std > 0)
    return _out(result, window.ndim)


def returns(values: Any, length: int) -> Any:
    """Return over the last ``length`` bars: last / value ``length`` bars earlier - 1."""
    window = _window(values)
    if length < 1 or window.shape[0] < length + 1:
        return _nan_like(window)
    return _out(window[-1] / window[-1 - length] - 1.0, window.ndim)
