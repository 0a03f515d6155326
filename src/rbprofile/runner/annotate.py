"""Record-time annotation of a run directory, once every profiler has finished.

`annotate_run` reads the run's resolved tables back (functions, callers; py-spy samples), decides
every function's category with all the evidence available now (py-spy loop lines and static
loop / Decimal candidates, which need the sources this machine has; native Decimal frames; a
float-mode twin run recorded earlier), charges each function to its project owner, and writes
functions.parquet (category, decided_by, owner), evidence.parquet and activity.parquet (what
each py-spy sample was doing, for the split category breakdown). Best effort: if it fails the
run keeps its unannotated tables, and the failure is logged.
"""

from __future__ import annotations

from pathlib import Path

from rbprofile.analysis.annotate import FloatTwin, annotate
from rbprofile.atomic import write_parquet
from rbprofile.errors import RbprofileError
from rbprofile.rundir import files
from rbprofile.rundir.locate import twin_of
from rbprofile.rundir.run import Run
from rbprofile.runner.log import RunLog


def annotate_run(
    tmp: Path, final: Path, project: str, numeric: str, bundle_hash: str | None, log: RunLog
) -> None:
    run = Run.directory(tmp, final.parent.name, final.name)
    profile, samples = run.cprofile, run.raw_samples
    if profile is None and samples is None:
        return
    twin = None
    if numeric == "decimal" and profile is not None:
        found = twin_of(final.parent.parent, final.parent.name, final.name, bundle_hash)
        twin_profile = found.cprofile if found is not None else None
        if found is not None and twin_profile is not None:
            twin = FloatTwin(twin_profile.functions, found.name)
            log.info("float_twin", run=found.name)
    try:
        result = annotate(profile, samples, project=project, twin=twin, numeric=numeric)
    except RbprofileError as exc:
        log.warning("annotate_failed", reason=exc.message)
        return
    if result.functions is not None:
        write_parquet(tmp / files.FUNCTIONS, result.functions)
    write_parquet(tmp / files.EVIDENCE, result.evidence)
    if result.activity is not None:
        write_parquet(tmp / files.ACTIVITY, result.activity)
