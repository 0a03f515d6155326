"""No import cycles among the modules of rbprofile and rustybt, nor among their subpackages.

Every import counts (module level and inside functions), except those under
`if TYPE_CHECKING:`, which never run. rustybt never imports rbprofile.
"""

from __future__ import annotations

import ast
import graphlib
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGES = {"rbprofile": ROOT / "src" / "rbprofile", "rustybt": ROOT / "rustybt"}


def _modules() -> dict[str, Path]:
    found = {}
    for top, base in PACKAGES.items():
        for path in base.rglob("*.py"):
            parts = [top, *path.relative_to(base).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", 0) in skip:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        else:
            continue
        out.update(t for t in targets if t in known and t != name)
    return out


def graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _group(module: str) -> str:
    """rbprofile.analysis.hotspots -> rbprofile.analysis; rbprofile.errors -> rbprofile.errors."""
    return ".".join(module.split(".")[:2])


def test_the_graph_sees_real_imports() -> None:
    edges = graph()
    assert "rbprofile.rundir.run" in edges["rbprofile.views.analyze"]
    assert "rbprofile.errors" in edges["rbprofile.rundir.jsonfile"]
    assert len(edges) > 100


def test_no_module_import_cycles() -> None:
    try:
        graphlib.TopologicalSorter(graph()).prepare()
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


def test_no_subpackage_import_cycles() -> None:
    packages: dict[str, set[str]] = defaultdict(set)
    for module, imported in graph().items():
        packages[_group(module)].update(_group(m) for m in imported if _group(m) != _group(module))
    try:
        graphlib.TopologicalSorter(packages).prepare()
    except graphlib.CycleError as exc:
        pytest.fail(f"subpackage cycle: {' -> '.join(exc.args[1])}")


def test_rustybt_never_imports_rbprofile() -> None:
    offenders = {
        m: sorted(i for i in imported if i.startswith("rbprofile"))
        for m, imported in graph().items()
        if m.startswith("rustybt")
    }
    assert {m: i for m, i in offenders.items() if i} == {}
