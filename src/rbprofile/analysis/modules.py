"""File path -> module, module depth, and the module-level tables.

ModuleResolver().resolve(file) -> ModuleInfo(name, kind)
    kind: "local" (found by walking up __init__.py or under a sys.path entry),
    "stdlib", "third-party" (site-/dist-packages), "builtin", "native", "unknown".
module_at_depth(module, project, depth) -> str
    project subpackages cut at `depth` (`--depth 3`: rustybt.finance.decimal);
    everything else by its top-level package (polars, decimal, builtins).
module_self_table(functions, total_s, project, depth) -> pl.DataFrame
    module, kind, functions, self_s, share; shares sum to 1.
module_inclusive_table(samples, project, depth) -> pl.DataFrame
    module, samples, inclusive (share of samples whose stack contains it), self, self_share.
"""

from __future__ import annotations

import re
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path, PurePath

import polars as pl

from rbprofile.analysis.samples import Samples, sample_counts

_SITE_MARKERS = ("site-packages", "dist-packages")
_STDLIB_DIR = re.compile(r"[/\\]lib[/\\]python\d+(?:\.\d+)?t?[/\\]")
_NATIVE_LIB = re.compile(
    r"^([A-Za-z_][A-Za-z0-9_\-]*?)(?:[\d.\-]*)(?:\.cpython.*)?\.(?:so|dylib|dll|pyd)"
)
_DECIMAL_NATIVE = ("_decimal", "libmpdec")
CYTHON_SOURCES = (".pyx", ".pxi")


@dataclass(frozen=True)
class ModuleInfo:
    name: str
    kind: str


def _dotted(parts: tuple[str, ...]) -> str:
    names = [*parts[:-1], PurePath(parts[-1]).stem]
    if names and names[-1] == "__init__":
        names.pop()
    return ".".join(names)


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def stdlib_kind(module: str) -> str:
    """ "builtin" for `builtins`, "stdlib" for standard-library modules, else "third-party"."""
    top = _top(module)
    if top == "builtins":
        return "builtin"
    if top in sys.stdlib_module_names:
        return "stdlib"
    return "third-party"


class ModuleResolver:
    """Cached path -> module resolution (pattern: memray's ModuleResolver)."""

    def __init__(self, search_path: list[str] | None = None) -> None:
        entries = sys.path if search_path is None else search_path
        roots = [Path(p).resolve() for p in entries if p]
        self._roots = sorted({r for r in roots if r.is_dir()}, key=lambda p: -len(p.parts))
        self._stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
        self._stdlib_prefix = sysconfig.get_paths()["stdlib"].rstrip("/\\") + "/"
        self._cache: dict[str, ModuleInfo] = {}

    def resolve(self, file: str) -> ModuleInfo:
        info = self._cache.get(file)
        if info is None:
            info = self._resolve(file)
            self._cache[file] = info
        return info

    def _resolve(self, file: str) -> ModuleInfo:
        if file.startswith("<frozen "):
            name = file[len("<frozen ") : -1]
            return ModuleInfo(name, stdlib_kind(name))
        if file.startswith("<") or not file:
            return ModuleInfo(file or "<unknown>", "unknown")
        if not file.endswith((".py", ".pyw", *CYTHON_SOURCES)):
            return self._native(file)
        parts = PurePath(file).parts
        for marker in _SITE_MARKERS:
            if marker in parts:
                rest = parts[len(parts) - parts[::-1].index(marker) :]
                return ModuleInfo(_dotted(rest), "third-party")
        return self._python(file, parts)

    def _python(self, file: str, parts: tuple[str, ...]) -> ModuleInfo:
        if file.startswith(self._stdlib_prefix):
            return ModuleInfo(_dotted(PurePath(file[len(self._stdlib_prefix) :]).parts), "stdlib")
        if _STDLIB_DIR.search(file):  # another interpreter's standard library
            tail = _STDLIB_DIR.split(file)[-1]
            return ModuleInfo(_dotted(PurePath(tail).parts), "stdlib")
        path = Path(file)
        if path.exists():
            path = path.resolve()
            if path.is_relative_to(self._stdlib):
                return ModuleInfo(_dotted(path.relative_to(self._stdlib).parts), "stdlib")
            return ModuleInfo(self._walk_up(path), "local")
        if not path.is_absolute():
            # py-spy's short file names are already relative to a sys.path entry; Cython
            # records a .pyx by the path it was compiled from (`src/zipline/_protocol.pyx`).
            if file.endswith(CYTHON_SOURCES) and len(parts) > 2 and parts[0] == "src":
                parts = parts[1:]
            name = _dotted(parts)
            return ModuleInfo(
                name, stdlib_kind(name) if _top(name) in sys.stdlib_module_names else "local"
            )
        return ModuleInfo(path.stem, "unknown")

    def _walk_up(self, path: Path) -> str:
        names = [path.stem] if path.stem != "__init__" else []
        parent = path.parent
        while (parent / "__init__.py").exists():
            names.insert(0, parent.name)
            parent = parent.parent
        if len(names) > 1 or parent in self._roots:
            return ".".join(names)
        for root in self._roots:
            if path.is_relative_to(root):
                return _dotted(path.relative_to(root).parts)
        return ".".join(names) or path.parent.name

    @staticmethod
    def _native(file: str) -> ModuleInfo:
        parts = PurePath(file).parts
        if any(p in _DECIMAL_NATIVE for p in parts):
            return ModuleInfo("decimal", "stdlib")
        base = PurePath(file.split(":", 1)[0]).name
        match = _NATIVE_LIB.match(base)
        stem = match.group(1) if match else PurePath(base).stem or base
        for marker in _SITE_MARKERS:
            if marker in parts:
                i = len(parts) - parts[::-1].index(marker)
                if i < len(parts):
                    top = _top(parts[i])
                    if top.startswith("_polars"):
                        return ModuleInfo("polars", "third-party")
                    # an extension module keeps its dotted name (zipline.lib._windowtemplate)
                    inner = [*parts[i:-1], stem] if match and i < len(parts) - 1 else [top]
                    return ModuleInfo(".".join(inner), "third-party")
        path = Path(file)
        if match and path.is_absolute() and (path.parent / "__init__.py").exists():
            package = _package_of(path.parent)
            return ModuleInfo(f"{package}.{stem}", "local")  # a project's own extension
        return ModuleInfo(f"<native {stem}>", "native")


def _package_of(directory: Path) -> str:
    """The dotted package a directory holding __init__.py is (walking up its parents)."""
    names = [directory.name]
    parent = directory.parent
    while (parent / "__init__.py").exists():
        names.insert(0, parent.name)
        parent = parent.parent
    return ".".join(names)


def module_at_depth(module: str, project: str, depth: int) -> str:
    """Project modules cut at `depth` dotted parts; other modules by top-level package."""
    if module.startswith("<"):
        return module
    parts = module.split(".")
    if parts[0] == project:
        return ".".join(parts[: max(depth, 1)])
    return parts[0]


def in_project(module: str, project: str) -> bool:
    return module == project or module.startswith(project + ".")


def _kind(module: str, file: str, project: str, resolver: ModuleResolver) -> str:
    if in_project(module, project):
        return "project"
    if file == "~":
        return stdlib_kind(module)
    return resolver.resolve(file).kind


def module_self_table(
    functions: pl.DataFrame,
    project: str,
    depth: int,
    resolver: ModuleResolver | None = None,
) -> pl.DataFrame:
    """Self time summed by module (project at `depth`, others by top-level package).

    Columns: module, kind, functions, self_s, share. Shares sum to 1 because pstats'
    total time is the sum of every function's self time.
    """
    resolver = resolver or ModuleResolver()
    pairs = functions.select("module", "file").unique()
    labels = pairs.with_columns(
        pl.Series(
            "group",
            [module_at_depth(m, project, depth) for m in pairs["module"]],
            dtype=pl.String,
        ),
        pl.Series(
            "kind",
            [_kind(m, f, project, resolver) for m, f in pairs.iter_rows()],
            dtype=pl.String,
        ),
    )
    labelled = functions.join(labels, on=["module", "file"], how="left", nulls_equal=True)
    total = float(labelled["self_s"].sum()) or 1.0
    return (
        labelled.group_by("group")
        .agg(
            pl.col("kind").mode().first().alias("kind"),
            pl.len().cast(pl.Int64).alias("functions"),
            pl.col("self_s").sum(),
        )
        .with_columns((pl.col("self_s") / total).alias("share"))
        .rename({"group": "module"})
        .sort(["self_s", "module"], descending=[True, False])
    )


def module_inclusive_table(samples: Samples, project: str, depth: int) -> pl.DataFrame:
    """Per module: the share of samples whose stack contains it (inclusive) and the share
    whose leaf frame is in it (self). Self shares sum to 1; inclusive shares do not."""
    modules = samples.frames["module"].unique().to_list()
    groups = {m: module_at_depth(m, project, depth) for m in modules}
    frames = samples.frames.with_columns(
        pl.col("module").replace_strict(groups, return_dtype=pl.String)
    )
    total = samples.total or 1
    return (
        sample_counts(frames, "module", own=pl.col("leaf"))
        .select(
            "module",
            "inclusive_samples",
            (pl.col("inclusive_samples") / total).alias("inclusive_share"),
            "self_samples",
            (pl.col("self_samples") / total).alias("self_share"),
        )
        .sort(["inclusive_samples", "module"], descending=[True, False])
    )
