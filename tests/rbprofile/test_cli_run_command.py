"""`rbprofile run [OPTIONS] -- COMMAND...` through the CLI: refusals (one line, exit 1), the
help, and what the program sees (fast: timing only, a tiny program)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROG = """\
import json, sys
with open("seen.json", "w") as f:
    json.dump({"argv": sys.argv, "name": __name__, "path0": sys.path[0]}, f)
print("program output")
"""


@pytest.fixture
def prog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "prog.py"
    path.write_text(PROG)
    return path


def _refused(result, says: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and says in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["run", "--", "ls", "-l"], "'ls' is not a Python program"),
        (
            ["run", "daily", "--", "python", "prog.py"],
            "give either a SCENARIO ('daily') or a command",
        ),
        (["run", "--bundle", "daily", "--", "python", "prog.py"], "--bundle only apply to rustybt"),
        (["run", "--numeric", "float", "--", "prog.py"], "--numeric only apply to rustybt"),
        (["run", "daily", "--root", "prog:main"], "--root only apply to a command after --"),
        (["run", "daily", "--scenario", "x"], "--scenario only apply to a command after --"),
        (["run", "--root", "prog", "--", "python", "prog.py"], "is not MODULE:FUNCTION"),
        (["run", "--"], "give the Python command after --"),
    ],
)
def test_refusals_are_one_line(profiles: Path, prog: Path, cli, argv: list[str], says: str) -> None:
    _refused(cli(argv), says)
    assert not any(profiles.iterdir())


def test_scenario_name_is_validated_like_a_label(profiles: Path, prog: Path, cli) -> None:
    bad_label = cli(["run", "--label", "a/b", "--", "python", "prog.py"])
    bad_name = cli(["run", "--scenario", "a/b", "--", "python", "prog.py"])
    assert bad_name.exit_code == bad_label.exit_code != 0
    assert "a/b" in bad_name.stderr and "--scenario" in bad_name.stderr
    assert not any(profiles.iterdir())


def test_help_teaches_the_command_form(cli) -> None:
    result = cli(["run", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "rbprofile run --label before -- python my_backtest.py --fast" in text
    assert "--root" in text and "Usage: rbprofile run [OPTIONS] [target] [-- COMMAND...]" in text


def test_the_program_sees_its_own_argv_and_runs_as_main(profiles: Path, prog: Path, cli) -> None:
    argv = ["run", "--label", "x", "--profiler", "none", "--repeat", "1", "--scenario", "mine"]
    result = cli([*argv, "--", "python", "prog.py", "--help", "--", "-x"])
    assert result.exit_code == 0, result.output
    assert "program output" not in result.output  # it goes to the child's log
    seen = json.loads((prog.parent / "seen.json").read_text())
    assert seen == {
        "argv": [str(prog.resolve()), "--help", "--", "-x"],  # argv[0] absolute, as __file__
        "name": "__main__",
        "path0": str(prog.parent),
    }
    manifest = json.loads((profiles / "x" / "mine" / "manifest.json").read_text())
    assert manifest["scenario_params"]["command"] == ["python", "prog.py", "--help", "--", "-x"]
    assert manifest["project"] == "prog" and manifest["bundle"] is None
    timing = json.loads((profiles / "x" / "mine" / "timing.json").read_text())
    assert timing["repeats"] == 1 and timing["runs"][0]["run_wall_s"] > 0


def test_the_command_child_refuses_in_process_repeats(tmp_path: Path, prog: Path) -> None:
    cmd = [sys.executable, "-m", "rbprofile.runner.cmdchild", "--out", str(tmp_path / "o")]
    cmd += ["--script", "prog.py", "--repeats", "2"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=prog.parent, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("error: a command runs once per child (--repeats 1)")
    assert not (prog.parent / "seen.json").exists()


FAILING = """\
def step():
    raise ValueError("boom on purpose")


step()
"""


def test_a_failing_program_shows_its_own_traceback(profiles: Path, prog: Path, cli) -> None:
    (prog.parent / "failing.py").write_text(FAILING)
    result = cli(["run", "--label", "x", "--profiler", "none", "--repeat", "1", "--", "failing.py"])
    assert result.exit_code == 1 and result.stdout == ""
    assert "\nerror: the command failed (the child process exited with status 1" in result.stderr
    assert "the program raised ValueError: boom on purpose" in result.stderr
    tb = result.stderr[result.stderr.index("Traceback (program code):") :]
    assert 'failing.py", line 2, in step' in tb and 'failing.py", line 5, in <module>' in tb
    assert "cmdchild" not in tb and "runpy" not in tb
    assert not (profiles / "x" / "failing").exists()


def test_a_program_exit_status_fails_the_run(profiles: Path, prog: Path, cli) -> None:
    (prog.parent / "exits.py").write_text("import sys\n\nsys.exit(3)\n")
    (prog.parent / "ends.py").write_text("import sys\n\nsys.exit(0)\n")
    failed = cli(["run", "--label", "x", "--profiler", "none", "--repeat", "1", "--", "exits.py"])
    assert failed.exit_code == 1
    assert "the command exited with status 3" in failed.stderr
    ended = cli(["run", "--label", "x", "--profiler", "none", "--repeat", "1", "--", "ends.py"])
    assert ended.exit_code == 0, ended.output  # sys.exit(0) is a normal end
    assert (profiles / "x" / "ends" / "manifest.json").is_file()


def test_force_and_timeout_work_as_for_scenarios(profiles: Path, prog: Path, cli) -> None:
    argv = ["run", "--label", "x", "--profiler", "none", "--repeat", "1"]
    assert cli([*argv, "--", "prog.py"]).exit_code == 0
    again = cli([*argv, "--", "prog.py"])
    assert again.exit_code == 1 and "already exists" in again.stderr and "--force" in again.stderr
    assert cli([*argv, "--force", "--", "prog.py"]).exit_code == 0
    (prog.parent / "sleeps.py").write_text("import time\n\ntime.sleep(30)\n")
    stopped = cli([*argv, "--timeout", "1", "--", "python", "sleeps.py"])
    assert stopped.exit_code == 1
    assert (
        "sleeps timing: the child process ran longer than the --timeout limit of 1 s"
        in stopped.stderr
    )
    assert not (profiles / "x" / "sleeps").exists() and (profiles / "x" / "prog").is_dir()


def test_only_the_first_call_of_the_root_is_measured(profiles: Path, prog: Path, cli) -> None:
    (prog.parent / "thrice.py").write_text(
        "import time\n\n\ndef f(s):\n    time.sleep(s)\n\n\nf(0.3)\nf(0.0)\nf(0.0)\n"
    )
    argv = ["run", "--label", "x", "--profiler", "none", "--repeat", "1", "--root", "thrice:f"]
    result = cli([*argv, "--", "thrice.py"])
    assert result.exit_code == 0, result.output
    assert "--root thrice:f was called 3 times; only its first call is measured" in result.stderr
    timing = json.loads((profiles / "x" / "thrice" / "timing.json").read_text())
    assert timing["runs"][0]["run_wall_s"] >= 0.3


def test_a_strategy_path_without_bundle_points_at_the_command_form(
    profiles: Path, prog: Path, cli
) -> None:
    result = cli(["run", "prog.py"])
    assert result.exit_code == 1
    assert "`rbprofile run -- python prog.py`" in result.stderr


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (
            "import sys\n\n\ndef main():\n    sys.exit(0)\n\n\nmain()\n",
            "ended the program (sys.exit)",
        ),
        (
            "def main():\n    raise KeyError('k')\n\n\n"
            "try:\n    main()\nexcept KeyError:\n    pass\n",
            "raised KeyError: 'k' and the program caught it",
        ),
    ],
)
def test_a_root_that_does_not_return_fails_the_run(
    profiles: Path, prog: Path, cli, body: str, says: str
) -> None:
    (prog.parent / "quits.py").write_text(body)
    argv = ["run", "--label", "x", "--profiler", "none", "--repeat", "1", "--root", "quits:main"]
    result = cli([*argv, "--", "quits.py"])
    assert result.exit_code == 1
    assert f"--root quits:main {says}" in result.stderr
    assert not (profiles / "x" / "quits").exists()


def test_project_is_given_by_root_or_project(profiles: Path, prog: Path, cli) -> None:
    argv = ["run", "--profiler", "none", "--repeat", "1", "--root", "json:dumps"]
    (prog.parent / "dumps.py").write_text("import json\n\njson.dumps([1])\n")
    assert cli([*argv, "--label", "a", "--", "dumps.py"]).exit_code == 0
    assert cli([*argv, "--label", "b", "--project", "mine", "--", "dumps.py"]).exit_code == 0
    projects = [
        json.loads((profiles / label / "dumps" / "manifest.json").read_text())["project"]
        for label in "ab"
    ]
    assert projects == ["json", "mine"]
