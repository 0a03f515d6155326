"""The report's output formats (kept import-free: `rbprofile report --help` reads it)."""

from __future__ import annotations

import enum


class ReportFormat(enum.StrEnum):
    markdown = "markdown"
    json = "json"
