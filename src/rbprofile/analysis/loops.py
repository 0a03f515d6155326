"""Loop hotspots from evidence: own py-spy line samples that fall inside for/while bodies.

    loop_lines(source, name, line) -> LoopLines | None
        parse `source` with `ast`, find the function `name` whose span holds `line`, and
        return the lines of its for/while/async-for bodies (header included: the iteration
        step runs there) and comprehensions (inlined into the function since Python 3.12).
        Nested functions and classes are separate frames and are left out.
    loop_evidence(samples, min_samples=5) -> pl.DataFrame (EVIDENCE_SCHEMA, category "loops")
        one row per function with at least `min_samples` own samples and a readable source:
        share = own samples on loop lines / own samples. With --native stacks, a sample whose
        native frames below reach an extension (polars, `_decimal`, ...) is extension work,
        not loop work; interpreter and libc frames (`<native ...>`) do not count as that.

Comprehension and generator frames (`<listcomp>`, `<genexpr>`, ...) are loops by nature:
all their samples are loop lines.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from rbprofile.analysis.evidence import LOOP_LINES, evidence_frame, own_samples
from rbprofile.analysis.rules import LOOPS

if TYPE_CHECKING:
    from rbprofile.analysis.samples import Samples

_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_COMPS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
COMPREHENSION_FRAMES = frozenset({"<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>"})
# PEP 709: list/set/dict comprehensions run inside their function's frame from Python 3.12.
INLINED_COMPREHENSIONS = sys.version_info >= (3, 12)


@dataclass(frozen=True)
class LoopLines:
    """A function's span (first..last line) and the set of its lines inside loops."""

    first: int
    last: int
    lines: frozenset[int]


class _Source:
    """One parsed file: its defs (short name, first line incl. decorators, last line, node),
    and the loop lines of each def, computed on first use."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.defs = [
            (
                n.name,
                min([n.lineno, *(d.lineno for d in n.decorator_list)]),
                n.end_lineno or n.lineno,
                n,
            )
            for n in ast.walk(tree)
            if isinstance(n, _FUNCS)
        ]
        self.loops: dict[int, LoopLines] = {}

    def find(self, name: str, line: int) -> ast.AST | None:
        """The innermost def named `name` (last dotted part) whose span holds `line`."""
        short = name.rsplit(".", 1)[-1]
        if short == "<module>":
            return self.tree
        spans = [(start, node) for n, start, end, node in self.defs
                 if n == short and start <= line <= end]  # fmt: skip
        return max(spans, key=lambda s: s[0])[1] if spans else None

    def loop_lines(self, name: str, line: int) -> LoopLines | None:
        func = self.find(name, line)
        if func is None:
            return None
        found = self.loops.get(id(func))
        if found is None:
            lines = frozenset(n for a, b in _loop_spans(func) for n in range(a, b + 1))
            first = getattr(func, "lineno", 1)
            last = getattr(func, "end_lineno", None) or 1 << 30
            found = self.loops[id(func)] = LoopLines(first, last, lines)
        return found


@lru_cache(maxsize=256)
def _source(file: str) -> _Source | None:
    try:
        return _Source(ast.parse(Path(file).read_text(encoding="utf-8", errors="replace"), file))
    except (OSError, SyntaxError, ValueError):
        return None


def _loop_spans(node: ast.AST) -> list[tuple[int, int]]:
    """Line spans of loops (and inlined comprehensions) in `node`'s own body, not nested scopes."""
    spans: list[tuple[int, int]] = []
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        if isinstance(child, _SCOPES):
            continue
        if isinstance(child, _LOOPS):
            spans.append((child.lineno, max(s.end_lineno or s.lineno for s in child.body)))
        elif INLINED_COMPREHENSIONS and isinstance(child, _COMPS):
            spans.append((child.lineno, child.end_lineno or child.lineno))
        stack.extend(ast.iter_child_nodes(child))
    return spans


def loop_lines(source: str, name: str, line: int) -> LoopLines | None:
    """Loop lines of function `name` running at `line` in `source` (None if not found)."""
    return _Source(ast.parse(source)).loop_lines(name, line)


def _file_loop_lines(file: str, name: str, line: int) -> LoopLines | None:
    source = _source(file)
    return None if source is None else source.loop_lines(name, line)


def _ranges(lines: set[int]) -> str:
    """[3, 4, 5, 9] -> "3-5, 9"."""
    out: list[str] = []
    for n in sorted(lines):
        if out and out[-1].split("-")[-1] == str(n - 1):
            out[-1] = f"{out[-1].split('-')[0]}-{n}"
        else:
            out.append(str(n))
    return ", ".join(out)


def _line_counts(samples: Samples, min_samples: int) -> pl.DataFrame:
    """key, total (own line samples), file, function, line, in_extension, count -- per line of
    the functions with at least `min_samples` own line samples, in first-sampled order."""
    # a native frame below that is not the interpreter or libc (`<native ...>`): extension work
    in_extension = pl.col("below").list.eval(~pl.element().str.starts_with("<")).list.any()
    lines = (
        own_samples(samples)
        .filter(pl.col("line").is_not_null() & (pl.col("file") != ""))
        .group_by(
            "key", "file", "function", "line", in_extension.alias("in_extension"),
            maintain_order=True,
        )
        .agg(pl.col("count").sum())
    )  # fmt: skip
    return lines.with_columns(pl.col("count").sum().over("key").alias("total")).filter(
        pl.col("total") >= min_samples
    )


def loop_evidence(samples: Samples, min_samples: int = 5) -> pl.DataFrame:
    """Per function: the share of its own line samples that fall on loop lines."""
    rows: list[dict[str, object]] = []
    for group in _line_counts(samples, min_samples).partition_by("key", maintain_order=True):
        key, total = group["key"][0], int(group["total"][0])
        hits, hit_lines, known = 0, set[int](), 0
        for file, function, line, in_extension, count in group.select(
            "file", "function", "line", "in_extension", "count"
        ).iter_rows():
            is_comp = function.rsplit(".", 1)[-1] in COMPREHENSION_FRAMES
            found = None if is_comp else _file_loop_lines(file, function, line)
            if not is_comp and found is None:
                continue
            known += count
            on_loop = is_comp or (found is not None and line in found.lines)
            if on_loop and not in_extension:
                hits += count
                hit_lines.add(line)
        if known == 0:
            continue
        detail = f"{hits}/{total} own samples on loop lines" + (
            f" {_ranges(hit_lines)}" if hit_lines else ""
        )
        rows.append({"key": key, "category": LOOPS, "kind": LOOP_LINES,
                     "share": hits / total, "detail": detail})  # fmt: skip
    return evidence_frame(rows)
