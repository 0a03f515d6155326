"""rustybt's error types. Every one carries a message that says what to do next."""

from __future__ import annotations

from pathlib import Path


class RustyBTError(Exception):
    """Base class for errors a user can act on (bad input, missing data)."""


class BundleNotFound(RustyBTError):
    """No bundle of that name under the bundle root."""


class BundleError(RustyBTError):
    """Something is wrong with one bundle: the message is `what`, then `remedy`.

    Kept apart so a caller that knows how the bundle was made (rbprofile, for its scenario
    bundles) can give its own remedy: ``f"{exc.what}; {its remedy}"``.
    """

    def __init__(self, bundle: str, what: str, remedy: str) -> None:
        super().__init__(f"{what}; {remedy}")
        self.bundle, self.what, self.remedy = bundle, what, remedy


class BundleCorrupt(BundleError):
    """A bundle file is missing, unreadable, or its content contradicts the bundle format."""

    def __init__(self, bundle: str, file: Path, problem: str) -> None:
        self.file, self.problem = file, problem
        what = f"bundle {bundle!r} is corrupt: {file} {problem}"
        super().__init__(bundle, what, "re-create the bundle (write it again with force=True)")


class BundleExists(BundleError):
    """A bundle is already at the target and `force` was not given."""


class BundleTooLarge(BundleError):
    """A bundle spec would synthesize more bars than the limit (the estimate is in `what`)."""


class BundleWriteError(RustyBTError):
    """The bundle root cannot be written (not a directory, read-only, permissions, disk full)."""


class DatesOutOfRange(RustyBTError):
    """Requested start/end fall outside the bundle's sessions, or start is after end."""


class NoDataForAsset(RustyBTError):
    """A reader was asked for an asset/date it has no bar for."""


class NumericModeError(TypeError):
    """A value of the wrong numeric type reached the ledger (e.g. a float in decimal mode)."""


class StrategyError(RustyBTError):
    """An exception raised inside user strategy code; carries the bar timestamp."""
