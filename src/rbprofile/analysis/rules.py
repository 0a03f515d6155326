"""Declarative categorization rules: built-in defaults plus a user TOML that extends them.

    load_rules(user: Path | None = None) -> RuleSet
    RuleSet.match(module, qualname, file) -> Rule | None   # highest priority wins
    RuleSet.speedups -> dict[str, float]                    # assumed kernel speedup per category

A rules file holds `[[rule]]` tables (name, category, priority, and at least one of `module`,
`function`, `file`; see default_rules.toml for the meaning of each) and an optional
`[speedup]` table. A user rule with the name of a built-in rule replaces it; `enabled = false`
removes it. A malformed file (not UTF-8, invalid TOML, a field of the wrong type, a speedup
that is not a finite number >= 1) raises RbprofileError naming the file and line.
"""

from __future__ import annotations

import fnmatch
import math
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from rbprofile.errors import RbprofileError

DECIMAL = "Decimal arithmetic"
LOOPS = "loops"
SUBPROCESSES = "subprocesses"
DATA = "data processing"
INDICATORS = "indicators"
DATETIME = "datetime/calendar"
IO = "I/O"
OVERHEAD = "Python overhead"
PER_CALL = (
    "Python per-call logic"  # a function's own bytecode outside loops: what a rewrite removes
)
OTHER = "other"  # what no rule or evidence explains
CATEGORIES: tuple[str, ...] = (
    DECIMAL, LOOPS, SUBPROCESSES, DATA, INDICATORS, DATETIME, IO, OVERHEAD, PER_CALL, OTHER,
)  # fmt: skip
NATIVE = "native"  # speedup key for time already in native code
EVIDENCE_PRIORITY = 50  # measured evidence beats project rules, loses to library rules

BUILTIN_ORIGIN = "built-in"
_FIELDS = {"name", "category", "priority", "module", "function", "file", "enabled"}
_RULE_HEADER = re.compile(r"^\s*\[\[\s*rule\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[")
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)|\(at end of document\)")


@dataclass(frozen=True)
class Rule:
    """One rule; `origin` is "built-in" or the user file, `line` the line of its [[rule]]."""

    name: str
    category: str
    priority: int
    modules: tuple[str, ...] = ()
    function: re.Pattern[str] | None = None
    files: tuple[str, ...] = ()
    origin: str = BUILTIN_ORIGIN
    line: int = 0

    @property
    def where(self) -> str:
        return f"{self.origin}:{self.line}"

    def module_matches(self, module: str) -> bool:
        return not self.modules or _module_matcher(self.modules)(module)

    def name_matches(self, qualname: str, file: str) -> bool:
        if self.function is not None and not self.function.search(qualname):
            return False
        return not self.files or any(fnmatch.fnmatchcase(file, p) for p in self.files)

    def matches(self, module: str, qualname: str, file: str) -> bool:
        return self.module_matches(module) and self.name_matches(qualname, file)


@lru_cache(maxsize=256)
def _module_matcher(patterns: tuple[str, ...]) -> Any:
    """A test of a dotted module against `patterns`: globs, and plain names that also match
    their submodules ("polars" matches "polars.io", not "polarsx"), in one regular expression
    (a profile has thousands of modules and each is tested against every rule)."""
    parts = [
        fnmatch.translate(p).removesuffix(r"\Z")
        if any(c in p for c in "*?[")
        else re.escape(p) + r"(?:\..*)?"
        for p in patterns
    ]
    return re.compile(rf"(?s:{'|'.join(f'(?:{part})' for part in parts)})\Z").match


@dataclass(frozen=True)
class RuleSet:
    """Rules ordered by priority (highest first, ties in file order) and kernel speedups."""

    rules: tuple[Rule, ...]
    speedups: dict[str, float]
    _by_module: dict[str, tuple[Rule, ...]] = field(default_factory=dict, repr=False, compare=False)

    def match(self, module: str, qualname: str, file: str) -> Rule | None:
        candidates = self._by_module.get(module)
        if candidates is None:  # the module test is the costly part: once per module
            candidates = tuple(r for r in self.rules if r.module_matches(module))
            self._by_module[module] = candidates
        for rule in candidates:
            if rule.name_matches(qualname, file):
                return rule
        return None


def load_rules(user: Path | None = None) -> RuleSet:
    """The built-in rules, extended or overridden by the user file `user` (if given)."""
    text = resources.files("rbprofile.analysis").joinpath("default_rules.toml").read_text("utf-8")
    rules, speedups = parse_rules(text, BUILTIN_ORIGIN)
    if user is not None:
        try:
            user_text = user.read_text(encoding="utf-8")
        except OSError as exc:
            raise RbprofileError(
                f"cannot read rules file {user}: {exc.strerror}; pass an existing TOML file"
            ) from None
        except UnicodeDecodeError as exc:
            line = user.read_bytes()[: exc.start].count(b"\n") + 1
            raise _error(
                str(user),
                line,
                f"not UTF-8 text (byte {exc.object[exc.start]:#04x}); TOML is UTF-8",
            ) from None
        user_rules, user_speedups = parse_rules(user_text, str(user))
        rules = _merge(rules, user_rules)
        speedups = {**speedups, **user_speedups}
    ordered = sorted(rules, key=lambda r: -r.priority)  # stable: ties keep file order
    return RuleSet(tuple(ordered), speedups)


def _merge(base: list[Rule], extra: list[Rule]) -> list[Rule]:
    """Replace base rules by name, append new ones, drop disabled ones (category "")."""
    by_name: dict[str, Rule] = {}
    for rule in [*base, *extra]:
        if rule.category:
            by_name[rule.name] = rule  # a replaced rule keeps its place in file order
        else:
            by_name.pop(rule.name, None)
    return list(by_name.values())


def parse_rules(text: str, origin: str) -> tuple[list[Rule], dict[str, float]]:
    """Parse one rules file. Disabled rules come back with category "" so merges drop them."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = f"invalid TOML: {_TOML_LINE.sub('', str(exc))}"
        raise _error(origin, _toml_line(exc, text), message) from None
    lines = text.splitlines()
    unknown = sorted(set(data) - {"rule", "speedup"})
    if unknown:
        line = _key_line(lines, 0, len(lines), unknown[0], table=True)
        raise _error(origin, line, f"unknown table {unknown[0]!r}; use [[rule]] or [speedup]")
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list) or not all(isinstance(r, dict) for r in raw_rules):
        line = _key_line(lines, 0, len(lines), "rule")
        raise _error(origin, line, "`rule` must be an array of tables written [[rule]]")
    headers = [i for i, line in enumerate(lines) if _RULE_HEADER.match(line)]
    rules = [_rule(raw, origin, lines, headers, i) for i, raw in enumerate(raw_rules)]
    return rules, _speedups(data.get("speedup", {}), origin, lines)


def _rule(raw: dict[str, Any], origin: str, lines: list[str], headers: list[int], i: int) -> Rule:
    start = headers[i] if i < len(headers) else 0
    end = _block_end(lines, start)

    def fail(field: str | None, message: str) -> RbprofileError:
        line = _key_line(lines, start, end, field) if field else start + 1
        label = f"rule {raw.get('name')!r}" if isinstance(raw.get("name"), str) else "rule"
        return _error(origin, line, f"{label}: {message}")

    extra = sorted(set(raw) - _FIELDS)
    if extra:
        raise fail(extra[0], f"unknown field {extra[0]!r}; fields are {', '.join(sorted(_FIELDS))}")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise fail("name" if "name" in raw else None, "needs a non-empty string `name`")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise fail("enabled", "`enabled` must be true or false")
    if not enabled:
        return Rule(name=name, category="", priority=0, origin=origin, line=start + 1)
    category = raw.get("category")
    if category not in CATEGORIES:
        raise fail(
            "category" if "category" in raw else None,
            f"category must be one of: {', '.join(CATEGORIES)} (got {category!r})",
        )
    priority = raw.get("priority", EVIDENCE_PRIORITY - 1)
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise fail("priority", f"priority must be an integer (got {priority!r})")
    modules = _globs(raw, "module", fail)
    files = _globs(raw, "file", fail)
    function = _regex(raw, fail)
    if not modules and not files and function is None:
        raise fail(None, "needs at least one of `module`, `function`, `file` to match on")
    assert isinstance(category, str)
    return Rule(name, category, priority, modules, function, files, origin, start + 1)


def _globs(raw: dict[str, Any], field: str, fail: Any) -> tuple[str, ...]:
    value = raw.get(field)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise fail(field, f"`{field}` must be a glob string or a list of glob strings")
    return tuple(value)


def _regex(raw: dict[str, Any], fail: Any) -> re.Pattern[str] | None:
    value = raw.get("function")
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise fail("function", "`function` must be a regular expression string")
    try:
        return re.compile(value)
    except re.error as exc:
        raise fail("function", f"bad regular expression {value!r}: {exc}") from None


def _speedups(raw: Any, origin: str, lines: list[str]) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise _error(origin, 1, "`speedup` must be a table of category = factor")
    start = next((i for i, ln in enumerate(lines) if re.match(r"^\s*\[\s*speedup\s*\]", ln)), 0)
    out: dict[str, float] = {}
    for key, value in raw.items():
        line = _key_line(lines, start, _block_end(lines, start), key)
        if key not in (*CATEGORIES, NATIVE):
            raise _error(origin, line, f"speedup for unknown category {key!r}; use one of: "
                         f"{', '.join((*CATEGORIES, NATIVE))}")  # fmt: skip
        if not is_speedup(value):
            raise _error(
                origin, line, f"speedup {key!r} must be a finite number >= 1 (got {value!r})"
            )
        out[key] = float(value)
    return out


def is_speedup(value: object) -> bool:
    """A kernel speedup: a finite number >= 1 (NaN and infinity are refused)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 1
    )


def _block_end(lines: list[str], start: int) -> int:
    for j in range(start + 1, len(lines)):
        if _TABLE_HEADER.match(lines[j]):
            return j
    return len(lines)


def _key_line(lines: list[str], start: int, end: int, key: str | None, table: bool = False) -> int:
    """1-based line where `key` is assigned (or its [table] opens) in lines[start:end]."""
    if key is None:
        return start + 1
    quoted = rf"(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')"
    pattern = re.compile(rf"^\s*\[+\s*{quoted}" if table else rf"^\s*{quoted}\s*=")
    for j in range(start, end):
        if pattern.match(lines[j]):
            return j + 1
    return start + 1


def _toml_line(exc: tomllib.TOMLDecodeError, text: str) -> int:
    found = _TOML_LINE.search(str(exc))
    if found and found.group(1):
        return int(found.group(1))
    return max(len(text.splitlines()), 1) if "end of document" in str(exc) else 1


def _error(origin: str, line: int, message: str) -> RbprofileError:
    return RbprofileError(f"{origin}:{line}: {message.strip()}; fix the rules file")
