"""Fixtures for the compare tests; the run-directory builders live in compare_fixtures.py."""

from __future__ import annotations

from compare_fixtures import profiles

__all__ = ["profiles"]
