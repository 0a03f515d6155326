"""Finding and reading the run directories a report is built from.

`load_runs(labels, profiles_dir) -> list[Run]`: one `Run` per `<profiles_dir>/<label>/<scenario>/`
holding a manifest, sorted by label order then scenario name. JSON files are read as measured;
a file that is absent or unreadable is recorded in `Run.problems` so sections can say why their
data is missing instead of vanishing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from rbprofile.analysis.crosscheck import profiled_window
from rbprofile.analysis.pstats_source import CProfile, load_pstats
from rbprofile.analysis.pyspy_source import Samples, load_pyspy
from rbprofile.errors import RbprofileError
from rbprofile.schema import FUNCTIONS_SCHEMA, validate

T = TypeVar("T")
SCHEMA_VERSION = 1

# Every raw file a run directory may hold, in the order the Raw data section lists them.
RAW_FILES = (
    "manifest.json",
    "timing.json",
    "cprofile.pstats",
    "cprofile_summary.txt",
    "functions.parquet",
    "pyspy.svg",
    "pyspy.speedscope.json",
    "pyspy.collapsed.txt",
    "memory.json",
    "run.log.jsonl",
)

# Module prefixes whose presence in the functions table lets the report call a run Decimal/Polars.
CODE_MARKERS = {"Decimal": ("decimal", "_decimal"), "Polars": ("polars", "_polars")}


@dataclass(eq=False)
class Run:
    """One run directory and the measured files it holds."""

    label: str
    scenario: str
    path: Path
    problems: dict[str, str] = field(default_factory=dict)
    derived: dict[str, Any] = field(default_factory=dict)  # analysis results (report.derived)

    @property
    def name(self) -> str:
        return f"{self.label}/{self.scenario}"

    def file(self, name: str) -> Path | None:
        """The path of `name` inside this run, or None when the file is absent."""
        path = self.path / name
        return path if path.is_file() else None

    def _json(self, name: str) -> dict[str, Any] | None:
        path = self.file(name)
        if path is None:
            self.problems.setdefault(name, f"{self.name} has no {name}")
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            self.problems[name] = f"{path} could not be read ({exc.__class__.__name__})"
            return None
        version = data.get("schema_version") if isinstance(data, dict) else None
        if version != SCHEMA_VERSION:
            self.problems[name] = f"{path} has schema_version {version!r}; this rbprofile reads 1"
            return None
        return data

    @cached_property
    def manifest(self) -> dict[str, Any] | None:
        return self._json("manifest.json")

    @cached_property
    def timing(self) -> dict[str, Any] | None:
        return self._json("timing.json")

    @cached_property
    def memory(self) -> dict[str, Any] | None:
        return self._json("memory.json")

    @cached_property
    def functions(self) -> pl.DataFrame | None:
        path = self.file("functions.parquet")
        if path is None:
            self.problems["functions.parquet"] = f"{self.name} has no functions.parquet"
            return None
        try:
            return validate(pl.read_parquet(path), FUNCTIONS_SCHEMA, str(path))
        except (OSError, ValueError, pl.exceptions.PolarsError) as exc:
            self.problems["functions.parquet"] = f"{path} could not be read ({exc})"
            return None

    @cached_property
    def cprofile(self) -> CProfile | None:
        """cprofile.pstats read by `rbprofile.analysis.pstats_source.load_pstats`."""
        return self._load("cprofile.pstats", "cprofile", load_pstats)

    @cached_property
    def samples(self) -> Samples | None:
        """pyspy.collapsed.txt read by `rbprofile.analysis.pyspy_source.load_pyspy`.

        Cut to the stacks under cProfile's entry point when the run has both (as `analyze`
        does), so start-up and imports outside the backtest do not count.
        """
        samples = self._load("pyspy.collapsed.txt", "pyspy", load_pyspy)
        if samples is not None and self.cprofile is not None:
            samples, _ = profiled_window(samples, self.cprofile)
        return samples

    def _load(self, name: str, profiler: str, loader: Callable[[Path], T]) -> T | None:
        path = self.file(name)
        if path is None:
            self.problems.setdefault(name, self.why_missing(name, profiler))
            return None
        try:
            return loader(path)
        except RbprofileError as exc:
            self.problems[name] = exc.message
            return None

    @property
    def numeric(self) -> str | None:
        value = (self.manifest or {}).get("numeric")
        return value if isinstance(value, str) else None

    def profiler(self, name: str) -> dict[str, Any]:
        """The manifest's record for one profiler ({} when it was not recorded)."""
        profilers = (self.manifest or {}).get("profilers") or {}
        record = profilers.get(name)
        return record if isinstance(record, dict) else {}

    def why_missing(self, filename: str, profiler: str) -> str:
        """Why `filename`'s data is not there: its read error, the profiler's recorded status
        and reason, or what the manifest says (or that it could not be read)."""
        if self.file(filename) is not None and filename in self.problems:
            return self.problems[filename]
        record = self.profiler(profiler)
        status = record.get("status")
        if status in ("failed", "skipped"):
            reason = record.get("reason") or "no reason recorded"
            return f"{profiler} {status} for {self.name}: {reason}"
        if self.manifest is None:
            return f"{self.name} has no {filename}; {self.problems['manifest.json']}"
        if not record:
            return f"{profiler} was not run for {self.name} (not in its manifest)"
        return f"{self.name} has no {filename}"

    def code_seen(self) -> list[str]:
        """'Decimal' / 'Polars' when that code appears in this run's functions table."""
        if self.functions is None:
            return []
        modules = self.functions.get_column("module").drop_nulls().unique().to_list()
        return [
            name
            for name, prefixes in CODE_MARKERS.items()
            if any(m == p or m.startswith(f"{p}.") for m in modules for p in prefixes)
        ]


def _scenario_dirs(label_dir: Path) -> list[Path]:
    return sorted(
        p
        for p in label_dir.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / "manifest.json").is_file()
    )


def load_runs(labels: list[str], profiles_dir: Path) -> list[Run]:
    """The runs under each label, in label order; a label without runs is an error."""
    runs: list[Run] = []
    for label in labels:
        label_dir = profiles_dir / label
        found = _scenario_dirs(label_dir) if label_dir.is_dir() else []
        if not found:
            raise RbprofileError(
                f"no runs for label {label!r} under {profiles_dir} (labels there: "
                f"{', '.join(available_labels(profiles_dir)) or 'none'}); "
                f"create one with `rbprofile run all --label {label}`"
            )
        runs.extend(Run(label, d.name, d) for d in found)
    return runs


def available_labels(profiles_dir: Path) -> list[str]:
    if not profiles_dir.is_dir():
        return []
    return sorted(p.name for p in profiles_dir.iterdir() if p.is_dir() and _scenario_dirs(p))
