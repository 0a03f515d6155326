"""`python -m benchmarks [NAME ...]`: run every benchmarks/bench_*.py (or the named ones).

Each module exposes `main() -> list[dict]`: rows of measurements taken in this one run
(ratios against a reference measured in the same run, never numbers from elsewhere).
Rows are printed as one markdown table per module (rows carrying a `table` key: one table per
value, in order of first appearance) and saved to bench-results/<name>.json.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

import benchmarks

OUT = Path("bench-results")


def _table(rows: list[dict[str, object]]) -> str:
    if not rows:
        return "_no rows_"
    cols: list[str] = []
    for row in rows:
        cols.extend(c for c in row if c not in cols)

    def cell(v: object) -> str:
        if isinstance(v, float):  # money-sized values keep their cents
            return f"{v:.4g}" if abs(v) < 1e4 else f"{v:.2f}"
        return "" if v is None else str(v)

    lines = ["| " + " | ".join(cols) + " |", "| " + " | ".join("---" for _ in cols) + " |"]
    lines += ["| " + " | ".join(cell(r.get(c)) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def _tables(rows: list[dict[str, object]]) -> str:
    groups: dict[object, list[dict[str, object]]] = {}
    for row in rows:
        groups.setdefault(row.get("table"), []).append(row)
    if list(groups) == [None]:
        return _table(rows)
    return "\n\n".join(
        f"### {name}\n\n" + _table([{k: v for k, v in r.items() if k != "table"} for r in group])
        for name, group in groups.items()
    )


def main(argv: list[str]) -> int:
    names = sorted(
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_")
    )
    wanted = [n if n.startswith("bench_") else f"bench_{n}" for n in argv] or names
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        print(f"unknown benchmark(s) {unknown}; available: {names}", file=sys.stderr)
        return 2
    OUT.mkdir(exist_ok=True)
    for name in wanted:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        rows = importlib.import_module(f"benchmarks.{name}").main()
        took = time.perf_counter() - start
        print(f"\n## {name} ({took:.1f} s)\n\n{_tables(rows)}\n", flush=True)
        (OUT / f"{name}.json").write_text(json.dumps(rows, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
