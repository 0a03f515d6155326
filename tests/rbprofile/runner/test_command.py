"""`run -- COMMAND`: which commands are Python programs, their names, --root, the child argv."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from rbprofile.errors import RbprofileError
from rbprofile.runner.childspec import COMMAND_CHILD_MODULE, CommandSpec
from rbprofile.runner.command import other_interpreter, parse_command, parse_root


@pytest.fixture
def script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my_backtest.py").write_text("print('hi')\n")
    return "my_backtest.py"


def test_a_script_under_python_is_named_by_its_stem(script: str) -> None:
    program = parse_command(["python3", script, "--fast", "-n", "3"])
    assert (program.kind, program.target, program.args) == ("path", script, ("--fast", "-n", "3"))
    assert (program.name, program.package) == ("my_backtest", "my_backtest")


def test_a_bare_script_means_the_current_interpreter(script: str) -> None:
    program = parse_command([script, "--fast"])
    assert (program.kind, program.target, program.args) == ("path", script, ("--fast",))


def test_a_module_is_named_by_its_last_component() -> None:
    program = parse_command([sys.executable, "-m", "pkg.engine.cli", "run", "--x"])
    assert (program.kind, program.target, program.args) == (
        "module",
        "pkg.engine.cli",
        ("run", "--x"),
    )
    assert (program.name, program.package) == ("cli", "pkg")


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (["ls", "-l"], "'ls' is not a Python program"),
        (["python", "-X", "dev", "prog.py"], "interpreter options are not supported"),
        (["python"], "give a script or -m module"),
        (["python", "-m", "not a module"], "is not a module name"),
        (["python", "missing.py"], "script missing.py does not exist"),
        ([], "give the Python command after --"),
    ],
)
def test_what_is_not_a_python_program_is_refused(command: list[str], says: str) -> None:
    with pytest.raises(RbprofileError) as err:
        parse_command(command)
    assert says in err.value.message
    assert "\n" not in err.value.message and err.value.exit_code == 1


def test_root_is_module_colon_function() -> None:
    root = parse_root("pkg.mod:run")
    assert (root.module, root.function, root.package, str(root)) == (
        "pkg.mod",
        "run",
        "pkg",
        "pkg.mod:run",
    )
    for bad in ("pkg.mod", "pkg.mod:", ":run", "pkg mod:run", "pkg.mod:a.b"):
        with pytest.raises(RbprofileError, match="is not MODULE:FUNCTION"):
            parse_root(bad)


def test_the_command_child_gets_the_program_and_its_arguments_verbatim(script: str) -> None:
    program = parse_command(["python", script, "--out", "x y", "--mode", "plain"])
    argv = CommandSpec(program, parse_root("my_backtest:main")).argv("cprofile", Path("/o"))
    assert argv[:3] == [sys.executable, "-m", COMMAND_CHILD_MODULE]
    assert argv[argv.index("--mode") + 1] == "cprofile" and argv[argv.index("--out") + 1] == "/o"
    assert argv[argv.index("--script") + 1] == script
    assert json.loads(argv[argv.index("--program-args") + 1]) == ["--out", "x y", "--mode", "plain"]
    assert argv[-2:] == ["--root", "my_backtest:main"]
    assert CommandSpec.runs_per_child == 1


def test_another_interpreter_is_named(script: str, tmp_path: Path) -> None:
    assert other_interpreter(parse_command([sys.executable, script])) is None
    assert other_interpreter(parse_command([script])) is None
    elsewhere = tmp_path / "env" / "bin" / "python3"
    elsewhere.parent.mkdir(parents=True)
    elsewhere.write_text("#!/bin/sh\n")
    elsewhere.chmod(0o755)
    assert other_interpreter(parse_command([str(elsewhere), script])) == str(elsewhere)


def test_a_commands_measured_call_starts_after_a_full_collection(tmp_path: Path) -> None:
    """A reference cycle left by the program's start-up (automatic collection off, so only an
    explicit collection frees it) is gone when the measured call begins."""
    import gc
    import weakref

    from rbprofile.runner.cmdchild import Measurement

    class Node:
        me: object

    gc.disable()
    try:
        node = Node()
        node.me = node
        freed = weakref.ref(node)
        del node
        assert freed() is not None  # nothing collected it yet
        seen = Measurement("plain", tmp_path, mark=False).measure(lambda: freed() is None)
    finally:
        gc.enable()
    assert seen is True
