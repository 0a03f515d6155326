"""The scaling directory: `<profiles-dir>/<label>/scaling-<name>/` (file names: rundir.files).

    scaling.json          manifest: what ran (sizes, runs, bundles or command), versions, the
                          fit settings and the projection's target, distances and refusals
    measurements.parquet  the measurement table (rbprofile.scale.measurements), one row per
                          (size point, repeat, function)
    fits.parquet          ScalingFits.table (FIT_SCHEMA)
    projection.parquet    Projection.table (PROJECTION_SCHEMA), only with --at
    pstats/               the cProfile output of every run

    write_scaling(tmp_dir, stored)            the files above (atomic each; the directory
                                              itself is committed by rundir.writer.RunDir)
    read_scaling(path) -> Stored              back, without re-running or re-fitting
    scaling_path(label, name, profiles_dir)   where one lives; scaling_names(label_dir)

A stored result re-renders from these files alone: `Stored.fits` / `.projection` are rebuilt
from the tables and the manifest (no power-law models: re-projecting to a new --at refits
from measurements.parquet, see rbprofile.scaling.core).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from rbprofile.atomic import write_json, write_parquet
from rbprofile.errors import RbprofileError
from rbprofile.paths import profiles_dir as default_profiles_dir
from rbprofile.rundir import files
from rbprofile.rundir.jsonfile import read_object
from rbprofile.scale.fit import FIT_SCHEMA, ScalingFits
from rbprofile.scale.project import PROJECTION_SCHEMA, Projection, ProjectionRules
from rbprofile.schema import validate

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Stored:
    path: Path
    manifest: dict[str, Any]
    measurements: pl.DataFrame
    fits: ScalingFits
    projection: Projection | None

    @property
    def name(self) -> str:
        return str(self.manifest["name"])


def scaling_path(label: str, name: str, profiles_dir: Path | None = None) -> Path:
    return default_profiles_dir(profiles_dir) / label / files.scaling_dir_name(name)


def scaling_names(label_dir: Path) -> list[str]:
    """The names of the scaling results under a label directory, sorted."""
    if not label_dir.is_dir():
        return []
    return sorted(
        p.name.removeprefix(files.SCALING_PREFIX)
        for p in label_dir.iterdir()
        if p.name.startswith(files.SCALING_PREFIX) and (p / files.SCALING_MANIFEST).is_file()
    )


def fit_block(fits: ScalingFits) -> dict[str, Any]:
    return {
        "variables": list(fits.variables),
        "ranges": {v: list(r) for v, r in fits.ranges.items()},
        "largest": fits.largest,
        "level": fits.level,
        "min_excess": fits.min_excess,
    }


def projection_block(projection: Projection) -> dict[str, Any]:
    return {
        "at": projection.at,
        "distance": {v: d if d != float("inf") else None for v, d in projection.distance.items()},
        "rules": {
            "max_extrapolation": projection.rules.max_extrapolation,
            "max_interval_ratio": projection.rules.max_interval_ratio,
            "threshold": projection.rules.threshold,
        },
        "message": projection.message,
    }


def write_scaling(
    directory: Path,
    manifest: dict[str, Any],
    measurements: pl.DataFrame,
    fits: ScalingFits,
    projection: Projection | None,
) -> None:
    write_parquet(directory / files.SCALING_MEASUREMENTS, measurements)
    write_parquet(directory / files.SCALING_FITS, fits.table)
    block = None
    if projection is not None:
        write_parquet(directory / files.SCALING_PROJECTION, projection.table)
        block = projection_block(projection)
    full = {"schema_version": SCHEMA_VERSION, **manifest, "fit": fit_block(fits)}
    write_json(directory / files.SCALING_MANIFEST, full | {"projection": block})


def _bad(path: Path, what: str) -> RbprofileError:
    return RbprofileError(
        f"{path} is not a usable scaling result ({what}); re-record it with "
        "`rbprofile scale ... --force`"
    )


def _table(path: Path, schema: pl.Schema) -> pl.DataFrame:
    try:
        return validate(pl.read_parquet(path), schema, path.name)
    except FileNotFoundError:
        raise _bad(path.parent, f"{path.name} is missing") from None
    except (OSError, ValueError, pl.exceptions.PolarsError) as exc:
        raise _bad(path.parent, f"{path.name}: {exc}") from None


def _fits(path: Path, block: dict[str, Any]) -> ScalingFits:
    try:
        variables = tuple(str(v) for v in block["variables"])
        ranges = {
            v: (float(block["ranges"][v][0]), float(block["ranges"][v][1])) for v in variables
        }
        return ScalingFits(
            variables=variables,
            ranges=ranges,
            largest={v: float(block["largest"][v]) for v in variables},
            table=_table(path / files.SCALING_FITS, FIT_SCHEMA),
            models={},
            level=float(block["level"]),
            min_excess=float(block["min_excess"]),
        )  # fmt: skip
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise _bad(path, f"{files.SCALING_MANIFEST} fit block: {exc!r}") from None


def _projection(path: Path, block: dict[str, Any] | None) -> Projection | None:
    if block is None:
        return None
    try:
        distance = {
            v: float("inf") if d is None else float(d) for v, d in block["distance"].items()
        }
        return Projection(
            at={v: float(x) for v, x in block["at"].items()},
            distance=distance,
            rules=ProjectionRules(**{k: float(x) for k, x in block["rules"].items()}),
            table=_table(path / files.SCALING_PROJECTION, PROJECTION_SCHEMA),
            message=block.get("message"),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _bad(path, f"{files.SCALING_MANIFEST} projection block: {exc!r}") from None


def read_scaling(path: Path) -> Stored:
    """A stored scaling result, from its files only."""
    if not (path / files.SCALING_MANIFEST).is_file():
        raise RbprofileError(
            f"no scaling result at {path}; record one with `rbprofile scale ...` "
            "(`rbprofile scale --help`)"
        )
    manifest = read_object(path / files.SCALING_MANIFEST)
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise _bad(path, f"schema_version {manifest.get('schema_version')!r}, expected 1")
    if not isinstance(manifest.get("fit"), dict) or "name" not in manifest:
        raise _bad(path, f"{files.SCALING_MANIFEST} has no fit block or name")
    measurements = pl.read_parquet(path / files.SCALING_MEASUREMENTS)
    fits = _fits(path, manifest["fit"])
    return Stored(path, manifest, measurements, fits, _projection(path, manifest["projection"]))
