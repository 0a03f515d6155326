from __future__ import annotations

import gc
from pathlib import Path

from rbprofile.profilers.memory_probe import MIB, MemoryProbe, function_at

SOURCE = """\
x = 1


class Book:
    def add(self, n):
        def inner():
            return n

        return inner()


def top():
    return 2
"""


def test_function_at_resolves_the_innermost_def(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_text(SOURCE)
    assert function_at(str(path), 1) == ("<module>", 0)
    assert function_at(str(path), 5) == ("Book.add", 5)
    assert function_at(str(path), 7) == ("Book.add.inner", 6)
    assert function_at(str(path), 9) == ("Book.add", 5)
    assert function_at(str(path), 13) == ("top", 12)
    assert function_at(str(tmp_path / "missing.py"), 3) == ("<module>", 0)


def _allocate_blocks() -> list[bytes]:
    return [bytes(1024 * 1024) for _ in range(8)]  # 8 MiB, kept alive


def test_probe_attributes_live_allocations_to_the_allocating_function() -> None:
    probe = MemoryProbe(interval_s=60.0)  # only the final snapshot
    probe.start()
    kept = _allocate_blocks()
    gc.collect()
    probe.stop()
    report = probe.report([{"name": "bars", "rows": 3, "columns": 7, "estimated_mib": 0.1}])
    top = report["tracemalloc"]["top_by_peak"][0]
    assert (top["function"], top["file"]) == ("_allocate_blocks", __file__)
    assert top["count"] >= 8
    assert 8.0 <= top["size_mib"] < 8.1
    assert report["tracemalloc"]["top_by_total"][0]["function"] == "_allocate_blocks"
    assert report["tracemalloc"]["flagged"] == []  # 8 MiB is below the 100 MB flag
    assert report["tracemalloc"]["traced_peak_mib"] >= 8.0
    assert report["gc"]["collections"]["2"] >= 1
    assert report["gc"]["time_s"] > 0
    assert report["baseline_mib"] > 0
    assert report["polars_frames"] == [
        {"name": "bars", "rows": 3, "columns": 7, "estimated_mib": 0.1}
    ]
    assert len(kept) == 8 and len(kept[0]) == MIB
