"""What every table built from py-spy samples says about its evidence.

    sampling_note(run, samples) -> str
        how many samples the view used, how they were collected (runs, children) and whether
        the sampling goal was reached or the time budget ran out (from the manifest's py-spy
        record), and the interval the shares carry
    filenames_note(samples) -> str | None
        the one note for a recording made without py-spy's --full-filenames (no source, so no
        loop evidence), else None

Interval columns themselves come from rbprofile.analysis.intervals.with_intervals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rbprofile.analysis.intervals import interval_note

if TYPE_CHECKING:
    from rbprofile.analysis.samples import Samples
    from rbprofile.rundir.run import Run


def sampling_details(run: Run) -> Mapping[str, Any]:
    record = run.profiler("pyspy")
    return {} if record is None else record.details


def budget_text(details: Mapping[str, Any]) -> str | None:
    """'goal of 3000 reached' / 'BUDGET RAN OUT ...', or None for runs recorded without a goal."""
    target = details.get("samples_target")
    if target is None:
        return None
    measured = details.get("measured_samples")
    runs, children = details.get("runs"), len(details.get("children") or ())
    how = f"{runs} runs of the measured call in {children} sampling process(es)"
    if (details.get("jobs") or 1) > 1:
        how += f", {details['jobs']} at a time"
    if details.get("budget_exhausted"):
        return (
            f"sampling budget ran out ({details.get('sample_budget_s')} s): {measured} of the "
            f"{target} samples asked for, from {how}; intervals are wider than planned"
        )
    return f"goal of {target} samples under the measured call reached ({measured}, {how})"


def sampling_note(run: Run, samples: Samples) -> str:
    text = f"py-spy evidence: {samples.total} samples"
    if run.samples_window is not None:
        text += " under the measured call"
    said = budget_text(sampling_details(run))
    if said is not None:
        text += f"; {said}"
    return f"{text}. {interval_note(samples.design)}"


FILENAMES_NOTE = (
    "py-spy recorded without --full-filenames: loop and source evidence unavailable; "
    "re-record with `py-spy record --full-filenames ...`."
)


def filenames_note(samples: Samples | None) -> str | None:
    return FILENAMES_NOTE if samples is not None and samples.short_filenames else None
