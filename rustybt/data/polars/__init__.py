"""Polars/Parquet bar readers and the data portal strategies see."""

from rustybt.data.polars.portal import PolarsDataPortal
from rustybt.data.polars.readers import (
    DenseBarReader,
    PolarsParquetDailyReader,
    PolarsParquetMinuteReader,
)

__all__ = [
    "DenseBarReader",
    "PolarsDataPortal",
    "PolarsParquetDailyReader",
    "PolarsParquetMinuteReader",
]
