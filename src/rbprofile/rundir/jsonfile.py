"""Versioned JSON files of a run directory: one reading policy for all of them.

Every JSON file rbprofile writes carries `schema_version`. A reader is chosen from a version map
(pyperf's `_JSON_MAP_VERSION` idea): a file with a version the map does not hold, no version, an
invalid JSON body or a non-object top level is refused with a one-line `RbprofileError` that
says what to do. `Fields` reads typed values out of a decoded object and names the file and
field when one has the wrong type, so a hand-edited file never ends in a traceback. What
each command does with a refused file is `rbprofile.rundir.run.Run.checked`'s policy.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from rbprofile.errors import RbprofileError

T = TypeVar("T")
RERUN = "re-record the run (`rbprofile run ... --force`)"


def read_object(path: Path) -> dict[str, Any]:
    """The JSON object in `path`; RbprofileError when absent, unreadable or not an object."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RbprofileError(f"{path} does not exist; {RERUN}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RbprofileError(f"{path} cannot be read ({exc}); {RERUN}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RbprofileError(
            f"{path} is not valid JSON ({exc.msg} at line {exc.lineno}); {RERUN}"
        ) from None
    if not isinstance(data, dict):
        raise RbprofileError(f"{path} holds a JSON {type(data).__name__}, not an object; {RERUN}")
    return data


def read_versioned(path: Path, readers: Mapping[int, Callable[[Fields], T]]) -> T:
    """Read `path` with the reader its `schema_version` selects."""
    fields = Fields(read_object(path), str(path))
    version = fields.data.get("schema_version")
    reader = (
        readers.get(version) if isinstance(version, int) and not isinstance(version, bool) else None
    )
    if reader is None:
        known = ", ".join(str(v) for v in sorted(readers))
        raise RbprofileError(
            f"{path} has schema_version {version!r}; this rbprofile reads {known}: upgrade "
            f"rbprofile, or {RERUN}"
        )
    return reader(fields)


class Fields:
    """Typed access to one decoded JSON object; errors name the file and the field."""

    def __init__(self, data: Mapping[str, Any], where: str) -> None:
        self.data = data
        self.where = where

    def fail(self, key: str, expected: str) -> RbprofileError:
        got = self.data.get(key)
        return RbprofileError(
            f"{self.where}: field {key!r} must be {expected}, got {_short(got)}; {RERUN}"
        )

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.data.get(key, default)
        if value is not None and not isinstance(value, str):
            raise self.fail(key, "a string")
        return value

    def flag(self, key: str) -> bool | None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, bool):
            raise self.fail(key, "true or false")
        return value

    def integer(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise self.fail(key, "an integer")
        return value

    def number(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not is_number(value):
            raise self.fail(key, "a finite number")
        return float(value)

    def numbers(self, key: str, *, allow_none: bool = False) -> tuple[float | None, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(
            is_number(v) or (allow_none and v is None) for v in value
        ):
            raise self.fail(key, "a list of finite numbers")
        return tuple(None if v is None else float(v) for v in value)

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "a list of strings")
        return tuple(value)

    def array(self, key: str) -> list[Any]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(key, "a list")
        return value

    def sub(self, key: str) -> Fields | None:
        """The nested object at `key` (None when absent or null)."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(key, "an object")
        return Fields(value, f"{self.where}: {key}")

    def subs(self, key: str) -> dict[str, Fields]:
        """A nested object of objects, e.g. profilers {name: {...}}."""
        value = self.data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            raise self.fail(key, "an object of objects")
        return {str(k): Fields(v, f"{self.where}: {key}.{k}") for k, v in value.items()}

    def items(self, key: str) -> list[Fields]:
        """A list of objects."""
        value = self.array(key)
        if not all(isinstance(v, dict) for v in value):
            raise self.fail(key, "a list of objects")
        return [Fields(v, f"{self.where}: {key}[{i}]") for i, v in enumerate(value)]


def is_number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _short(value: object) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."
