"""rbprofile: where a backtest spends its time, what to rewrite first, and whether it helped."""

__version__ = "0.1.0"
