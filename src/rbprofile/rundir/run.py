"""`Run`: one profile run (a run directory, or bare profiler files) and lazy access to its data.

    Run.directory(path, label=None, scenario=None) -> Run      a run directory
    Run.files(pstats=None, pyspy=None) -> Run                  bare files from anywhere

Accessors read on first use and are cached: `manifest`, `timing`, `memory`, `allocations`
(memray), `functions`, `evidence`, `cprofile` (the profile: functions + caller edges + total;
`cprofile_repeats` says over how many cProfile repeats its times are medians), `samples` (py-spy
samples, cut to the call cProfile measured when both exist). Inside a run directory the
tables written at record time are read (identities already resolved); the raw pstats and
py-spy files are only parsed for bare files and for runs recorded before those tables existed.
An accessor that finds nothing returns None and records why in `problems`; `why_missing`
turns that, and the manifest's profiler records, into one sentence a report can print.
A bare file passed as an argument that cannot be loaded raises its error instead.

The JSON policy (`unreadable`, `checked`): a manifest.json, timing.json or memory.json that is
present but unreadable is never skipped silently. Commands on one run (`analyze`,
`categorize`) refuse the run with the file's one-line reason (`locate` calls `checked`);
`compare` counts that scenario as partial and prints the reason; `report` prints it in each
section that needed the file.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import polars as pl

from rbprofile.analysis.project import Discovery, discover
from rbprofile.errors import RbprofileError
from rbprofile.rundir import files
from rbprofile.rundir.allocations import Allocations
from rbprofile.rundir.manifest import DEFAULT_PROJECT, Manifest, ProfilerRecord, read_manifest
from rbprofile.rundir.memory import Memory, read_memory
from rbprofile.rundir.timing import Timing, read_timing
from rbprofile.schema import FUNCTIONS_SCHEMA, MEMRAY_SCHEMA, validate

if TYPE_CHECKING:
    from rbprofile.analysis.pstats_source import CProfile
    from rbprofile.analysis.pyspy_source import Samples

T = TypeVar("T")
PYSPY_RAW = (files.PYSPY_COLLAPSED, files.PYSPY_SPEEDSCOPE)  # preferred first
JSON_FILES = (files.MANIFEST, files.TIMING, files.MEMORY)  # read through rundir version maps
# Which profiler writes which raw file (for why_missing when a file is absent).
WRITTEN_BY = {
    files.PSTATS: "cprofile",
    files.PSTATS_SUMMARY: "cprofile",
    files.FUNCTIONS: "cprofile",
    files.CALLERS: "cprofile",
    files.EVIDENCE: "cprofile",
    files.PYSPY_COLLAPSED: "pyspy",
    files.PYSPY_SVG: "pyspy",
    files.PYSPY_SPEEDSCOPE: "pyspy",
    files.SAMPLES: "pyspy",
    files.PYSPY_RUNS: "pyspy",
    files.ACTIVITY: "pyspy",
    files.MEMORY: "memory",
    files.MEMRAY: "memray",
}


@dataclass(eq=False)
class Run:
    name: str  # "label/scenario", or a file name
    path: Path | None  # the run directory; None for bare files
    label: str | None = None
    scenario: str | None = None
    pstats_path: Path | None = None
    pyspy_path: Path | None = None
    problems: dict[str, str] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)  # results derived from this run

    @classmethod
    def directory(cls, path: Path, label: str | None = None, scenario: str | None = None) -> Run:
        label = label if label is not None else path.parent.name
        scenario = scenario if scenario is not None else path.name
        pstats = path / files.PSTATS
        pyspy = next((path / n for n in PYSPY_RAW if (path / n).is_file()), None)
        return cls(
            f"{label}/{scenario}",
            path,
            label,
            scenario,
            pstats if pstats.is_file() else None,
            pyspy,
        )

    @classmethod
    def files(cls, pstats: Path | None = None, pyspy: Path | None = None) -> Run:
        name = " + ".join(p.name for p in (pstats, pyspy) if p is not None)
        return cls(name, None, pstats_path=pstats, pyspy_path=pyspy)

    # -- files ---------------------------------------------------------------------------

    def file(self, name: str) -> Path | None:
        """The path of `name` inside this run directory, or None when absent."""
        if self.path is None:
            return None
        path = self.path / name
        return path if path.is_file() else None

    def _read(self, name: str, reader: Callable[[Path], T]) -> T | None:
        path = self.file(name)
        if path is None:
            self.problems.setdefault(name, f"{self.name} has no {name}")
            return None
        try:
            return reader(path)
        except RbprofileError as exc:
            self.problems[name] = exc.message
            return None

    # -- JSON files ----------------------------------------------------------------------

    @cached_property
    def manifest(self) -> Manifest | None:
        return self._read(files.MANIFEST, read_manifest)

    @cached_property
    def timing(self) -> Timing | None:
        return self._read(files.TIMING, read_timing)

    @cached_property
    def memory(self) -> Memory | None:
        return self._read(files.MEMORY, read_memory)

    @cached_property
    def allocations(self) -> Allocations | None:
        """memray.parquet with the totals its profiler recorded in the manifest."""
        table = self._read(files.MEMRAY, lambda p: _parquet(p, MEMRAY_SCHEMA))
        if table is None:
            return None
        record = self.profiler("memray")
        return Allocations.of(table, record.details if record is not None else {})

    @property
    def project(self) -> str:
        """The package under profile: as recorded; for bare files, discovered from the profile
        (`discovered`); rustybt for run directories recorded before runs named it."""
        if self.manifest is not None:
            return self.manifest.project
        found = self.discovered
        return found.project if found is not None else DEFAULT_PROJECT

    @cached_property
    def discovered(self) -> Discovery | None:
        """For bare profiler files: the project the profile shows (analysis.project.discover)."""
        if self.path is not None:
            return None
        if self.cprofile is not None:
            return discover(self.cprofile.functions)
        if self.samples is not None:
            from rbprofile.analysis.categories import sampled_functions

            return discover(sampled_functions(self.samples))
        return None

    @property
    def numeric(self) -> str | None:
        return None if self.manifest is None else self.manifest.numeric

    def profiler(self, name: str) -> ProfilerRecord | None:
        return None if self.manifest is None else self.manifest.profiler(name)

    def unreadable(self) -> dict[str, str]:
        """The run's JSON files that are present but cannot be read through their version map
        (invalid JSON, unknown `schema_version`, a field of the wrong type), with the reason."""
        for accessor in (lambda: self.manifest, lambda: self.timing, lambda: self.memory):
            accessor()
        return {
            name: self.problems[name]
            for name in JSON_FILES
            if name in self.problems and self.file(name) is not None
        }

    def checked(self) -> Run:
        """This run, or RbprofileError when one of its JSON files is unreadable: the one
        policy every command applies (a file that is there is never skipped silently)."""
        for reason in self.unreadable().values():
            raise RbprofileError(f"{self.name}: {reason}")
        return self

    # -- tables --------------------------------------------------------------------------

    @cached_property
    def functions(self) -> pl.DataFrame | None:
        """functions.parquet (FUNCTIONS_SCHEMA), or the pstats' own table for bare files."""
        if self.path is None:
            profile = self.cprofile
            return None if profile is None else profile.functions
        return self._read(files.FUNCTIONS, lambda p: _parquet(p, FUNCTIONS_SCHEMA, TIMES))

    @cached_property
    def evidence(self) -> pl.DataFrame | None:
        """evidence.parquet: the measured category evidence recorded with the run."""
        from rbprofile.analysis.evidence import EVIDENCE_SCHEMA

        return self._read(files.EVIDENCE, lambda p: _parquet(p, EVIDENCE_SCHEMA))

    @cached_property
    def activity(self) -> pl.DataFrame | None:
        """activity.parquet: what the py-spy samples were doing, recorded with the run."""
        from rbprofile.analysis.split import ACTIVITY_SCHEMA

        return self._read(files.ACTIVITY, lambda p: _parquet(p, ACTIVITY_SCHEMA))

    @cached_property
    def cprofile(self) -> CProfile | None:
        """The cProfile profile: the recorded tables when present, else the raw pstats (runs
        recorded before callers.parquet existed, bare files), else functions.parquet alone."""
        from rbprofile.analysis.pstats_source import EDGES_SCHEMA, CProfile, load_pstats

        recorded = self.path is not None and self.file(files.FUNCTIONS) is not None
        if recorded and (self.file(files.CALLERS) is not None or self.pstats_path is None):
            functions = self.functions
            edges = (
                self._read(files.CALLERS, lambda p: _parquet(p, EDGES_SCHEMA, TIMES))
                if self.file(files.CALLERS)
                else pl.DataFrame(schema=EDGES_SCHEMA)
            )
            if functions is not None and edges is not None:
                total = run_total(functions)
                return CProfile(self.path / files.PSTATS, functions, edges, total)  # type: ignore[operator]
        if self.pstats_path is None:
            self.problems.setdefault(files.PSTATS, self.why_missing(files.PSTATS))
            return None
        return self._load(files.PSTATS, lambda: load_pstats(self.pstats_path))  # type: ignore[arg-type]

    @property
    def cprofile_repeats(self) -> int:
        """How many cProfile repeats the functions table holds (1 for bare and older runs)."""
        table = self.functions
        if table is None or table.height == 0:
            return 1
        longest = table.select(pl.col("self_s_repeats").list.len().max()).item()
        return int(longest or 1)

    @cached_property
    def raw_samples(self) -> Samples | None:
        """Every py-spy sample recorded (start-up and imports included), with the design
        effect its per-run counts measure (`sampling_design`)."""
        samples = self._read_samples()
        design = self.sampling_design
        return samples if samples is None or design == 1.0 else replace(samples, design=design)

    def _read_samples(self) -> Samples | None:
        from rbprofile.analysis.pyspy_source import load_pyspy

        if self.file(files.SAMPLES):
            from rbprofile.analysis.samples import read_samples

            return self._load(files.SAMPLES, lambda: read_samples(self.path / files.SAMPLES))  # type: ignore[operator]
        if self.pyspy_path is None:
            self.problems.setdefault(files.PYSPY_COLLAPSED, self.why_missing(files.PYSPY_COLLAPSED))
            return None
        return self._load(files.PYSPY_COLLAPSED, lambda: load_pyspy(self.pyspy_path))  # type: ignore[arg-type]

    @cached_property
    def run_leaves(self) -> pl.DataFrame | None:
        """Samples per measured run and Python leaf (`run`, `key`, `samples`) from the per-run
        counts a sampling run recorded; None without them (bare py-spy files, runs recorded
        before they were kept), or when unreadable (said in `problems`)."""
        from rbprofile.analysis.intervals import run_leaf_counts
        from rbprofile.analysis.pyspy_source import python_leaves

        runs, collapsed = self.file(files.PYSPY_RUNS), self.file(files.PYSPY_COLLAPSED)
        if runs is None or collapsed is None:
            return None
        try:
            table = pl.read_parquet(runs)
            text = collapsed.read_text(encoding="utf-8", errors="replace")
            return run_leaf_counts(python_leaves(text), table)
        except (OSError, pl.exceptions.PolarsError) as exc:
            self.problems[files.PYSPY_RUNS] = f"{runs}: unreadable ({exc}); intervals are binomial"
            return None

    @cached_property
    def sampling_design(self) -> float:
        """How much more py-spy's shares vary than independent draws would (>= 1), measured
        from the per-run counts (`run_leaves`); 1.0 without them."""
        from rbprofile.analysis.intervals import design_effect

        leaves = self.run_leaves
        return 1.0 if leaves is None else design_effect(leaves)

    @cached_property
    def _window(self) -> tuple[Samples | None, str | None]:
        from rbprofile.analysis.crosscheck import profiled_window

        samples = self.raw_samples
        if samples is None or self.cprofile is None:
            return samples, None
        cut, description = profiled_window(samples, self.cprofile)
        return (cut, description) if cut.total != samples.total else (samples, None)

    @property
    def samples(self) -> Samples | None:
        """py-spy samples under the call cProfile measured (all of them without cProfile)."""
        return self._window[0]

    @property
    def samples_window(self) -> str | None:
        """How the samples were cut to cProfile's window, or None when they were not."""
        return self._window[1]

    def _load(self, name: str, load: Callable[[], T]) -> T | None:
        try:
            return load()
        except RbprofileError as exc:
            if self.path is None:  # a file passed as the argument: its error is the answer
                raise
            self.problems[name] = exc.message
            return None

    # -- explanations --------------------------------------------------------------------

    def why_missing(self, name: str, profiler: str | None = None) -> str:
        """Why `name`'s data is not there: its read error, the profiler's recorded status and
        reason, or what the manifest says (or that it could not be read)."""
        if name in self.problems and (self.path is None or self.file(name) is not None):
            return self.problems[name]
        if self.path is None:
            return f"{self.name} has no {name} (pass it as an argument)"
        profiler = profiler or WRITTEN_BY.get(name)
        record = self.profiler(profiler) if profiler else None
        if record is not None and record.status in ("failed", "skipped"):
            reason = record.reason or "no reason recorded"
            return f"{profiler} {record.status} for {self.name}: {reason}"
        if self.manifest is None:
            return f"{self.name} has no {name}; {self.problems.get(files.MANIFEST, 'no manifest')}"
        if profiler and record is None:
            return f"{profiler} was not run for {self.name} (not in its manifest)"
        return f"{self.name} has no {name}"

    def why_no_profile(self) -> str:
        """Why neither cProfile nor py-spy data can be read for this run."""
        reasons = [self.why_missing(files.PSTATS), self.why_missing(files.PYSPY_COLLAPSED)]
        return "; ".join(dict.fromkeys(reasons))

    def code_seen(self) -> list[str]:
        """'Decimal' / 'Polars' when that library's modules appear in the functions table."""
        table = self.functions
        if table is None:
            return []
        modules = set(table.get_column("module").drop_nulls().unique().to_list())
        return [
            name
            for name, prefixes in CODE_MARKERS.items()
            if any(m == p or m.startswith(f"{p}.") for m in modules for p in prefixes)
        ]

    def shown(self, path: Path | None) -> str:
        """`path` as a user should read it: `label/scenario/file` inside a run directory (the
        same on every machine), else as given."""
        if path is None:
            return "none"
        if self.path is not None and path.parent == self.path:
            return f"{self.name}/{path.name}"
        return str(path)


def run_total(functions: pl.DataFrame) -> float:
    """The profile's total: with cProfile repeats, the median of the repeats' totals (the total
    of the repeat kept as cprofile.pstats); else the sum of self times (pstats total_tt)."""
    if functions.height == 0 or functions["self_s_repeats"].null_count() == functions.height:
        return float(functions["self_s"].sum())
    repeats = functions["self_s_repeats"].drop_nulls()
    width = int(repeats.list.len().max() or 1)  # type: ignore[arg-type]
    totals = [sum(r[i] for r in repeats if i < len(r)) for i in range(width)]
    return float(statistics.median(totals))


CODE_MARKERS = {"Decimal": ("decimal", "_decimal"), "Polars": ("polars", "_polars")}


TIMES = ("self_s", "cum_s")  # seconds in functions.parquet and callers.parquet


def _parquet(path: Path, schema: pl.Schema, finite: tuple[str, ...] = ()) -> pl.DataFrame:
    """`path` validated against `schema`; the `finite` columns hold finite numbers >= 0."""
    try:
        frame = pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise RbprofileError(
            f"{path} is not a readable Parquet file ({type(exc).__name__}); re-record the run "
            "(`rbprofile run ... --force`)"
        ) from None
    try:
        frame = validate(frame, schema, str(path))
    except (ValueError, pl.exceptions.PolarsError) as exc:
        raise RbprofileError(f"{exc}; re-record the run (`rbprofile run ... --force`)") from None
    for column in finite:
        bad = frame.filter(~pl.col(column).is_finite() | (pl.col(column) < 0)).height
        if bad:
            raise RbprofileError(
                f"{path}: {bad} row(s) with {column} not a finite number of seconds >= 0; "
                "re-record the run (`rbprofile run ... --force`)"
            )
    return frame
