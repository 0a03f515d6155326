"""Decimal arithmetic read from the source with `ast`, for a profile with no py-spy samples and
no float-mode twin (a bare `.pstats`): operator arithmetic on `Decimal` runs in C slots that
cProfile charges to the calling line, so the profile alone cannot see it.

    decimal_sites(source, name, line, money=MoneyNames()) -> list[Site] | None
        the Decimal operations in the own body of function `name` running at `line` (nested
        functions and classes left out); None when the function is not found.
    money_names(sources) -> MoneyNames
        the attribute and function names a package annotates as money.
    static_decimal_evidence(functions) -> pl.DataFrame (EVIDENCE_SCHEMA, kind DECIMAL_STATIC)
        every substantial Python function (evidence.substantial) with at least one Decimal
        operation; share is null (nothing was measured).

The heuristic, documented here and nowhere else. A *Decimal operation* is
  - a call that makes a Decimal: `Decimal(...)`, `decimal.Decimal(...)`, an alias imported
    from decimal, `x.money_type(...)` or a local bound to `x.money_type` (rustybt's numeric
    mode carries the money type) or to `Decimal if ... else float`;
  - a call of a Decimal or Context method that computes: `.quantize`, `.fma`,
    `.to_integral_value`, `.create_decimal`, ... (DECIMAL_METHODS), or `.normalize`, `.sqrt`,
    ... on a money value (GENERIC_METHODS: other libraries use those names too);
  - arithmetic (`+ - * / // % **`, augmented, unary minus, comparisons) with an operand that
    is a *money value*.
A *money value* is the result of one of those; a parameter or local annotated with a money
type (`Decimal`, `Money`: MONEY_TYPES); a local assigned a money value anywhere in the
function (flow-insensitive; `a, b = x, y` pairwise); an attribute whose name the package
annotates as money (`self.cash: Money = ...`, a dataclass or NamedTuple field
`price: Money`, a property `-> Money`); or a call of a function the package declares
`-> Money` (`money_mul(...)`).
The package is every file of the function's top-level package that the profile names. Only
files that import `decimal` or a money type are read at all.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from rbprofile.analysis.evidence import DECIMAL_STATIC, evidence_frame, substantial
from rbprofile.analysis.loops import SCOPES, parsed_source, source_text
from rbprofile.analysis.rules import DECIMAL

MONEY_TYPES = frozenset({"Decimal", "Money"})
MONEY_CONSTRUCTORS = frozenset({"Decimal", "money_type"})
# Decimal/Context methods that compute; names only Decimal uses count on any receiver, the
# generic ones (normalize, sqrt, ...) only on a money value
DECIMAL_METHODS = frozenset(
    {
        "quantize", "fma", "scaleb", "to_integral", "to_integral_value", "to_integral_exact",
        "create_decimal", "create_decimal_from_float", "compare_total", "copy_sign",
    }
)  # fmt: skip
GENERIC_METHODS = frozenset({"normalize", "sqrt", "exp", "ln", "log10", "remainder_near"})
_ARITH_NODES = (ast.BinOp, ast.AugAssign, ast.UnaryOp, ast.Compare)
_IDENTITY = (ast.Is, ast.IsNot, ast.In, ast.NotIn)  # comparisons that do no arithmetic


@dataclass(frozen=True)
class Site:
    line: int
    what: str  # "construct", "method", "arithmetic"


@dataclass(frozen=True)
class MoneyNames:
    attributes: frozenset[str] = field(default_factory=frozenset)
    functions: frozenset[str] = field(default_factory=frozenset)


def _mentions_money(node: ast.AST | None) -> bool:
    """An annotation that says money: `Money`, `Decimal`, `decimal.Decimal`, `Money | None`,
    `Optional[Money]`, or the same as a string; not a container or callable of money."""
    if isinstance(node, ast.Name):
        return node.id in MONEY_TYPES
    if isinstance(node, ast.Attribute):
        return node.attr in MONEY_TYPES
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _mentions_money(node.left) or _mentions_money(node.right)
    if isinstance(node, ast.Subscript) and getattr(node.value, "id", None) == "Optional":
        return _mentions_money(node.slice)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return _mentions_money(ast.parse(node.value, mode="eval").body)
        except SyntaxError:
            return False
    return False


def money_names(trees: Iterable[ast.AST]) -> MoneyNames:
    attributes: set[str] = set()
    functions: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.AnnAssign) and _mentions_money(node.annotation):
                target = node.target
                if isinstance(target, ast.Attribute):
                    attributes.add(target.attr)
                elif isinstance(target, ast.Name):
                    attributes.add(target.id)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _mentions_money(
                node.returns
            ):
                functions.add(node.name)
    return MoneyNames(frozenset(attributes), frozenset(functions))


def _own_nodes(func: ast.AST) -> list[ast.AST]:
    """Every node of `func`'s own body (not nested functions, classes or lambdas)."""
    out: list[ast.AST] = []
    stack = [*ast.iter_child_nodes(func)]
    while stack:
        node = stack.pop()
        if isinstance(node, SCOPES):
            continue
        out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return out


def _call_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


class _Function:
    """One function body: its money locals (to a fixpoint) and its Decimal operations."""

    def __init__(self, func: ast.AST, module: ast.AST, money: MoneyNames) -> None:
        self.money = money
        self.nodes = _own_nodes(func)
        self.constructors = set(MONEY_CONSTRUCTORS) | _decimal_aliases(module)
        self.locals: set[str] = set()
        args = getattr(func, "args", None)
        if isinstance(args, ast.arguments):
            for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
                if _mentions_money(arg.annotation):
                    self.locals.add(arg.arg)
        for _ in range(4):  # assignments in any order: iterate to a fixpoint
            before = len(self.locals) + len(self.constructors)
            for node in self.nodes:
                self._bind(node)
            if len(self.locals) + len(self.constructors) == before:
                break

    def _bind(self, node: ast.AST) -> None:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if _mentions_money(node.annotation) or self.is_money(node.value):
                self.locals.add(node.target.id)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                self._bind_target(target, node.value)
        elif (
            isinstance(node, ast.AugAssign)
            and isinstance(node.target, ast.Name)
            and (self.is_money(node.value) or node.target.id in self.locals)
        ):
            self.locals.add(node.target.id)

    def _bind_target(self, target: ast.AST, value: ast.AST) -> None:
        """`x = value`, and `a, b = va, vb` pairwise."""
        if isinstance(target, ast.Tuple | ast.List) and isinstance(value, ast.Tuple | ast.List):
            if len(target.elts) == len(value.elts):
                for t, v in zip(target.elts, value.elts, strict=True):
                    self._bind_target(t, v)
        elif isinstance(target, ast.Name):
            if self._names_constructor(value):
                self.constructors.add(target.id)  # money = self.numeric.money_type
            elif self.is_money(value):
                self.locals.add(target.id)

    def _names_constructor(self, value: ast.AST) -> bool:
        """`x.money_type`, `Decimal`, or `Decimal if decimal_mode else float`."""
        if isinstance(value, ast.Attribute):
            return value.attr in MONEY_CONSTRUCTORS
        if isinstance(value, ast.Name):
            return value.id in self.constructors
        if isinstance(value, ast.IfExp):
            return self._names_constructor(value.body) or self._names_constructor(value.orelse)
        return False

    def is_constructor(self, call: ast.Call) -> bool:
        return _call_name(call) in self.constructors

    def is_money(self, node: ast.AST | None) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.locals
        if isinstance(node, ast.Attribute):
            return node.attr in self.money.attributes or node.attr in self.money.functions
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if self.is_constructor(node) or self._decimal_method(node):
                return True
            if name in self.money.functions:
                return True
            return name in ("abs", "min", "max", "sum") and any(map(self.is_money, node.args))
        if isinstance(node, ast.BinOp):
            return self.is_money(node.left) or self.is_money(node.right)
        if isinstance(node, ast.UnaryOp):
            return self.is_money(node.operand)
        if isinstance(node, ast.IfExp):
            return self.is_money(node.body) or self.is_money(node.orelse)
        return False

    def sites(self) -> list[Site]:
        found: list[Site] = []
        for node in self.nodes:
            line = getattr(node, "lineno", 0)
            if isinstance(node, ast.Call):
                if self.is_constructor(node):
                    found.append(Site(line, "construct"))
                elif self._decimal_method(node):
                    found.append(Site(line, "method"))
            elif isinstance(node, _ARITH_NODES) and self._arith_on_money(node):
                found.append(Site(line, "arithmetic"))
        return sorted(found, key=lambda s: (s.line, s.what))

    def _decimal_method(self, call: ast.Call) -> bool:
        func = call.func
        if not isinstance(func, ast.Attribute):
            return False
        generic = func.attr in GENERIC_METHODS and self.is_money(func.value)
        return func.attr in DECIMAL_METHODS or generic

    def _arith_on_money(self, node: ast.AST) -> bool:
        if isinstance(node, ast.BinOp):
            return self.is_money(node.left) or self.is_money(node.right)
        if isinstance(node, ast.AugAssign):
            return self.is_money(node.target) or self.is_money(node.value)
        if isinstance(node, ast.UnaryOp):
            return isinstance(node.op, ast.USub) and self.is_money(node.operand)
        if isinstance(node, ast.Compare):
            ordering = not all(isinstance(op, _IDENTITY) for op in node.ops)
            return ordering and any(map(self.is_money, [node.left, *node.comparators]))
        return False


def may_use_money(file: str) -> bool:
    """False when `uses_money` of the file is sure to be: its text names neither decimal nor
    a money type (an ASCII text: identifiers are NFKC-normalized), so it need not be parsed."""
    text = source_text(file)
    if text is None:
        return False  # unreadable: parsed_source has no tree either
    words = ("decimal", *MONEY_TYPES)
    return not text.isascii() or any(word in text for word in words)


def uses_money(module: ast.AST) -> bool:
    """Does the file import decimal or a money type at all? (Files that do not are skipped.)"""
    body = getattr(module, "body", [])
    nested = [n for node in body if isinstance(node, ast.If | ast.Try) for n in node.body]
    for node in (*body, *nested):  # imports at module level (or under an if / try there)
        if isinstance(node, ast.Import) and any(
            a.name.split(".")[0] in ("decimal", "_pydecimal") for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (
            node.module in ("decimal", "_pydecimal")
            or any(a.name in MONEY_TYPES for a in node.names)
        ):
            return True
    return False


def _decimal_aliases(module: ast.AST) -> set[str]:
    """Names a module binds to decimal.Decimal (`from decimal import Decimal as D`)."""
    return {
        alias.asname or alias.name
        for node in ast.walk(module)
        if isinstance(node, ast.ImportFrom) and node.module in ("decimal", "_pydecimal")
        for alias in node.names
        if alias.name == "Decimal"
    }


def decimal_sites(
    source: str, name: str, line: int, money: MoneyNames | None = None
) -> list[Site] | None:
    """The Decimal operations in function `name`'s own body (None if it is not found)."""
    from rbprofile.analysis.loops import ParsedSource

    parsed = ParsedSource(ast.parse(source))
    func = parsed.find(name, line)
    if func is None:
        return None
    return _Function(func, parsed.tree, money or money_names([parsed.tree])).sites()


def _summary(sites: list[Site]) -> str:
    lines = sorted({s.line for s in sites})
    shown = ", ".join(map(str, lines[:8])) + (", ..." if len(lines) > 8 else "")
    kinds = ", ".join(sorted({s.what for s in sites}))
    return f"{len(sites)} Decimal operations ({kinds}) at lines {shown}"


def static_decimal_evidence(functions: pl.DataFrame) -> pl.DataFrame:
    """Decimal candidates: substantial self time and Decimal operations in the body."""
    found = []  # (key, package, function node, module tree, self_s) of files using money
    for key, module, qualname, file, line, self_s in (
        substantial(functions)
        .select("key", "module", "qualname", "file", "line", "self_s")
        .iter_rows()
    ):
        parsed = parsed_source(file) if may_use_money(file) else None
        func = None if parsed is None else parsed.find(qualname, line or 0)
        if parsed is not None and func is not None and uses_money(parsed.tree):
            found.append((key, str(module).split(".")[0], func, parsed.tree, self_s))
    packages = {package for _, package, *_ in found}
    top = pl.col("module").str.split(".").list.first()
    package_files = (
        functions.filter(pl.col("file").str.ends_with(".py") & top.is_in(list(packages)))
        .group_by(top.alias("package"))
        .agg(pl.col("file").unique().sort())
    )
    money_by_package = {
        package: money_names(p.tree for p in map(parsed_source, files) if p is not None)
        for package, files in package_files.iter_rows()
    }
    rows: list[dict[str, object]] = []
    for key, package, func, tree, self_s in found:
        sites = _Function(func, tree, money_by_package.get(package, MoneyNames())).sites()
        if sites:
            detail = f"{_summary(sites)}; self {self_s:.4f} s"
            rows.append({"key": key, "category": DECIMAL, "kind": DECIMAL_STATIC,
                         "share": None, "detail": detail})  # fmt: skip
    return evidence_frame(rows)
