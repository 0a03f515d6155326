"""One error type for the toolkit; the CLI catches it once and maps it to an exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_DOMAIN = 1
EXIT_USAGE = 2
EXIT_REGRESSION = 3
EXIT_INTERRUPTED = 130


class RbprofileError(Exception):
    """A domain error with a one-line message that says what happened and what to do next."""

    def __init__(self, message: str, exit_code: int = EXIT_DOMAIN) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class ChildKilledError(RbprofileError):
    """A child process was killed by a signal: the target is abandoned, not marked partly done."""
