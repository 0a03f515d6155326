"""rustybt: a compact event-driven backtesting engine with Decimal money and a Polars data layer."""

__version__ = "0.1.0"
