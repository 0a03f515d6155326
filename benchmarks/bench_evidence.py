"""Is the py-spy evidence enough to trust? Two independent recordings of the same code.

`rbprofile run all --profiler cprofile,pyspy` is recorded twice (labels A and B, a scratch
profiles directory; about 2 x 7 minutes on a 2-core machine at the default 20,000 samples),
then per scenario:

- samples: py-spy samples under the measured call (`run_algorithm`) in A and B; target >= 2000
- self_rho_ab: Spearman's rho of the py-spy self shares of A vs B over the union of both
  top-20 lists (a function missing from one side counts 0 there); target >= 0.9
- cprofile_pyspy_rho: the cross-check's rho (cProfile vs py-spy, functions inflated by
  cProfile's per-call cost left out) in A and B; target >= 0.7; `_all`: with them
- excluded: how many functions the cross-check left out as inflated
- noise_rho_N (and _p10): the median (10th percentile) of that rho between two multinomial
  draws of N samples from A's self shares (rbprofile.analysis.rank_stability): what sampling
  noise alone allows at N samples
- design_A / design_B: each run's design effect D (per-run counts' variance over the
  binomial's, `Run.sampling_design`); noise_rho_effective: noise_rho at A's samples / D_A, what
  noise allows once the samples' measured correlation is counted
- samples_for_0.9: the samples (A's design effect counted) at which the noise-only rho's
  median reaches the 0.9 target (None: more than `rank_stability.GRID` holds): what the
  ranking target costs on this scenario, at py-spy's 100 Hz about `samples / 180` seconds of
  two children (the report's py-spy evidence table shows the same figures for every run)
- load: the 1-minute load average before and after (a shared machine slows everything)

`RBPROFILE_EVIDENCE_DIR=DIR` reuses recordings already in DIR (labels A and B) instead.
`RBPROFILE_EVIDENCE_SAMPLES=N` records with `--samples N` (default: `run`'s own default), with a
sampling budget that lets N be reached.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rbprofile.analysis.crosscheck import crosscheck, pyspy_self_shares
from rbprofile.analysis.rank_stability import effective, noise_rho, samples_for, top_rho
from rbprofile.rundir.locate import locate

SCENARIOS = ("daily", "hourly", "minute")
LABELS = ("A", "B")
NOISE_SAMPLES = (3000, 6000)  # sample counts the noise-only rho is computed for
SAMPLES_ENV = "RBPROFILE_EVIDENCE_SAMPLES"


def sampling_args(environ: dict[str, str] | os._Environ[str]) -> list[str]:
    """`--samples N` and a budget of a second per 100 samples (twice what two children need)
    when `SAMPLES_ENV` asks for N; nothing (run's defaults) otherwise."""
    wanted = environ.get(SAMPLES_ENV)
    if not wanted:
        return []
    n = int(wanted)
    return ["--samples", str(n), "--sample-budget", str(max(60, n // 100))]


def record(profiles: Path) -> dict[str, float]:
    walls = {}
    for label in LABELS:
        cmd = [sys.executable, "-m", "rbprofile", "run", "all", "--profiler", "cprofile,pyspy"]
        cmd += ["--label", label, "--profiles-dir", str(profiles), "--force"]
        cmd += sampling_args(os.environ)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        walls[label] = time.perf_counter() - start
    return walls


def evaluate(profiles: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for scenario in SCENARIOS:
        runs = [locate(label, scenario, profiles) for label in LABELS]
        samples = [r.samples for r in runs]
        row: dict[str, object] = {"scenario": scenario}
        for label, run, s in zip(LABELS, runs, samples, strict=True):
            row[f"samples_{label}"] = None if s is None else s.total
            check = crosscheck(run.cprofile, s) if run.cprofile and s else None
            row[f"cprofile_pyspy_rho_{label}"] = check.rho if check else None
            row[f"cprofile_pyspy_rho_all_{label}"] = check.rho_all if check else None
            row[f"excluded_{label}"] = len(check.excluded) if check else None
        for label, run in zip(LABELS, runs, strict=True):
            row[f"design_{label}"] = round(run.sampling_design, 3)
        if all(s is not None for s in samples):
            a, b = (pyspy_self_shares(s) for s in samples if s is not None)
            row["self_rho_ab"] = top_rho(a, b)
            n_a = effective(samples[0].total if samples[0] else 0, runs[0].sampling_design)
            row["noise_rho_effective"] = round(noise_rho(a, n_a)[0], 3)
            for n in NOISE_SAMPLES:  # the same figure from sampling noise alone, at n samples
                median, p10 = noise_rho(a, n)
                row[f"noise_rho_{n}"] = round(median, 3)
                row[f"noise_rho_{n}_p10"] = round(p10, 3)
            row["samples_for_0.9"] = samples_for(a, runs[0].sampling_design)
        rows.append(row)
    return rows


def main() -> list[dict[str, object]]:
    given = os.environ.get("RBPROFILE_EVIDENCE_DIR")
    load_before = os.getloadavg()[0]
    if given:
        rows = evaluate(Path(given))
        walls: dict[str, float] = {}
    else:
        with tempfile.TemporaryDirectory(prefix="rbprofile-evidence-") as tmp:
            walls = record(Path(tmp))
            rows = evaluate(Path(tmp))
    load_after = os.getloadavg()[0]
    for row in rows:
        row |= {f"record_wall_s_{k}": v for k, v in walls.items()}
        row |= {"load_before": load_before, "load_after": load_after}
    return rows
