"""rustybt's error types. Every one carries a message that says what to do next."""

from __future__ import annotations


class RustyBTError(Exception):
    """Base class for errors a user can act on (bad input, missing data)."""


class BundleNotFound(RustyBTError):
    """No bundle of that name under the bundle root."""


class BundleCorrupt(RustyBTError):
    """A bundle file is missing, truncated or does not match its recorded hash."""


class DatesOutOfRange(RustyBTError):
    """Requested start/end fall outside the bundle's sessions."""


class NoDataForAsset(RustyBTError):
    """A reader was asked for an asset/date it has no bar for."""


class NumericModeError(TypeError):
    """A value of the wrong numeric type reached the ledger (e.g. a float in decimal mode)."""


class StrategyError(RustyBTError):
    """An exception raised inside user strategy code; carries the bar timestamp."""
