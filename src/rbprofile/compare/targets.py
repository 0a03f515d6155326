"""Predicted against measured: did the BEFORE run's optimization targets pay what they promised?

    target_outcomes(scenario, before, after, *, project=None, speedups=None, top=10)
        -> pl.DataFrame | None
        One row per target of BEFORE (`analyze --targets`, ranked by removable time): its kind
        of fix, category, predicted whole-run speedup (the Amdahl estimate), the time it owned
        before and after (cProfile, spread to owners the same way on both sides), the kernel
        speedup that change amounts to, the whole-run speedup it amounts to, and a verdict.
        None when either side has no cProfile profile.
    calibration(outcomes, speedups) -> pl.DataFrame
        Per category: the assumed kernel speedup against the measured ones (geometric mean over
        the category's targets that kept some owned time; one-time setup left out).
    outcome_tables(outcomes) -> [Table, Table]    `targets` and `calibration` for documents

Measured whole-run speedup of one target = 1 / ((1 - p) + p * after / before), p its owned share
of the BEFORE profile: Amdahl run backwards with the change cProfile saw. Verdicts compare the
gains (speedup - 1): `held` within a factor 2 of the predicted gain, `beaten` above it, `missed`
below it but still a gain, `no gain` otherwise. The run-time verdict from the timing repeats is
the ground truth; these rows attribute it.

A target that no longer exists AFTER was removed, or its work moved to a function that is new
(renamed, inlined into a new helper): `moved_to` names the new functions AFTER that share its
module or one of its callers, and they stand in for it (a new function claimed by several
vanished targets is split between them in proportion to their time BEFORE). Without such a
function the target counts as removed (owned after 0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import polars as pl

from rbprofile.analysis.pstats_source import CProfile
from rbprofile.analysis.rules import load_rules
from rbprofile.analysis.targets import SETUP
from rbprofile.render import Table
from rbprofile.rundir.run import Run
from rbprofile.views.targets import targets_table

HELD_FACTOR = 2.0
ALL = 1_000_000  # every owner of the AFTER side, not only its top targets

OUTCOME_SCHEMA = pl.Schema(
    {
        "scenario": pl.String, "rank": pl.Int64, "target": pl.String, "fix": pl.String,
        "category": pl.String, "predicted_speedup": pl.Float64, "before_owned_s": pl.Float64,
        "after_owned_s": pl.Float64, "measured_kernel": pl.Float64,
        "measured_speedup": pl.Float64, "held": pl.String, "moved_to": pl.String,
    }
)  # fmt: skip
CALIBRATION_SCHEMA = pl.Schema(
    {
        "category": pl.String, "assumed_kernel": pl.Float64, "measured_kernel": pl.Float64,
        "targets": pl.Int64, "removed": pl.Int64,
    }
)  # fmt: skip
FORMATS = {
    "predicted_speedup": "{:.3f}x", "measured_speedup": "{:.3f}x", "before_owned_s": "{:.4f}",
    "after_owned_s": "{:.4f}", "measured_kernel": "{:.2f}x", "assumed_kernel": "{:.1f}x",
}  # fmt: skip


def verdict(predicted: float, measured: float) -> str:
    """`held`, `beaten`, `missed` or `no gain`: the measured gain against the predicted one."""
    want, got = predicted - 1.0, measured - 1.0
    if got <= 0:
        return "no gain"
    if want <= 0 or got > HELD_FACTOR * want:
        return "beaten"
    return "held" if got * HELD_FACTOR >= want else "missed"


def measured_speedup(share: float, before_s: float, after_s: float) -> float:
    """Whole-run speedup of a target owning `share` of the run whose time went before -> after."""
    if before_s <= 0:
        return 1.0
    rest = (1.0 - share) + share * after_s / before_s
    return 1.0 / rest if rest > 0 else math.inf  # the whole run removed


def target_outcomes(
    scenario: str,
    before: Run,
    after: Run,
    *,
    project: str | None = None,
    speedups: Mapping[str, float] | None = None,
    top: int = 10,
) -> pl.DataFrame | None:
    b, a = before.cprofile, after.cprofile
    if b is None or a is None:
        return None
    project = project or before.project
    targets = targets_table(before, project=project, speedups=speedups, top=top).frame
    # the AFTER side's owned time, attributed exactly as the BEFORE targets were
    everything = targets_table(after, project=project, speedups=speedups, top=ALL).frame
    after_total = a.total_s or 1.0
    owned_after = {t: s * after_total for t, s in everything.select("target", "owned_share").rows()}
    total = b.total_s or 1.0
    before_s = {t: share * total for t, share in targets.select("target", "owned_share").rows()}
    moved = _moved(b, a, list(before_s), owned_after, before_s)
    rows = []
    for row in targets.iter_rows(named=True):
        target = row["target"]
        went = moved.get(target)
        after_s = went[1] if went else owned_after.get(target, 0.0)
        measured = measured_speedup(row["owned_share"], before_s[target], after_s)
        rows.append(
            {
                "scenario": scenario,
                "rank": row["rank"],
                "target": target,
                "fix": row["fix"],
                "category": row["category"],
                "predicted_speedup": row["amdahl_speedup"],
                "before_owned_s": before_s[target],
                "after_owned_s": after_s,
                "measured_kernel": before_s[target] / after_s if after_s > 0 else None,
                "measured_speedup": measured,
                "held": verdict(row["amdahl_speedup"], measured),
                "moved_to": ", ".join(went[0]) if went else None,
            }
        )
    return pl.DataFrame(rows, schema=OUTCOME_SCHEMA)


def _moved(
    before: CProfile,
    after: CProfile,
    targets: list[str],
    owned_after: Mapping[str, float],
    before_s: Mapping[str, float],
) -> dict[str, tuple[list[str], float]]:
    """target -> (the new functions AFTER its work moved to, their owned seconds, its part)
    for the targets that no longer exist AFTER; see the module docstring."""
    existed, exists = set(before.functions["key"]), set(after.functions["key"])
    new = [k for k, s in owned_after.items() if k not in existed and s > 0]
    called_by_before, called_by_after = _callers(before), _callers(after)

    def module(key: str) -> str:
        return key.split(":", 1)[0]

    claims = {
        t: [
            n
            for n in new
            if module(n) == module(t)
            or called_by_before.get(t, set()) & called_by_after.get(n, set())
        ]
        for t in targets
        if t not in exists
    }
    claimed: dict[str, float] = {}
    for t, found in claims.items():
        for n in found:
            claimed[n] = claimed.get(n, 0.0) + before_s[t]
    return {
        t: (found, sum(owned_after[n] * before_s[t] / (claimed[n] or 1.0) for n in found))
        for t, found in claims.items()
        if found
    }


def _callers(profile: CProfile) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for caller, callee in profile.edges.select("caller_key", "callee_key").iter_rows():
        out.setdefault(callee, set()).add(caller)
    return out


def calibration(outcomes: pl.DataFrame, speedups: Mapping[str, float]) -> pl.DataFrame:
    rows = []
    judged = outcomes.filter(pl.col("fix") != SETUP) if "fix" in outcomes.columns else outcomes
    for (category,), group in judged.group_by("category", maintain_order=True):
        kernels = [k for k in group["measured_kernel"].to_list() if k is not None and k > 0]
        geo = math.exp(sum(math.log(k) for k in kernels) / len(kernels)) if kernels else None
        rows.append(
            {
                "category": category,
                "assumed_kernel": speedups.get(str(category)),
                "measured_kernel": geo,
                "targets": group.height,
                "removed": group.height - len(kernels),
            }
        )
    return pl.DataFrame(rows, schema=CALIBRATION_SCHEMA).sort("category")


def outcome_tables(outcomes: pl.DataFrame) -> list[Table]:
    """The `targets` and `calibration` tables of a comparison (none when nothing was measured)."""
    if not outcomes.height:
        return []
    speedups = load_rules().speedups
    target_note = (
        "Every optimization target of the BEFORE run (`rbprofile analyze BEFORE --targets`): "
        "predicted_speedup is its Amdahl estimate of the whole profiled run; before/after_owned_s "
        "the time it owned in each cProfile profile (its own time plus the library work it "
        "triggers); moved_to: the new functions AFTER that took over the work of a target that "
        "no longer exists (same module or a shared caller; they stand in for it); "
        "measured_kernel = before/after (empty: removed); measured_speedup = "
        "1 / ((1 - p) + p * after/before), p its owned share before. held: measured gain "
        "(speedup - 1) within a factor 2 of the predicted gain; "
        "beaten: above; missed: below; no gain: none. The run-time verdict above, from the "
        "unprofiled timing repeats, is the ground truth; these rows attribute it."
    )
    calib_note = (
        "Assumed kernel speedups (the rules' [speedup] table, used by --targets) against the "
        "geometric mean of the measured before/after owned-time ratios of the category's "
        "targets (one-time setup left out: no kernel speedup applies to it); removed = targets "
        "with no owned time left (not in the mean). A round of Python rewrites measures what "
        "those rewrites gave, not a compiled kernel: until a compiled round is measured the "
        "assumed factors stay assumptions."
    )
    return [
        Table("targets", "Targets: predicted against measured", outcomes, (target_note,), FORMATS),
        Table(
            "calibration",
            "Kernel speedups: assumed against measured",
            calibration(outcomes, speedups),
            (calib_note,),
            FORMATS,
        ),
    ]
