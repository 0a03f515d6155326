"""The run's log: structlog JSON lines in `run.log.jsonl`, human-readable lines on a stream.

Loggers are built locally (`structlog.wrap_logger`), so rbprofile never reconfigures
structlog globally for code that imports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

import structlog

LOG_FILE = "run.log.jsonl"


class RunLog:
    def __init__(self, path: Path, human: TextIO | None = None) -> None:
        self._file = path.open("a", encoding="utf-8")
        stamp = structlog.processors.TimeStamper(fmt="iso", utc=True)
        level = structlog.processors.add_log_level
        self._json = structlog.wrap_logger(
            structlog.PrintLogger(self._file),
            processors=[level, stamp, structlog.processors.JSONRenderer(sort_keys=True)],
        )
        self._human = (
            structlog.wrap_logger(
                structlog.PrintLogger(human),
                processors=[
                    level,
                    structlog.processors.TimeStamper(fmt="%H:%M:%S", utc=False),
                    structlog.dev.ConsoleRenderer(colors=False),
                ],
            )
            if human is not None
            else None
        )

    def info(self, event: str, **fields: Any) -> None:
        self._emit("info", event, fields)

    def warning(self, event: str, **fields: Any) -> None:
        self._emit("warning", event, fields)

    def _emit(self, method: str, event: str, fields: dict[str, Any]) -> None:
        getattr(self._json, method)(event, **fields)
        self._file.flush()
        if self._human is not None:
            getattr(self._human, method)(event, **fields)

    def close(self) -> None:
        self._file.close()
