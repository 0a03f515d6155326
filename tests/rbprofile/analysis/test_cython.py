"""Cython code keeps its package's module name, with the same key in cProfile and py-spy.

A small Cython module `cypkg/_fast.pyx` (compiled with profiling on, from a `src/` layout as
zipline's are) is built in the test with the machine's C compiler, run under the real cProfile
and the real py-spy (--native), and both profiles must name its functions `cypkg._fast:...`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rbprofile.analysis.categories import sampled_functions
from rbprofile.analysis.modules import ModuleResolver
from rbprofile.analysis.pstats_source import load_pstats
from rbprofile.analysis.pyspy_source import load_pyspy

pytest.importorskip("Cython", reason="Cython is in the dev extra")
PY_SPY = Path(sys.executable).with_name("py-spy")

PYX = """# cython: profile=True
# cython: language_level=3
def dot(n):
    cdef double total = 0
    cdef long i
    for i in range(n):
        total += i * 0.5
    return total

def outer(reps, n):
    s = 0.0
    for _ in range(reps):
        s += dot(n)
    return s
"""
SETUP = """from setuptools import setup
from Cython.Build import cythonize
setup(ext_modules=cythonize("src/cypkg/_fast.pyx", quiet=True))
"""
PROG = """import cProfile, sys
from cypkg._fast import outer
if sys.argv[1:] == ["profile"]:
    cProfile.run("outer(400, 20000)", "cy.pstats")
else:
    outer(60000, 20000)  # ~1 s: a few hundred samples at 250 Hz, imports a few of them
"""


@pytest.fixture(scope="module")
def cython_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cython")
    (root / "src" / "cypkg").mkdir(parents=True)
    (root / "src" / "cypkg" / "__init__.py").write_text("")
    (root / "src" / "cypkg" / "_fast.pyx").write_text(PYX)
    (root / "setup.py").write_text(SETUP)
    (root / "prog.py").write_text(PROG)
    subprocess.run(
        [sys.executable, "setup.py", "build_ext", "--build-lib", "src", "-q"],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip
    return root


def _env(root: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(root / "src")}


@pytest.mark.slow
def test_cython_functions_have_the_package_module_in_both_profilers(cython_project: Path) -> None:
    root = cython_project
    subprocess.run([sys.executable, "prog.py", "profile"], cwd=root, env=_env(root), check=True)
    out = root / "cy.collapsed.txt"
    command = [
        str(PY_SPY), "record", "--native", "--format", "raw", "--full-filenames", "--rate", "250",
        "--output", str(out), "--", sys.executable, "prog.py",
    ]  # fmt: skip
    subprocess.run(command, cwd=root, env=_env(root), check=True, capture_output=True)
    cprofile_keys = set(load_pstats(root / "cy.pstats").functions["key"])
    assert {"cypkg._fast:dot", "cypkg._fast:outer"} <= cprofile_keys
    assert not any(k.startswith("src.") for k in cprofile_keys)
    sampled = sampled_functions(load_pyspy(out))
    top = sampled.sort("self_s", descending=True).row(0, named=True)
    assert (top["key"], top["module"]) == ("cypkg._fast:dot", "cypkg._fast")
    assert top["self_s"] >= 0.8 * sampled["self_s"].sum()  # the loop is in dot


def test_compiled_extension_paths_keep_their_dotted_module(tmp_path: Path) -> None:
    resolver = ModuleResolver(search_path=[])
    site = "/v/lib/python3.11/site-packages"
    assert resolver.resolve("src/zipline/_protocol.pyx").name == "zipline._protocol"
    so = f"{site}/zipline/lib/_windowtemplate.cpython-311-x86_64-linux-gnu.so"
    assert resolver.resolve(so).name == "zipline.lib._windowtemplate"
    assert resolver.resolve(f"{site}/polars/_polars.abi3.so").name == "polars"
    assert resolver.resolve("/usr/lib/libc.so.6").name == "<native libc>"
    package = tmp_path / "proj" / "ext"
    package.mkdir(parents=True)
    (tmp_path / "proj" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    local = package / "_kernel.cpython-311-x86_64-linux-gnu.so"
    local.write_bytes(b"")
    assert resolver.resolve(str(local)).name == "proj.ext._kernel"
