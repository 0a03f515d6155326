"""What the parent and a measured child (rbprofile.runner.child) agree on, standard library only
(both the runner and the profilers read it, and the child imports it before measuring).

    RESULT        the file a child writes into its `--out` directory
    RUN_MARKER    `rbprofile_run_<i>`: the frame a marked run i is called through
    repeat_args(repeats, seconds=None, mark=False) -> list[str]
        the child options that run the measured call `repeats` times (starting no further
        run once `seconds` passed since the first began), each through its marker frame when
        `mark`
"""

from __future__ import annotations

RESULT = "result.json"
RUN_MARKER = "rbprofile_run_"


def repeat_args(repeats: int, seconds: float | None = None, *, mark: bool = False) -> list[str]:
    args = ["--repeats", str(max(int(repeats), 1))]
    if seconds is not None:
        args += ["--repeat-seconds", f"{max(seconds, 0.0):.3f}"]
    return [*args, "--mark-runs"] if mark else args
