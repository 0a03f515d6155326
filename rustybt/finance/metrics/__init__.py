"""Performance metrics: hook objects (``metric``), their driver (``tracker``) and the return
statistics they use (``stats``)."""

from rustybt.finance.metrics.metric import (
    CumulativeReturns,
    Drawdown,
    PortfolioValues,
    Returns,
    RiskStats,
    SessionValues,
    default_metrics,
)
from rustybt.finance.metrics.tracker import MetricsTracker

__all__ = [
    "CumulativeReturns",
    "Drawdown",
    "MetricsTracker",
    "PortfolioValues",
    "Returns",
    "RiskStats",
    "SessionValues",
    "default_metrics",
]
