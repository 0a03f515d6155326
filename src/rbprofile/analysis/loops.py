"""Loop hotspots from evidence: own py-spy line samples that fall inside for/while bodies, or,
for a profile without py-spy, the function's own source.

    loop_lines(source, name, line) -> LoopLines | None
        parse `source` with `ast`, find the function `name` whose span holds `line`, and
        return the lines of its for/while/async-for bodies (header included: the iteration
        step runs there) and comprehensions (on every Python version: inlined into the
        function since 3.12, their own code objects before). Nested functions and classes
        are separate frames and are left out.
    file_loop_lines(file, name, line) / def_loop_lines(file, name, first_line)
        the same for a file (parsed once per file); def_loop_lines, for a function known by
        its first line (cProfile's), parses only that function's lines when they parse alone
        as that one def -- the same answer, without parsing a file of thousands of lines.
    loop_evidence(samples, min_samples=5) -> pl.DataFrame (EVIDENCE_SCHEMA, category "loops")
        one row per function with at least `min_samples` own samples and a readable source:
        share = own samples on loop lines / own samples. With --native stacks, a sample whose
        native frames below reach an extension (polars, `_decimal`, ...) is extension work,
        not loop work; interpreter and libc frames (`<native ...>`) do not count as that.
    static_loop_evidence(functions) -> pl.DataFrame (EVIDENCE_SCHEMA, kind LOOP_STATIC)
        from cProfile times and `ast` alone: a Python function with substantial self time
        (evidence.substantial), at least half of its cumulative time its own (few callees
        relative to its time) and a loop in its own body; share is null (not measured).
    enclosing(key) -> str | None
        "m:f.<locals>.<listcomp>" -> "m:f": the function a comprehension frame belongs to.

Comprehension and generator frames (`<listcomp>`, `<genexpr>`, ...) are loops by nature:
all their samples are loop lines. Before Python 3.12 list/set/dict comprehensions run in
frames of their own; their samples also count as loop-line samples of the enclosing function
(its own samples include them), so a function with a hot comprehension is a loop on 3.11 as
it is on 3.12.
"""

from __future__ import annotations

import ast
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from rbprofile.analysis.evidence import (
    LOOP_LINES,
    LOOP_STATIC,
    evidence_frame,
    own_samples,
    substantial,
)
from rbprofile.analysis.rules import LOOPS

if TYPE_CHECKING:
    from rbprofile.analysis.samples import Samples

_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_COMPS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
COMPREHENSION_FRAMES = frozenset({"<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>"})
_COMP_PATTERN = r"<(list|set|dict)comp>$|<genexpr>$"
MAX_CUM_PER_SELF = 2.0  # a static loop candidate's cumulative time is at most twice its self


@dataclass(frozen=True)
class LoopLines:
    """A function's span (first..last line) and the set of its lines inside loops."""

    first: int
    last: int
    lines: frozenset[int]


class ParsedSource:
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
            for n in _statements(tree)
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


_BLOCKS = (ast.stmt, ast.excepthandler, ast.match_case)


def _statements(tree: ast.Module) -> Iterator[ast.AST]:
    """`ast.walk`'s nodes (in its breadth-first order) that hold or are statements: a def is
    never inside an expression, so the expressions, most of a tree, are not visited."""
    todo: deque[ast.AST] = deque([tree])
    while todo:
        node = todo.popleft()
        todo.extend(c for c in ast.iter_child_nodes(node) if isinstance(c, _BLOCKS))
        yield node


@lru_cache(maxsize=256)
def parsed_source(file: str) -> ParsedSource | None:
    text = source_text(file)
    try:
        return None if text is None else ParsedSource(ast.parse(text, file))
    except (SyntaxError, ValueError):
        return None


@lru_cache(maxsize=256)
def source_text(file: str) -> str | None:
    """The text of a source file (None when it cannot be read), read once for every use."""
    try:
        return Path(file).read_text(encoding="utf-8", errors="replace")
    except (OSError, ValueError):
        return None


def _loop_spans(node: ast.AST) -> list[tuple[int, int]]:
    """Line spans of loops (and inlined comprehensions) in `node`'s own body, not nested scopes."""
    spans: list[tuple[int, int]] = []
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        if isinstance(child, SCOPES):
            continue
        if isinstance(child, _LOOPS):
            spans.append((child.lineno, max(s.end_lineno or s.lineno for s in child.body)))
        elif isinstance(child, _COMPS):
            spans.append((child.lineno, child.end_lineno or child.lineno))
        stack.extend(ast.iter_child_nodes(child))
    return spans


def enclosing(key: str) -> str | None:
    """The key of the function a comprehension frame runs in (None for other frames)."""
    module, _, qualname = key.rpartition(":")
    parts = qualname.split(".")
    if parts[-1] not in COMPREHENSION_FRAMES:
        return None
    while parts and parts[-1] in COMPREHENSION_FRAMES:
        parts.pop()
        if parts and parts[-1] == "<locals>":
            parts.pop()
    return f"{module}:{'.'.join(parts) or '<module>'}"


def is_comprehension(name: str) -> bool:
    return name.rsplit(".", 1)[-1] in COMPREHENSION_FRAMES


def loop_lines(source: str, name: str, line: int) -> LoopLines | None:
    """Loop lines of function `name` running at `line` in `source` (None if not found)."""
    return ParsedSource(ast.parse(source)).loop_lines(name, line)


def file_loop_lines(file: str, name: str, line: int) -> LoopLines | None:
    source = parsed_source(file)
    return None if source is None else source.loop_lines(name, line)


@lru_cache(maxsize=256)
def _source_lines(file: str) -> tuple[str, ...] | None:
    text = source_text(file)
    return None if text is None else tuple(text.split("\n"))


def def_loop_lines(file: str, name: str, first_line: int) -> LoopLines | None:
    """`file_loop_lines` of the function whose first line (a decorator's, or the `def`:
    cProfile's co_firstlineno) is `first_line`. Only its own lines are parsed when they parse
    alone as that one def (the whole file, often thousands of lines, otherwise)."""
    short = name.rsplit(".", 1)[-1]
    if short.startswith("<") and short != "<module>":
        return None  # a lambda or comprehension: no def carries that name
    lines = None if short == "<module>" else _source_lines(file)
    if lines is not None and first_line == 1 and not _opens_def(lines[0]):
        return None  # code generated from a string (decorators that `exec`) says line 1
    found = None if lines is None else _def_alone(lines, short, first_line)
    return found if found is not None else file_loop_lines(file, name, first_line)


_DEF_LINE = re.compile(r"[ \t]*(?:async[ \t]+)?def[ \t]")


def _opens_def(text: str) -> bool:
    """Can a def start on this line (its decorator or `def`)? A def holding line 1 starts
    there: no other statement shares a line with a def."""
    stripped = text.lstrip("\ufeff \t")
    return stripped.startswith("@") or _DEF_LINE.match(stripped) is not None


def _indent(text: str) -> int | None:
    """The width of a line's indentation; None for a blank or comment-only line."""
    stripped = text.lstrip(" \t")
    if not stripped or stripped.startswith("#"):
        return None
    return len(text[: len(text) - len(stripped)].expandtabs(8))


def _def_alone(lines: tuple[str, ...], short: str, first_line: int) -> LoopLines | None:
    """The loop lines of def `short` starting at `first_line`, parsed from its block alone
    (its decorators, its signature, and its body up to the next line at that indent or less);
    None when that block is not one def of that name that parses on its own. A block cut
    short inside a string, brackets or a continuation does not parse, and one that runs on
    past its def holds more than one statement, so what is accepted is the def as the whole
    file has it."""
    start = first_line - 1
    head = _indent(lines[start]) if 0 <= start < len(lines) else None
    if head is None:
        return None
    end = start
    while end < len(lines) and not _DEF_LINE.match(lines[end]):  # decorators
        end += 1
    depth = 0
    while end < len(lines):  # the signature, over several lines while a bracket is open
        depth += lines[end].count("(") - lines[end].count(")")
        end += 1
        if depth <= 0:
            break
    while end < len(lines):
        width = _indent(lines[end])
        if width is not None and width <= head:
            break
        end += 1
    block = lines[start:end]
    if any("\x0c" in text for text in block):  # a form feed resets the indent: not worth it
        return None
    offset = start if head == 0 else start - 1  # block line + offset = file line
    source = "\n".join(block) if head == 0 else "if 1:\n" + "\n".join(block)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    body = tree.body
    if head and len(body) == 1 and isinstance(body[0], ast.If):
        body = body[0].body
    if len(body) != 1 or not isinstance(body[0], _FUNCS) or body[0].name != short:
        return None
    func = body[0]
    if min([func.lineno, *(d.lineno for d in func.decorator_list)]) + offset != first_line:
        return None
    lines_in = frozenset(n + offset for a, b in _loop_spans(func) for n in range(a, b + 1))
    last = func.end_lineno + offset if func.end_lineno else 1 << 30
    return LoopLines(func.lineno + offset, last, lines_in)


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
    own = own_samples(samples)
    parents = own.filter(pl.col("function").str.contains(_COMP_PATTERN)).with_columns(
        pl.col("key").map_elements(enclosing, return_dtype=pl.String)
    )
    lines = (
        pl.concat([own, parents.drop_nulls("key")])
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
            is_comp = is_comprehension(function)
            found = None if is_comp else file_loop_lines(file, function, line)
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


def static_loop_evidence(functions: pl.DataFrame) -> pl.DataFrame:
    """Loop candidates from a profile without samples: substantial self time that is most of
    the function's cumulative time, and a loop (or comprehension) in its own body."""
    rows: list[dict[str, object]] = []
    own_time = pl.col("cum_s") <= MAX_CUM_PER_SELF * pl.col("self_s")
    for key, qualname, file, line, self_s, cum_s in (
        substantial(functions).filter(own_time).select(
            "key", "qualname", "file", "line", "self_s", "cum_s"
        ).iter_rows()
    ):  # fmt: skip
        own = f"self {self_s:.4f} s" + (
            f", {self_s / cum_s:.0%} of its cumulative" if cum_s else ""
        )
        if is_comprehension(qualname):
            where = "a comprehension's own code object (a loop by nature)"
        else:
            found = def_loop_lines(file, qualname, line or 0)
            if found is None or not found.lines:
                continue
            where = f"for/while/comprehension lines {_ranges(set(found.lines))} in its body"
        rows.append({"key": key, "category": LOOPS, "kind": LOOP_STATIC, "share": None,
                     "detail": f"{where}; {own}"})  # fmt: skip
    return evidence_frame(rows)
