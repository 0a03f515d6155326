"""`rbprofile import` core: wrap profiles recorded elsewhere into a run directory.

    import_profiles(request) -> ImportResult

A cProfile `.pstats` file and/or py-spy output (collapsed `--format raw` or speedscope) become
`<profiles-dir>/<label>/<scenario>/` exactly as `rbprofile run` would have written their part:
the raw files under the run's own names, functions.parquet / callers.parquet and
samples.parquet with identities resolved now (while this machine has the sources), categories
and owners annotated, and a manifest naming the project (given, else discovered from the
profile) and recording that the profiles were imported. There are no timing repeats, so
`compare` gives function, module and category deltas and says that a run-time verdict needs
`rbprofile run`. Written atomically; an existing run is replaced only with `force`.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from rbprofile import profilers
from rbprofile.analysis.project import choose
from rbprofile.analysis.pyspy_source import load_pyspy
from rbprofile.analysis.samples import write_samples
from rbprofile.atomic import write_json, write_text
from rbprofile.errors import RbprofileError
from rbprofile.paths import profiles_dir
from rbprofile.profilers.cprofile import summary_text, write_tables
from rbprofile.rundir import files
from rbprofile.rundir.manifest import DEFAULT_PROJECT, Manifest, ProfilerRecord, Workload
from rbprofile.rundir.run import Run
from rbprofile.rundir.writer import RunDir, ensure_absent
from rbprofile.runner import facts
from rbprofile.runner.annotate import annotate_run
from rbprofile.runner.log import RunLog

NOT_IMPORTED = "not imported (rbprofile import wraps cProfile and py-spy files)"


@dataclass(frozen=True)
class ImportRequest:
    label: str
    pstats: Path | None = None
    pyspy: Path | None = None
    scenario: str | None = None
    project: str | None = None
    profiles_dir: Path | None = None
    force: bool = False


@dataclass(frozen=True)
class ImportResult:
    path: Path
    project: str
    project_source: str  # "--project", "discovered (NN% ...)", or "default"
    functions: int | None
    samples: int | None

    def describe(self) -> str:
        counts = [
            f"{self.functions} functions" if self.functions is not None else "",
            f"{self.samples} py-spy samples" if self.samples is not None else "",
        ]
        what = " and ".join(c for c in counts if c)
        return f"imported {what} into {self.path} (project {self.project}: {self.project_source})"


PYSPY_SUFFIXES = (".txt", ".json", ".collapsed", ".folded")


def split_inputs(paths: list[Path]) -> tuple[Path | None, Path | None]:
    """(pstats, py-spy) from the command's files: py-spy output by its suffix, the rest pstats;
    at most one of each."""
    pyspy = [p for p in paths if p.suffix.lower() in PYSPY_SUFFIXES]
    pstats = [p for p in paths if p not in pyspy]
    if len(pyspy) > 1 or len(pstats) > 1 or not paths:
        raise RbprofileError(
            "pass one .pstats file and/or one py-spy file (.txt collapsed or .json speedscope); "
            f"got {', '.join(map(str, paths)) or 'none'}"
        )
    return (pstats[0] if pstats else None), (pyspy[0] if pyspy else None)


def _scenario(request: ImportRequest) -> str:
    if request.scenario:
        return request.scenario
    source = request.pstats or request.pyspy
    assert source is not None
    return source.name.split(".", 1)[0] or "imported"


def _check(request: ImportRequest) -> None:
    if request.pstats is None and request.pyspy is None:
        raise RbprofileError("nothing to import: pass a .pstats file and/or py-spy output")
    for path in (request.pstats, request.pyspy):
        if path is not None and not path.is_file():
            raise RbprofileError(f"{path} is not a file; pass the profile's path")


def _project(request: ImportRequest, run: Run) -> tuple[str, str]:
    given = (request.project, "--project") if request.project else None
    fallback = (DEFAULT_PROJECT, "default: nothing qualified; pass --project PKG")
    return choose(given, None if given else run.discovered, fallback)


def import_profiles(request: ImportRequest) -> ImportResult:
    _check(request)
    scenario = _scenario(request)
    final = profiles_dir(request.profiles_dir) / request.label / scenario
    ensure_absent(final, force=request.force)
    bare = Run.files(pstats=request.pstats, pyspy=request.pyspy)  # refuses unreadable files now
    if request.pstats is not None and bare.cprofile is None:
        raise RbprofileError(bare.problems.get(files.PSTATS, f"{request.pstats}: not a pstats"))
    if request.pyspy is not None and bare.raw_samples is None:
        raise RbprofileError(f"{request.pyspy}: no py-spy samples could be read")
    project, source = _project(request, bare)
    started = facts.utc_now()
    rundir = RunDir(final, force=request.force)
    with rundir as tmp:
        log = RunLog(tmp / files.LOG, None)
        try:
            records, counts = _write_profiles(request, tmp)
            annotate_run(tmp, final, project, "", None, log)
        finally:
            log.close()
        manifest = Manifest(
            label=request.label,
            scenario=scenario,
            started=started,
            finished=facts.utc_now(),
            project=project,
            versions=facts.versions(),
            platform=facts.platform_info(),
            workload=Workload(strategy=f"imported ({source})"),
            profilers=records,
        )
        write_json(tmp / files.MANIFEST, manifest.to_json())
        rundir.commit()
    return ImportResult(final, project, source, *counts)


def _write_profiles(
    request: ImportRequest, tmp: Path
) -> tuple[dict[str, ProfilerRecord], tuple[int | None, int | None]]:
    records: dict[str, ProfilerRecord] = {}
    functions = samples = None
    if request.pstats is not None:
        shutil.copyfile(request.pstats, tmp / files.PSTATS)
        write_text(
            tmp / files.PSTATS_SUMMARY, summary_text(tmp / files.PSTATS, shown_as=files.PSTATS)
        )
        functions = write_tables(tmp / files.PSTATS, tmp)
        kept = (files.PSTATS, files.PSTATS_SUMMARY, files.FUNCTIONS, files.CALLERS)
        records["cprofile"] = ProfilerRecord(
            "ok", files=kept, details={"imported_from": str(request.pstats), "functions": functions}
        )
    if request.pyspy is not None:
        is_json = request.pyspy.read_bytes()[:64].lstrip().startswith(b"{")
        name = files.PYSPY_SPEEDSCOPE if is_json else files.PYSPY_COLLAPSED
        shutil.copyfile(request.pyspy, tmp / name)
        loaded = load_pyspy(tmp / name)
        write_samples(loaded, tmp / files.SAMPLES)
        samples = loaded.total
        records["pyspy"] = ProfilerRecord(
            "ok",
            files=(name, files.SAMPLES),
            details={"imported_from": str(request.pyspy), "samples": samples},
        )
    for name in profilers.names():
        records.setdefault(name, ProfilerRecord("skipped", reason=NOT_IMPORTED))
    return records, (functions, samples)
