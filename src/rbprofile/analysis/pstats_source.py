"""Load any cProfile `.pstats` file into Polars tables.

    load_pstats(path, resolver=None) -> CProfile
    CProfile.functions  FUNCTIONS_SCHEMA rows (category and owner left null; one repeat), one
                        per function;
                        key = "module:qualname", unique (a rare clash gets "#2", "#3" by line)
    CProfile.edges      caller_key, callee_key, ncalls, primcalls, self_s, cum_s: the callee's
                        calls and times when called from that caller (pstats' caller table)
    CProfile.total_s    the profile's real total (pstats `total_tt`), never a sum of cum times
    CProfile.path       the file read

Built-ins resolve to their owner module: `<method 'quantize' of 'decimal.Decimal' objects>`
-> decimal:Decimal.quantize, `<built-in method builtins.len>` -> builtins:len,
`<method 'append' of 'list' objects>` -> builtins:list.append, polars' Rust classes
(`<method 'collect' of 'builtins.PyLazyFrame' objects>`) -> polars. A corrupt, empty or
truncated file raises RbprofileError naming the file.
"""

from __future__ import annotations

import marshal
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from rbprofile.analysis.modules import ModuleInfo, ModuleResolver, stdlib_kind
from rbprofile.analysis.qualnames import QualnameIndex
from rbprofile.analysis.sourcepaths import SourceMap
from rbprofile.errors import RbprofileError
from rbprofile.schema import FUNCTIONS_SCHEMA

EDGES_SCHEMA = pl.Schema(
    {
        "caller_key": pl.String,
        "callee_key": pl.String,
        "ncalls": pl.Int64,
        "primcalls": pl.Int64,
        "self_s": pl.Float64,
        "cum_s": pl.Float64,
    }
)

_METHOD = re.compile(r"^<method '(?P<meth>[^']+)' of '(?P<owner>[^']+)' objects>$")
_BUILTIN = re.compile(r"^<built-in method (?P<name>[^ >]+)(?: of (?P<rest>.+?))?>$")
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")

Func = tuple[str, int, str]
_UNSET = (None, None, None)  # category, decided_by, owner: decided at record time


def _one_repeat(times: tuple[float, float]) -> tuple[list[float], list[float]]:
    """self_s_repeats, cum_s_repeats of a single profile: one repeat."""
    return [times[0]], [times[1]]


@dataclass(frozen=True)
class CProfile:
    path: Path
    functions: pl.DataFrame
    edges: pl.DataFrame
    total_s: float


# pyo3 classes report their module as `builtins`; these belong to polars.
_POLARS_TYPES = frozenset(
    {"PyDataFrame", "PyLazyFrame", "PySeries", "PyExpr", "PyLazyGroupBy", "PyInProcessQuery"}
)


def _split_owner(owner: str) -> tuple[str, str]:
    """'decimal.Decimal' -> ('decimal', 'Decimal'); 'list' -> ('builtins', 'list')."""
    module, _, cls = owner.rpartition(".")
    if module in ("", "builtins") and cls in _POLARS_TYPES:
        return "polars", cls
    return (module or "builtins"), cls


def builtin_identity(name: str) -> tuple[str, str]:
    """(module, qualname) of a C function as cProfile names it."""
    name = _ADDRESS.sub("", name)
    match = _METHOD.match(name)
    if match:
        module, cls = _split_owner(match["owner"])
        return module, f"{cls}.{match['meth']}"
    match = _BUILTIN.match(name)
    if match:
        rest = match["rest"]
        if rest:  # "<built-in method __new__ of type object>"
            owner = rest.removesuffix(" object")
            return "builtins", f"{owner}.{match['name']}"
        module, _, func = match["name"].rpartition(".")
        return (module or "builtins"), func
    return "builtins", name.strip("<>{}")


def _read_stats(path: Path) -> dict[Func, tuple]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RbprofileError(f"{path}: cannot read ({exc.strerror}); check the path.") from exc
    if not data:
        raise RbprofileError(f"{path}: empty file; re-run the profiler to produce a .pstats file.")
    try:
        stats = marshal.loads(data)
    except (EOFError, ValueError, TypeError) as exc:
        raise RbprofileError(
            f"{path}: not a readable .pstats file (corrupt or truncated); re-run the profiler."
        ) from exc
    if not isinstance(stats, dict) or not all(
        isinstance(k, tuple) and len(k) == 3 and isinstance(v, tuple) and len(v) == 5
        for k, v in stats.items()
    ):
        raise RbprofileError(
            f"{path}: not a cProfile .pstats dump; pass a file written by cProfile."
        )
    return stats


class _Namer:
    """pstats function labels -> (key, module info, qualname)."""

    def __init__(self, resolver: ModuleResolver) -> None:
        self.resolver = resolver
        self.qualnames = QualnameIndex()
        self.sources = SourceMap()

    def identify(self, func: Func) -> tuple[ModuleInfo, str]:
        file, line, name = func
        if file == "~" and line == 0:
            module, qualname = builtin_identity(name)
            return ModuleInfo(module, stdlib_kind(module)), qualname
        local = self.sources.local(file)  # recorded elsewhere: this environment's copy
        info = self.resolver.resolve(local)
        return info, self.qualnames.qualname(local, name, line, is_def_line=True)


def _keys(stats: dict[Func, tuple], namer: _Namer) -> tuple[dict[Func, str], list[tuple]]:
    rows: list[tuple] = []
    seen: dict[str, int] = {}
    keys: dict[Func, str] = {}
    for func in sorted(stats, key=lambda f: (f[0], f[1], f[2])):
        info, qualname = namer.identify(func)
        key = f"{info.name}:{qualname}"
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key = f"{key}#{seen[key]}"
        keys[func] = key
        cc, nc, tt, ct, _ = stats[func]
        file, line, _name = func
        times = (float(tt), float(ct))
        rows.append(
            (key, info.name, qualname, file, line, nc, cc, *times, *_UNSET, *_one_repeat(times))
        )
    return keys, rows


def _edge_rows(stats: dict[Func, tuple], keys: dict[Func, str]) -> list[tuple]:
    rows: list[tuple] = []
    for callee, (_cc, _nc, _tt, _ct, callers) in stats.items():
        for caller, value in callers.items():
            if caller not in keys:
                continue
            if isinstance(value, tuple):  # cProfile: (total calls, primitive calls, tt, ct)
                nc, cc, tt, ct = value
            else:  # the pure-Python `profile` module records a call count only
                nc, cc, tt, ct = value, value, 0.0, 0.0
            rows.append((keys[caller], keys[callee], nc, cc, float(tt), float(ct)))
    return rows


def load_pstats(path: Path, resolver: ModuleResolver | None = None) -> CProfile:
    """Read `path` (any cProfile dump) into a `CProfile` value."""
    path = Path(path)
    stats = _read_stats(path)
    if not stats:
        raise RbprofileError(
            f"{path}: the profile holds no functions; profile a program that runs."
        )
    keys, rows = _keys(stats, _Namer(resolver or ModuleResolver()))
    functions = pl.DataFrame(rows, schema=FUNCTIONS_SCHEMA, orient="row")
    edges = pl.DataFrame(_edge_rows(stats, keys), schema=EDGES_SCHEMA, orient="row")
    total = sum(float(v[2]) for v in stats.values())
    return CProfile(path=path, functions=functions, edges=edges, total_s=total)
