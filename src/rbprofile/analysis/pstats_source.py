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
truncated file raises RbprofileError naming the file, as does one whose entries do not have
pstats' types (keys `(file, line, name)`, counts and finite times, a callers table
of 4-tuples or counts) or that measured no time: the same rule as a py-spy file with no samples.
"""

from __future__ import annotations

import marshal
import math
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


def _by_columns(rows: list[tuple], schema: pl.Schema, names: list[str]) -> pl.DataFrame:
    """The frame of `rows` (cells of the columns `names` of `schema`), built column by
    column: ~10x faster than `orient="row"` for a whole-process profile's 10,000s of rows."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return pl.DataFrame(
        [pl.Series(n, c, dtype=schema[n]) for n, c in zip(names, columns, strict=True)]
    )


def _functions_frame(rows: list[tuple]) -> pl.DataFrame:
    """FUNCTIONS_SCHEMA from rows of its columns up to `owner`; the repeats of a single
    profile are one repeat each."""
    frame = _by_columns(rows, FUNCTIONS_SCHEMA, list(FUNCTIONS_SCHEMA)[:-2])
    return frame.with_columns(
        pl.concat_list("self_s").alias("self_s_repeats"),
        pl.concat_list("cum_s").alias("cum_s_repeats"),
    )


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
    if not isinstance(stats, dict):
        raise RbprofileError(
            f"{path}: not a cProfile .pstats dump; pass a file written by cProfile."
        )
    for func, entry in stats.items():
        problem = _entry_problem(func, entry)
        if problem is not None:
            raise RbprofileError(
                f"{path}: not a cProfile .pstats dump ({problem} in entry {_short(func)}); "
                "pass a file written by cProfile."
            )
    return stats


# pstats' layout: {(file, line, name): (primitive calls, calls, self s, cumulative s, callers)},
# callers {(file, line, name): (calls, primitive calls, self s, cumulative s)} (cProfile) or
# {(file, line, name): calls} (the pure-Python `profile` module). Counts fit Int64.
_MAX_COUNT = 2**63 - 1


def _entry_problem(func: object, entry: object) -> str | None:
    """What is wrong with one pstats entry, or None."""
    if not _is_func(func):
        return "a key that is not (file, line, function name)"
    if not isinstance(entry, tuple) or len(entry) != 5:
        return "a value that is not (calls, primitive calls, self, cumulative, callers)"
    cc, nc, tt, ct, callers = entry
    if not (_is_count(cc) and _is_count(nc)):
        return (
            f"call counts {_short(cc)}, {_short(nc)} that are not whole numbers from 0 to 2**63-1"
        )
    if not (_is_time(tt) and _is_time(ct)):
        return f"times {_short(tt)}, {_short(ct)} that are not finite numbers"
    if not isinstance(callers, dict):
        return "callers that are not a table"
    for caller, value in callers.items():
        if not _is_func(caller):
            return "a caller that is not (file, line, function name)"
        if isinstance(value, tuple):
            if len(value) != 4 or not (
                _is_count(value[0])
                and _is_count(value[1])
                and _is_time(value[2])
                and _is_time(value[3])
            ):
                return "a caller edge that is not (calls, primitive calls, self, cumulative)"
        elif not _is_count(value):
            return "a caller edge that is not a call count"
    return None


def _is_func(value: object) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 3
        and isinstance(value[0], str)
        and _is_count(value[1])
        and isinstance(value[2], str)
    )


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_COUNT


def _is_time(value: object) -> bool:
    """A finite number of seconds (the `profile` module's calibration can make one negative)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


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
        rows.append((key, info.name, qualname, file, line, nc, cc, float(tt), float(ct), *_UNSET))
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
    total = sum(float(v[2]) for v in stats.values())
    if not total > 0:
        raise RbprofileError(
            f"{path}: the profile measured no time (every function 0 s); profile a program "
            "that runs."
        )
    keys, rows = _keys(stats, _Namer(resolver or ModuleResolver()))
    functions = _functions_frame(rows)
    edges = _by_columns(_edge_rows(stats, keys), EDGES_SCHEMA, list(EDGES_SCHEMA))
    return CProfile(path=path, functions=functions, edges=edges, total_s=total)
