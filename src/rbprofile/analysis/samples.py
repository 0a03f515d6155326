"""The py-spy samples as one Polars table, loaded once; every py-spy view is an expression over it.

    FRAMES_SCHEMA   Samples.frames: one row per frame of each distinct stack, sorted by
                    (stack, depth): stack (id), count (samples of that stack), depth (0 = root),
                    function, file, line (null without line numbers), module, qualname,
                    key ("module:qualname"), native (C, Rust, libc frame), idle (per stack: its
                    leaf waits), leaf (the stack's last frame), python_leaf (its deepest
                    non-native frame; a stack of native frames only has none)
    STACKS_SCHEMA   Samples.stacks: one row per distinct stack: stack, count, idle, n_frames.
                    Frameless stacks (py-spy's ` 4` lines: samples with no Python stack)
                    appear only here, and still count in `total`.
    Samples         path, frames, stacks, format ("collapsed", "speedscope"), has_idle,
                    has_native (of the whole recording), short_filenames (no Python frame
                    has an absolute file: py-spy ran without --full-filenames, so no
                    source can be read for loop evidence), total (samples of these stacks);
                    .restrict(stack_ids) -> Samples; .cached(name, build) memoizes a derived
                    table (stack owners per project, own samples) on this value
    Frame           one parsed frame (function, file, line, module, native, qualname)
    build_samples(path, stacks, fmt) -> Samples
        stacks: (frames root first, count, idle) records; identical stacks are merged
    write_samples(samples, path) / read_samples(path) -> Samples
        Parquet, one row per stack with its frames as a list, written atomically (temp file,
        then rename); identities (module, qualname) were resolved when recorded, so reading
        needs no source file. The file's metadata keeps a version (refused when unknown),
        the format, has_idle/has_native/short_filenames and the py-spy source path; `path` of what
        read_samples returns is the Parquet file. A file with no sample is refused
        (`require_samples`, as `load_pyspy` refuses one).

Each stack's owner (deepest frame of a project) is rbprofile.analysis.owners.stack_owners,
computed once per project and cached on the Samples value.

Shared by the views: PYTHON_LEAF_DEPTH (per stack, null without a Python frame),
BELOW_PYTHON_LEAF (the native frames under it; every frame of a native-only stack) and
    sample_counts(frames, by, own) -> pl.DataFrame
        `by`, self_samples (samples of the stacks whose `own` frame has that value),
        inclusive_samples (of the stacks containing it, once per stack).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import polars as pl

from rbprofile.errors import RbprofileError

SAMPLES_VERSION = 1
_META_KEY = "rbprofile.samples"
MAX_COUNT = 2**63 - 1  # sample counts are Int64

FRAMES_SCHEMA = pl.Schema(
    {
        "stack": pl.Int64,
        "count": pl.Int64,
        "depth": pl.Int64,
        "function": pl.String,
        "file": pl.String,
        "line": pl.Int64,
        "module": pl.String,
        "qualname": pl.String,
        "key": pl.String,
        "native": pl.Boolean,
        "idle": pl.Boolean,
        "leaf": pl.Boolean,
        "python_leaf": pl.Boolean,
    }
)
STACKS_SCHEMA = pl.Schema(
    {"stack": pl.Int64, "count": pl.Int64, "idle": pl.Boolean, "n_frames": pl.Int64}
)
# what is recorded per frame; the other FRAMES_SCHEMA columns are derived from it
FRAME_FIELDS = pl.Schema(
    {
        "function": pl.String,
        "file": pl.String,
        "line": pl.Int64,
        "module": pl.String,
        "native": pl.Boolean,
        "qualname": pl.String,
    }
)
_STORED = pl.Schema(
    {
        "stack": pl.Int64(),
        "count": pl.Int64(),
        "idle": pl.Boolean(),
        "frames": pl.List(pl.Struct(FRAME_FIELDS)),
    }
)

PYTHON_LEAF_DEPTH = pl.col("depth").filter(pl.col("python_leaf")).first().over("stack")
BELOW_PYTHON_LEAF = pl.col("depth") > PYTHON_LEAF_DEPTH.fill_null(-1)


class Frame(NamedTuple):
    function: str
    file: str
    line: int | None
    module: str
    native: bool
    qualname: str


@dataclass(frozen=True)
class Samples:
    path: Path
    frames: pl.DataFrame = field(repr=False)  # FRAMES_SCHEMA
    stacks: pl.DataFrame = field(repr=False)  # STACKS_SCHEMA
    format: str  # "collapsed" or "speedscope"
    has_idle: bool
    has_native: bool
    short_filenames: bool = False
    # variance of its shares over the binomial's, measured from per-run counts (1: not measured
    # or independent draws); intervals use counts / design (rbprofile.analysis.intervals)
    design: float = 1.0
    _memo: dict[tuple[str, ...], pl.DataFrame] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def total(self) -> int:
        return int(self.stacks["count"].sum())

    def restrict(self, stack_ids: pl.Series) -> Samples:
        """The same recording cut to these stacks (has_idle/has_native stay the recording's)."""
        keep = pl.col("stack").is_in(stack_ids.implode())
        return replace(
            self, frames=self.frames.filter(keep), stacks=self.stacks.filter(keep), _memo={}
        )

    def cached(
        self, name: tuple[str, ...], build: Callable[[Samples], pl.DataFrame]
    ) -> pl.DataFrame:
        """`build(self)`, computed once per `name` for this value."""
        found = self._memo.get(name)
        if found is None:
            found = self._memo[name] = build(self)
        return found


def sample_counts(frames: pl.DataFrame, by: str, own: pl.Expr) -> pl.DataFrame:
    """Self and inclusive samples per value of column `by`, in first-sampled order."""
    inclusive = (
        frames.unique(["stack", by], keep="first", maintain_order=True)
        .group_by(by, maintain_order=True)
        .agg(pl.col("count").sum().alias("inclusive_samples"))
    )
    owned = frames.filter(own).group_by(by).agg(pl.col("count").sum().alias("self_samples"))
    return (
        inclusive.join(owned, on=by, how="left", maintain_order="left")
        .with_columns(pl.col("self_samples").fill_null(0))
        .select(by, "self_samples", "inclusive_samples")
    )


def _assemble(path: Path, flat: pl.DataFrame, stacks: pl.DataFrame, fmt: str) -> Samples:
    """Derived columns over `flat` (stack, count, idle, depth and FRAME_FIELDS per frame)."""
    python = ~pl.col("native")
    frames = (
        flat.sort("stack", "depth")
        .with_columns(
            pl.format("{}:{}", "module", "qualname").alias("key"),
            (pl.col("depth") == pl.col("depth").max().over("stack")).alias("leaf"),
            (python & (pl.col("depth") == pl.col("depth").filter(python).max().over("stack")))
            .fill_null(False)
            .alias("python_leaf"),
        )
        .select(FRAMES_SCHEMA.names())
        .cast(dict(FRAMES_SCHEMA))  # type: ignore[arg-type]
    )
    stacks = stacks.select(STACKS_SCHEMA.names()).cast(dict(STACKS_SCHEMA))  # type: ignore[arg-type]
    has_idle = bool(stacks["idle"].any())
    has_native = bool(frames["native"].any())
    return Samples(path, frames, stacks, fmt, has_idle, has_native)


def build_samples(
    path: Path, stacks: Iterable[tuple[tuple[Frame, ...], int, bool]], fmt: str
) -> Samples:
    """The table of these stacks (root first); identical stacks are merged, first one's idle."""
    ids: dict[Frame, int] = {}
    merged: dict[tuple[int, ...], list[int]] = {}  # frame ids -> [count, idle]
    for frames, count, idle in stacks:
        key = tuple(ids.setdefault(f, len(ids)) for f in frames)
        found = merged.get(key)
        if found is None:
            merged[key] = [count, int(idle)]
        else:
            found[0] += count
    if sum(c for c, _ in merged.values()) > MAX_COUNT:
        raise RbprofileError(f"{path}: more than 2**63-1 samples in all; not py-spy output.")
    table = pl.DataFrame(list(ids), schema=FRAME_FIELDS, orient="row").with_row_index("fid")
    per_stack = pl.DataFrame(
        {
            "stack": range(len(merged)),
            "count": [c for c, _ in merged.values()],
            "idle": [bool(i) for _, i in merged.values()],
            "fid": [list(k) for k in merged],
        },
        schema={
            "stack": pl.Int64,
            "count": pl.Int64,
            "idle": pl.Boolean,
            "fid": pl.List(pl.UInt32),
        },
    ).with_columns(pl.col("fid").list.len().cast(pl.Int64).alias("n_frames"))
    flat = (
        per_stack.with_columns(pl.int_ranges(pl.col("n_frames")).alias("depth"))
        .explode("fid", "depth")
        .drop_nulls("fid")
        .join(table, on="fid", how="left")
    )
    return _assemble(path, flat, per_stack, fmt)


def require_samples(samples: Samples) -> Samples:
    """`samples`, or RbprofileError when the recording holds no sample (shares would be 0/0)."""
    if samples.total <= 0:
        raise RbprofileError(
            f"{samples.path}: the py-spy recording holds no samples; record a program that runs "
            "long enough to be sampled (or raise --rate)."
        )
    return samples


def write_samples(samples: Samples, path: Path) -> Path:
    """Write `samples` to Parquet at `path` atomically (temporary file, then rename)."""
    nested = samples.frames.group_by("stack").agg(
        pl.struct(FRAME_FIELDS.names()).sort_by("depth").alias("frames")
    )
    stored = (
        samples.stacks.join(nested, on="stack", how="left", maintain_order="left")
        .with_columns(pl.col("frames").fill_null([]))
        .select(_STORED.names())
        .cast(dict(_STORED))  # type: ignore[arg-type]
    )
    meta = {
        "version": SAMPLES_VERSION,
        "format": samples.format,
        "has_idle": samples.has_idle,
        "has_native": samples.has_native,
        "short_filenames": samples.short_filenames,
        "source": str(samples.path),
    }
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        stored.write_parquet(tmp, metadata={_META_KEY: json.dumps(meta)})
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def read_samples(path: Path) -> Samples:
    """Samples written by `write_samples`; no source file is read."""
    path = Path(path)
    try:
        meta = json.loads(pl.read_parquet_metadata(path)[_META_KEY])
        stored = pl.read_parquet(path)
    except (OSError, KeyError, ValueError, pl.exceptions.PolarsError) as exc:
        raise RbprofileError(
            f"{path}: not an rbprofile samples file ({exc.__class__.__name__}); "
            "record the run again."
        ) from None
    if not isinstance(meta, dict):
        meta = {}
    if meta.get("version") != SAMPLES_VERSION or stored.schema != _STORED:
        raise RbprofileError(
            f"{path}: samples file version {meta.get('version')!r} is not {SAMPLES_VERSION}; "
            "record the run again with this rbprofile."
        )
    stacks = stored.with_columns(pl.col("frames").list.len().cast(pl.Int64).alias("n_frames"))
    flat = (
        stacks.with_columns(pl.int_ranges(pl.col("n_frames")).alias("depth"))
        .explode("frames", "depth")
        .drop_nulls("depth")
        .unnest("frames")
    )
    if stored.filter(pl.col("count") < 0).height:
        raise RbprofileError(f"{path}: negative sample counts; record the run again.")
    samples = _assemble(path, flat, stacks.drop("frames"), str(meta.get("format")))
    return require_samples(
        replace(
            samples,
            has_idle=bool(meta.get("has_idle")),
            has_native=bool(meta.get("has_native")),
            short_filenames=bool(meta.get("short_filenames")),  # absent before: full names
        )
    )
