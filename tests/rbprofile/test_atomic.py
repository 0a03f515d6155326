"""`rbprofile.atomic`: the old file or the new one, never half; no temporary file left behind."""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from rbprofile.atomic import replacing, write_bytes, write_json, write_parquet, write_text
from rbprofile.errors import RbprofileError


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_write_bytes_creates_then_replaces(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    assert write_bytes(path, b"one") == path
    write_bytes(path, b"two", fsync=True)
    assert path.read_bytes() == b"two"
    assert _names(tmp_path) == ["a.bin"]


def test_skip_if_same_leaves_an_identical_file_untouched(tmp_path: Path) -> None:
    path = write_text(tmp_path / "a.txt", "same\n")
    os.utime(path, (1_000_000, 1_000_000))
    write_text(path, "same\n", skip_if_same=True)
    assert path.stat().st_mtime == 1_000_000
    write_text(path, "same\n")  # without the option it is rewritten
    assert path.stat().st_mtime != 1_000_000
    write_text(path, "other\n", skip_if_same=True)
    assert path.read_text() == "other\n"


def test_write_text_keeps_newlines_and_encoding(tmp_path: Path) -> None:
    path = write_text(tmp_path / "a.txt", "é\r\nz\n")
    assert path.read_bytes() == "é\r\nz\n".encode()
    write_text(path, "é", encoding="latin-1")
    assert path.read_bytes() == b"\xe9"


def test_write_json_is_indented_with_a_trailing_newline(tmp_path: Path) -> None:
    path = write_json(tmp_path / "m.json", {"b": [1, 2], "p": tmp_path}, default=str)
    assert path.read_text() == f'{{\n  "b": [\n    1,\n    2\n  ],\n  "p": "{tmp_path}"\n}}\n'


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_write_json_refuses_nan_and_keeps_the_old_file(tmp_path: Path, bad: float) -> None:
    path = write_json(tmp_path / "m.json", {"x": 1.0})
    with pytest.raises(RbprofileError, match=rf"not writing {path}: a value is NaN or infinite"):
        write_json(path, {"x": bad})
    assert json.loads(path.read_text()) == {"x": 1.0}
    assert _names(tmp_path) == ["m.json"]


def test_write_json_other_errors_stay_errors(tmp_path: Path) -> None:
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        write_json(tmp_path / "m.json", loop)
    with pytest.raises(TypeError, match="not JSON serializable"):
        write_json(tmp_path / "m.json", {"p": tmp_path})
    assert _names(tmp_path) == []


def test_write_parquet_round_trips(tmp_path: Path) -> None:
    frame = pl.DataFrame({"key": ["a", "b"], "self_s": [1.5, 0.25]})
    path = write_parquet(tmp_path / "f.parquet", frame, fsync=True)
    assert_frame_equal(pl.read_parquet(path), frame)
    assert _names(tmp_path) == ["f.parquet"]


def test_a_failure_mid_write_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "f.parquet", pl.DataFrame({"x": [1]}))
    before = path.read_bytes()
    # Parquet cannot hold Python objects: polars fails after the temporary file exists
    unwritable = pl.DataFrame({"x": [object()]}, schema={"x": pl.Object})
    with pytest.raises(pl.exceptions.ComputeError, match="cannot write 'Object' datatype"):
        write_parquet(path, unwritable)
    assert path.read_bytes() == before
    assert _names(tmp_path) == ["f.parquet"]


def test_an_interrupt_inside_replacing_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "a.bin", b"old")
    with pytest.raises(KeyboardInterrupt), replacing(path) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".a.bin.")
        tmp.write_bytes(b"half")
        raise KeyboardInterrupt
    assert path.read_bytes() == b"old"
    assert _names(tmp_path) == ["a.bin"]


def test_the_new_file_gets_the_umask_mode_not_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = write_bytes(tmp_path / "a.bin", b"x")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


def test_a_missing_directory_is_an_error_not_a_created_tree(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_bytes(tmp_path / "nope" / "a.bin", b"x")
    assert _names(tmp_path) == []
