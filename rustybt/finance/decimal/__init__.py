"""Decimal accounting: ledger, positions and transactions (the money type follows the run's
numeric mode; Decimal by default)."""

from rustybt.finance.decimal.ledger import DecimalLedger
from rustybt.finance.decimal.position import DecimalPosition
from rustybt.finance.decimal.transaction import DecimalTransaction

__all__ = ["DecimalLedger", "DecimalPosition", "DecimalTransaction"]
