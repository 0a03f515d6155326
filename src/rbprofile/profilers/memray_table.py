"""A memray capture -> one row per allocating function (MEMRAY_SCHEMA) and the run's totals.

    read_capture(path) -> (table, totals)

- total_bytes / total_count: every allocation of the run, charged to the innermost Python
  frame of its stack (memray's own statistics pass, exact; native allocations made on behalf
  of a Python call are charged to that call's Python line);
- peak_bytes / peak_count: what was still allocated at the run's high-water mark (memray's
  high-water-mark records), charged the same way; `peak_mmap_bytes` is the part of it mapped
  with mmap by arena allocators (pyarrow's mimalloc, Polars' jemalloc), which reserve address
  space that need not be resident;
- native: the native function the Python code called into (the first frame under it that is
  not the interpreter's call machinery: `ctx_create_decimal` in _decimal, a pyarrow or numpy
  entry point), the one holding the most bytes at the peak among the function's largest
  stacks; null when the memory was Python objects the interpreter allocated itself, and for
  functions outside the top NATIVE_ROWS by peak and by total (not resolved: symbolizing is
  slow).

Line numbers are resolved to the enclosing function (`QualnameIndex`), so a function's lines
are summed; `line` is its line that allocated the most. Allocations on threads with no Python
frame (native worker threads) form one row, `NO_PYTHON_FRAME`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from rbprofile.errors import RbprofileError
from rbprofile.schema import MEMRAY_SCHEMA

NO_PYTHON_FRAME = "(no Python frame: native threads)"
UNKNOWN = "<unknown>"  # memray's name for a frame it could not symbolize
MMAP = 14  # memray.AllocatorType.MMAP
NATIVE_ROWS = 20  # functions (by peak and by total) whose native frames are named
NATIVE_STACKS = 2  # of their largest stacks at the peak
Frame = tuple[str, str, int]  # (function, file, line), memray's stack element
Key = tuple[str, str, str]  # (qualified name, module, display file)
# CPython's own sources and call machinery: frames between Python code and the native code
# it called (debug builds name the file; stripped builds leave only the symbol).
_CORE_FILE = re.compile(r"^(\./)?(Objects|Python|Parser|Include)/|(^|/)Modules/gcmodule\.c$")
_CORE_SYMBOL = re.compile(
    r"^(_?Py(Object|Eval|Function|Vectorcall|_)|cfunction_|method_vectorcall|vectorcall|"
    r"trace_call|call_function|do_call_core|slot_tp_|type_call|object_vacall)"
    r"|.*pyo3.*trampoline"  # PyO3's entry glue in Rust extensions (Polars), mangled or not
)
_RUST_CRATE = re.compile(r"Cs[0-9A-Za-z]+_")  # a v0 crate root's disambiguator
_RUST_IDENT = re.compile(r"(\d+)_?")


@dataclass
class _Row:
    total_bytes: int = 0
    total_count: int = 0
    peak_bytes: int = 0
    peak_count: int = 0
    peak_mmap_bytes: int = 0
    lines: dict[int, int] = field(default_factory=dict)  # line -> bytes allocated
    native: dict[str, int] = field(default_factory=dict)  # native entry -> bytes at peak


def _core(frame: Frame) -> bool:
    return bool(_CORE_FILE.search(frame[1]) or _CORE_SYMBOL.match(frame[0]))


def native_entry(hybrid: list[Frame], python: Frame | None) -> str | None:
    """The first non-interpreter native frame under `python` in a hybrid (innermost-first)
    stack, as a short symbol; None when only the interpreter (or unnamed frames) sit between."""
    end = hybrid.index(python) if python is not None and python in hybrid else len(hybrid)
    for frame in reversed(hybrid[:end]):
        if frame[0] != UNKNOWN and not _core(frame):
            return short_symbol(frame[0])
    return None


def short_symbol(symbol: str) -> str:
    """`ns::f(args) [clone .lto_priv.0]` -> `ns::f`; Cython's `__pyx_pw_..._199array` kept;
    a Rust v0 mangled name (`_RNv...13polars_python7interop...`) -> its path `a::b::c`."""
    if symbol.startswith("_R"):
        return rust_path(symbol) or symbol
    return symbol.split("(", 1)[0].split(" [clone", 1)[0].strip() or symbol


def rust_path(symbol: str) -> str:
    """The length-prefixed identifiers of a Rust v0 mangled symbol, joined by `::` (a reading
    aid, not a full demangler: generic arguments come out as more path segments)."""
    text, out, i = _RUST_CRATE.sub("", symbol[2:]), [], 0
    while i < len(text):
        m = _RUST_IDENT.match(text, i)
        if m is None:
            i += 1
            continue
        size, start = int(m.group(1)), m.end()
        ident = text[start : start + size]
        if size and len(ident) == size and (ident[0].isalpha() or ident[0] == "_"):
            out.append(ident)
            i = start + size
        else:
            i = m.end()
    return "::".join(out)


class _Namer:
    """(name, file, line) of a Python frame -> (qualified name, module, display file)."""

    def __init__(self) -> None:
        from rbprofile.analysis.modules import ModuleResolver
        from rbprofile.analysis.qualnames import QualnameIndex

        self.modules = ModuleResolver()
        self.qualnames = QualnameIndex()
        self._cache: dict[Frame, Key] = {}

    def key(self, frame: Frame | None) -> Key:
        if frame is None or frame[1] == UNKNOWN:
            return (NO_PYTHON_FRAME, "<native>", "")
        found = self._cache.get(frame)
        if found is None:
            from rbprofile.analysis.sourcepaths import display_path

            name, file, line = frame
            qualname = self.qualnames.qualname(file, name, line, is_def_line=False)
            module = self.modules.resolve(file).name
            found = self._cache[frame] = (qualname, module, display_path(file))
        return found


def _add_totals(rows: dict[Key, _Row], namer: _Namer, stats: Any) -> None:
    counts = dict(stats.top_locations_by_count)
    for frame, size in stats.top_locations_by_size:
        row = rows.setdefault(namer.key(frame), _Row())
        row.total_bytes += size
        row.total_count += counts.get(frame, 0)
        row.lines[frame[2]] = row.lines.get(frame[2], 0) + size


def _add_peak(rows: dict[Key, _Row], namer: _Namer, records: Iterable[Any]) -> None:
    held: dict[Key, list[tuple[int, Any, Frame]]] = {}
    for record in records:
        python = record.stack_trace(1)
        key = namer.key(python[0] if python else None)
        row = rows.setdefault(key, _Row())
        row.peak_bytes += record.size
        row.peak_count += record.n_allocations
        if record.allocator == MMAP:
            row.peak_mmap_bytes += record.size
        if python:
            held.setdefault(key, []).append((record.size, record, python[0]))
    for key in _native_candidates(rows):
        for size, record, frame in sorted(held.get(key, ()), key=lambda h: -h[0])[:NATIVE_STACKS]:
            entry = native_entry(record.hybrid_stack_trace(), frame)
            if entry is not None:
                native = rows[key].native
                native[entry] = native.get(entry, 0) + size


def _native_candidates(rows: dict[Key, _Row]) -> set[Key]:
    """The functions whose native frames are resolved: the top NATIVE_ROWS by either measure
    (symbolizing native stacks loads each library's symbols: seconds and hundreds of MB)."""
    out: set[Key] = set()
    for measure in ("peak_bytes", "total_bytes"):
        ranked = sorted(rows, key=lambda k: -getattr(rows[k], measure))
        out.update(k for k in ranked[:NATIVE_ROWS] if rows[k].peak_bytes)
    return out


def _frame(rows: dict[Key, _Row]) -> pl.DataFrame:
    out = [
        {
            "function": function,
            "module": module,
            "file": file or None,
            "line": max(row.lines, key=row.lines.__getitem__) if row.lines and file else None,
            "native": max(row.native, key=row.native.__getitem__) if row.native else None,
            "peak_bytes": row.peak_bytes,
            "peak_count": row.peak_count,
            "peak_mmap_bytes": row.peak_mmap_bytes,
            "total_bytes": row.total_bytes,
            "total_count": row.total_count,
        }
        for (function, module, file), row in rows.items()
    ]
    frame = pl.DataFrame(out, schema=MEMRAY_SCHEMA)
    return frame.sort(["peak_bytes", "total_bytes", "function"], descending=[True, True, False])


def read_capture(path: Path) -> tuple[pl.DataFrame, dict[str, Any]]:
    """(memray.parquet's table, the run's totals for the manifest) from a capture file."""
    try:
        import memray
        from memray._memray import compute_statistics  # what `memray stats` uses
    except ImportError as exc:
        raise RbprofileError(f"memray is not importable ({exc}); `pip install memray`") from None
    try:
        stats = compute_statistics(str(path), num_largest=1 << 30)
        with memray.FileReader(path) as reader:
            meta = reader.metadata
            records = reader.get_high_watermark_allocation_records(merge_threads=True)
            rows: dict[Key, _Row] = {}
            namer = _Namer()
            _add_totals(rows, namer, stats)
            _add_peak(rows, namer, records)
    except (OSError, RuntimeError, ValueError) as exc:
        raise RbprofileError(f"{path.name}: {exc}") from None
    table = _frame(rows)
    totals = {
        "peak_bytes": int(meta.peak_memory),
        "peak_mmap_bytes": int(table["peak_mmap_bytes"].sum()),
        "total_bytes": int(stats.total_memory_allocated),
        "allocations": int(stats.total_num_allocations),
        "native": bool(meta.has_native_traces),
        "python_allocators": bool(meta.trace_python_allocators),
        "functions": table.height,
    }
    return table, totals
