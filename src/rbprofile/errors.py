"""One error type for the toolkit; the CLI catches it once and maps it to an exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_DOMAIN = 1
EXIT_USAGE = 2
EXIT_REGRESSION = 3
EXIT_SIGNAL_BASE = 128  # + the signal number: interrupted by SIGHUP (129), SIGTERM (143)
EXIT_INTERRUPTED = EXIT_SIGNAL_BASE + 2  # SIGINT, Ctrl-C


class RbprofileError(Exception):
    """A domain error with a one-line message that says what happened and what to do next."""

    def __init__(self, message: str, exit_code: int = EXIT_DOMAIN) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class ChildKilledError(RbprofileError):
    """A child process was killed by a signal: the target is abandoned, not marked partly done."""


class ChildTimeoutError(ChildKilledError):
    """A child ran longer than its time limit (`run --timeout`) and was stopped."""

    def __init__(self, limit_s: float) -> None:
        super().__init__(f"the child process ran past its {limit_s:g} s limit and was stopped")
        self.limit_s = limit_s
