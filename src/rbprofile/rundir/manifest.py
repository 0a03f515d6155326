"""`manifest.json`: what was run, on what, with which tools, and how each profiler went.

    Manifest.from_json / read_manifest(path) -> Manifest     (typed, immutable)
    Manifest.to_json() -> dict                               (what the runner writes)

Format history (a reader per version in `READERS`; unknown versions are refused loudly):
- 1: first version. No `project` (it was always rustybt).
- 2: `project` (the package under profile), `scenario_params.command` / `.root` for runs of
  any command, tables resolved at record time (callers, evidence, samples parquet files).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from rbprofile.rundir.jsonfile import Fields, read_versioned

SCHEMA_VERSION = 2
DEFAULT_PROJECT = "rustybt"  # what every version-1 manifest profiled
Status = Literal["ok", "failed", "skipped"]
_STATUSES = ("ok", "failed", "skipped")


def _frozen(mapping: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class ProfilerRecord:
    """How one profiler went: status, why, its wall time and overhead, the files it wrote,
    and profiler-specific details (py-spy: native, rate_hz, samples; memory: peak_mib ...)."""

    status: Status
    reason: str | None = None
    wall_s: float | None = None
    overhead: float | None = None  # profiled wall time / median unprofiled wall time
    files: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=_frozen)

    @classmethod
    def from_fields(cls, f: Fields) -> ProfilerRecord:
        status = f.text("status")
        if status not in _STATUSES:
            raise f.fail("status", " / ".join(_STATUSES))
        known = {"status", "reason", "wall_s", "overhead", "files"}
        details = {k: v for k, v in f.data.items() if k not in known}
        return cls(
            status,  # type: ignore[arg-type]
            f.text("reason"),
            f.number("wall_s"),
            f.number("overhead"),
            f.texts("files"),
            _frozen(details),
        )

    def to_json(self) -> dict[str, Any]:
        out = {
            "status": self.status,
            "reason": self.reason,
            "wall_s": self.wall_s,
            "overhead": self.overhead,
            "files": list(self.files),
        }
        return out | dict(self.details)


@dataclass(frozen=True)
class BundleInfo:
    name: str
    content_hash: str | None = None
    frequency: str | None = None
    first_session: str | None = None
    last_session: str | None = None
    assets: int | None = None

    @classmethod
    def from_fields(cls, f: Fields) -> BundleInfo:
        return cls(
            f.text("name") or "",
            f.text("content_hash"),
            f.text("frequency"),
            f.text("first_session"),
            f.text("last_session"),
            f.integer("assets"),
        )


@dataclass(frozen=True)
class Workload:
    """What ran: a rustybt strategy on a bundle, or any command (`command`, `root`)."""

    strategy: str | None = None
    strategy_file: str | None = None
    frequency: str | None = None
    assets: int | None = None
    sessions: int | None = None
    bars: int | None = None
    start: str | None = None
    end: str | None = None
    command: tuple[str, ...] = ()
    root: str | None = None  # MODULE:FUNCTION the measured region was cut to

    @classmethod
    def from_fields(cls, f: Fields) -> Workload:
        return cls(
            f.text("strategy"),
            f.text("strategy_file"),
            f.text("frequency"),
            f.integer("assets"),
            f.integer("sessions"),
            f.integer("bars"),
            f.text("start"),
            f.text("end"),
            f.texts("command"),
            f.text("root"),
        )

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["command"] = list(self.command)
        return out


@dataclass(frozen=True)
class TimingSummary:
    repeats: int
    wall_s: tuple[float, ...] = ()
    simulate_cpu_s: tuple[float | None, ...] = ()
    # every measured call started after a full garbage collection (rbprofile.runner.child);
    # runs recorded before that did not say so, and their first run paid for start-up's garbage
    collected_before: bool = False

    @classmethod
    def from_fields(cls, f: Fields) -> TimingSummary:
        wall = tuple(v for v in f.numbers("wall_s") if v is not None)
        return cls(
            f.integer("repeats") or len(wall),
            wall,
            f.numbers("simulate_cpu_s", allow_none=True),
            bool(f.flag("collected_before")),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "repeats": self.repeats,
            "wall_s": list(self.wall_s),
            "simulate_cpu_s": list(self.simulate_cpu_s),
            "collected_before": self.collected_before,
        }


@dataclass(frozen=True)
class Manifest:
    label: str
    scenario: str
    started: str | None = None
    finished: str | None = None
    project: str = DEFAULT_PROJECT
    versions: Mapping[str, str | None] = field(default_factory=_frozen)
    platform: Mapping[str, Any] = field(default_factory=_frozen)
    git_commit: str | None = None
    git_dirty: bool | None = None
    python_executable: str | None = None
    numeric: str | None = None
    bundle: BundleInfo | None = None
    workload: Workload | None = None
    timing: TimingSummary | None = None
    profilers: Mapping[str, ProfilerRecord] = field(default_factory=_frozen)
    schema_version: int = SCHEMA_VERSION

    def profiler(self, name: str) -> ProfilerRecord | None:
        return self.profilers.get(name)

    def with_updates(self, **changes: Any) -> Manifest:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "label": self.label,
            "scenario": self.scenario,
            "project": self.project,
            "started": self.started,
            "finished": self.finished,
            "versions": dict(self.versions),
            "platform": dict(self.platform),
            "git_commit": self.git_commit,
            "git_dirty": self.git_dirty,
            "python_executable": self.python_executable,
            "numeric": self.numeric,
            "bundle": None if self.bundle is None else asdict(self.bundle),
            "scenario_params": None if self.workload is None else self.workload.to_json(),
            "timing": None if self.timing is None else self.timing.to_json(),
            "profilers": {name: p.to_json() for name, p in self.profilers.items()},
        }


def _read(f: Fields, *, version: int, project: str | None) -> Manifest:
    bundle, workload, timing = f.sub("bundle"), f.sub("scenario_params"), f.sub("timing")
    versions = f.sub("versions")
    platform = f.sub("platform")
    return Manifest(
        label=f.text("label") or "",
        scenario=f.text("scenario") or "",
        started=f.text("started"),
        finished=f.text("finished"),
        project=project or DEFAULT_PROJECT,
        versions=_frozen(versions.data if versions else None),
        platform=_frozen(platform.data if platform else None),
        git_commit=f.text("git_commit"),
        git_dirty=f.flag("git_dirty"),
        python_executable=f.text("python_executable"),
        numeric=f.text("numeric"),
        bundle=None if bundle is None else BundleInfo.from_fields(bundle),
        workload=None if workload is None else Workload.from_fields(workload),
        timing=None if timing is None else TimingSummary.from_fields(timing),
        profilers=_frozen(
            {k: ProfilerRecord.from_fields(v) for k, v in f.subs("profilers").items()}
        ),
        schema_version=version,
    )


def _read_v1(f: Fields) -> Manifest:
    return _read(f, version=1, project=DEFAULT_PROJECT)


def _read_v2(f: Fields) -> Manifest:
    return _read(f, version=2, project=f.text("project"))


READERS = {1: _read_v1, 2: _read_v2}


def read_manifest(path: Path) -> Manifest:
    """`path` (a manifest.json) as a typed Manifest; RbprofileError when it cannot be read."""
    return read_versioned(path, READERS)
