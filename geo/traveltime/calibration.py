"""Calibration of the travel-time estimate: Eurostat's road accessibility per province and published trips.

Eurostat/GISCO publishes, per NUTS region, the share of inhabitants living more than 5, 20 and 45 car
minutes from the nearest healthcare facility, computed on a road network over the census 2021 1 km
grid. :func:`run_calibration` runs the model on the same inputs (GISCO's healthcare points of the
Netherlands, ``data/calibration/gisco_healthcare_nl.csv``, and the census grid,
``data/population/grid_1km.csv``) and puts the two side by side, with the published trips of
``data/calibration.csv``. The command ``netwerkatlas calibrate --write`` stores the result in
``data/calibration/result.json`` and the tables in ``docs/traveltime.md`` and ``README.md``;
:func:`error_summary` reads that file, so the app states the measured error without rerunning it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo import schema
from geo.crs import GEOD, to_rd
from geo.data import default_data_dir, read_table
from geo.errors import DataValidationError
from geo.traveltime.model import TravelModel
from geo.traveltime.params import CALIBRATION_FILE, TravelTimeError
from geo.traveltime.queries import nearest_minutes_xy, travel_minutes
from geo.traveltime.surface import _read_csv

#: The census 1 km grid (``cell_id,x,y,inhabitants,province,pc4``; x, y = cell centre in RD New).
GRID_FILE = "population/grid_1km.csv"
FACILITIES_FILE = "calibration/gisco_healthcare_nl.csv"
EUROSTAT_FILE = "calibration/eurostat_accessibility_nl.csv"
#: The committed result of ``netwerkatlas calibrate --write``, read by :func:`error_summary`.
RESULT_FILE = "calibration/result.json"
THRESHOLDS = (5, 20, 45)
#: The figures compared with: nearest facility, 2020 (the year closest to the 2019 facility file).
YEAR, OTHER_YEAR = "2020", "2023"
NATIONAL = "Nederland"
DOC_LINK = "docs/traveltime.md#calibration-against-eurostat"

_FACILITY_TYPES = (
    "general_hospital",
    "academic_hospital",
    "childrens_hospital",
    "port_hospital",
    "outpatient_clinic",
)
FACILITIES = schema.Table(
    FACILITIES_FILE,
    (
        schema.Column("facility_id", check=schema.check_int),
        schema.Column("name", check=schema.free_text(200)),
        schema.Column("type", check=schema.one_of(_FACILITY_TYPES)),
        schema.Column("city", check=schema.free_text(80)),
        schema.Column("lat", check=schema.check_float(50.70, 53.60)),
        schema.Column("lon", check=schema.check_float(3.30, 7.25)),
        schema.Column("source_line", check=schema.check_int),
    ),
    key=("facility_id",),
)
EUROSTAT = schema.Table(
    EUROSTAT_FILE,
    (
        schema.Column("nuts_id", check=schema.free_text(5)),
        schema.Column("region", check=schema.one_of((NATIONAL, *schema.PROVINCES))),
        schema.Column("indicator", check=schema.one_of(("nearest", "average_3_nearest"))),
        schema.Column("threshold_min", required=False, check=schema.one_of(tuple(map(str, THRESHOLDS)))),
        schema.Column("unit", check=schema.one_of(("percent", "persons"))),
        schema.Column("year", check=schema.one_of((YEAR, OTHER_YEAR))),
        schema.Column("value", check=schema.check_float(0, 2e7)),
        schema.Column("source_file", check=schema.free_text(200)),
    ),
    key=("nuts_id", "indicator", "threshold_min", "unit", "year"),
)


def _checked(table: schema.Table, data_dir: Path) -> pd.DataFrame:
    frame, problems = read_table(table, data_dir)
    if problems:
        raise DataValidationError(problems)
    return frame


def load_facilities(data_dir: Path | None = None) -> pd.DataFrame:
    """GISCO's 2019 healthcare points of the Netherlands (checked), with RD New ``x``, ``y``."""
    frame = _checked(FACILITIES, data_dir or default_data_dir())
    lat, lon = frame["lat"].astype(float).to_numpy(), frame["lon"].astype(float).to_numpy()
    x, y = to_rd().transform(lon, lat)
    return frame.assign(lat=lat, lon=lon, x=x, y=y)


def load_eurostat(data_dir: Path | None = None) -> pd.DataFrame:
    """Eurostat's shares beyond each threshold, nearest facility, percent: region x threshold x year."""
    frame = _checked(EUROSTAT, data_dir or default_data_dir())
    keep = (frame["indicator"] == "nearest") & (frame["unit"] == "percent") & (frame["threshold_min"] != "")
    frame = frame[keep].assign(
        value=lambda f: f["value"].astype(float), threshold_min=lambda f: f["threshold_min"].astype(int)
    )
    return frame.pivot_table(
        index=["region", "threshold_min"], columns="year", values="value", aggfunc="first"
    )


def load_grid(data_dir: Path | None = None) -> pd.DataFrame:
    """The census 1 km population grid; a clear error when the file is missing or malformed."""
    path = (data_dir or default_data_dir()) / GRID_FILE
    if not path.exists():
        msg = (
            f"{path} is missing: the calibration needs the census 2021 1 km population grid "
            "(columns cell_id,x,y,inhabitants,province,pc4; see data/README.md)"
        )
        raise TravelTimeError(msg)
    grid = pd.read_csv(path, dtype={"cell_id": str, "province": str, "pc4": str})
    missing = [c for c in ("x", "y", "inhabitants", "province") if c not in grid.columns]
    if missing:
        raise TravelTimeError(f"{path}: missing column(s) {', '.join(missing)}")
    unknown = sorted(set(grid["province"]) - set(schema.PROVINCES))
    if unknown:
        raise TravelTimeError(f"{path}: unknown province(s) {', '.join(unknown)}")
    return grid


def cell_minutes(model: TravelModel, grid: pd.DataFrame, facilities: pd.DataFrame) -> np.ndarray:
    """Model minutes from every grid cell centre to the fastest facility."""
    site_xy = facilities[["x", "y"]].to_numpy(float)
    point_xy = grid[["x", "y"]].to_numpy(float)
    minutes, _ = nearest_minutes_xy(
        model, site_xy, point_xy, 1, point_names=list(grid.get("cell_id", [])) or None
    )
    return minutes


def shares_beyond(grid: pd.DataFrame, minutes: np.ndarray) -> pd.DataFrame:
    """Percent of inhabitants beyond each threshold, per province and for the Netherlands."""
    people = grid["inhabitants"].to_numpy(float)
    out = {}
    for t in THRESHOLDS:
        beyond = pd.Series(people * (minutes > t)).groupby(grid["province"].to_numpy()).sum()
        total = pd.Series(people).groupby(grid["province"].to_numpy()).sum()
        pct = 100.0 * beyond / total
        pct[NATIONAL] = 100.0 * beyond.sum() / total.sum()
        out[t] = pct
    return pd.DataFrame(out)


def trips(model: TravelModel, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Model minutes beside published car travel times (``data/calibration.csv``).

    Rows with ``closed_links`` are computed with those links closed (a published detour); rows whose
    ``includes_overhead`` is ``no`` (a route planner's pure driving time) are compared without the
    model's fixed start/finish overhead.

    Returns
    -------
    DataFrame
        The table plus ``crow_km``, ``model_min``, ``error_min`` (model minus published) and
        ``error_pct``.
    """
    if table is None:
        table = _read_csv(default_data_dir() / CALIBRATION_FILE)
    rows = []
    for r in table.itertuples():
        closed = [c for c in str(getattr(r, "closed_links", "") or "").split(";") if c.strip()]
        m = model.replace(closed_links=[*model.closed_links, *closed]) if closed else model
        f_lat, f_lon, t_lat, t_lon = (float(v) for v in (r.from_lat, r.from_lon, r.to_lat, r.to_lon))
        minutes = travel_minutes(m, f_lat, f_lon, t_lat, t_lon)
        if str(getattr(r, "includes_overhead", "yes")).strip().lower() == "no":
            minutes -= m.overhead_min
        _, _, d = GEOD.inv(f_lon, f_lat, t_lon, t_lat)
        rows.append({"crow_km": d / 1000.0, "model_min": minutes})
    out = pd.concat([table.reset_index(drop=True), pd.DataFrame(rows)], axis=1)
    published = pd.to_numeric(out["published_min"])
    out["error_min"] = out["model_min"] - published
    out["error_pct"] = 100.0 * out["error_min"] / published
    return out


def calibration_summary(result: pd.DataFrame) -> dict[str, float]:
    """Median and worst absolute error of a :func:`trips` result, in minutes and percent."""
    err = result["error_min"].abs()
    pct = result["error_pct"].abs()
    return {
        "pairs": len(result),
        "median_abs_error_min": float(err.median()),
        "worst_abs_error_min": float(err.max()),
        "median_abs_error_pct": float(pct.median()),
        "worst_abs_error_pct": float(pct.max()),
        "median_error_min": float(result["error_min"].median()),
    }


@dataclass(frozen=True)
class ErrorSummary:
    """The measured error of the estimate, as the app states it (from ``data/calibration/result.json``)."""

    mean_abs_diff_gt20_pt: float  # mean over the 12 provinces of |model - Eurostat 2020|, > 20 min
    mean_abs_diff_gt5_pt: float
    max_abs_diff_gt20_pt: float
    max_abs_diff_gt5_pt: float
    median_trip_error_min: float
    trips: int
    doc: str = DOC_LINK


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _r(value: float, nd: int = 2) -> float | None:
    return None if not math.isfinite(value) else round(float(value), nd)


def model_parameters(model: TravelModel) -> dict[str, Any]:
    """The parameters a result was computed with (the app's defaults unless changed)."""
    return {
        "land_kmh": model.land_kmh,
        "trunk_kmh": model.trunk_kmh,
        "ramp_min": model.ramp_min,
        "overhead_min": model.overhead_min,
        "access_max_min": model.access_max_min,
        "access_half_density": model.access_half_density,
        "ferry_wait_min": model.ferry_wait_min,
        "ferries": list(model.ferries),
        "closed_links": list(model.closed_links),
    }


def run_calibration(model: TravelModel, data_dir: Path | None = None) -> tuple[dict[str, Any], pd.DataFrame]:
    """Run the model on GISCO's facilities and the census grid and compare with Eurostat and the trips.

    Returns
    -------
    result : dict
        JSON-ready: ``parameters``, ``inputs`` (SHA-256 of each input file), ``regions`` (one row per
        region and threshold: ``model_pct``, ``eurostat_2020_pct``, ``eurostat_2023_pct``,
        ``diff_2020_pt``, ``diff_2023_pt``), ``trips`` and ``summary`` (see :class:`ErrorSummary`).
    cells : DataFrame
        Every grid cell with ``minutes`` to the fastest facility.
    """
    data_dir = data_dir or default_data_dir()
    grid, facilities, eurostat = load_grid(data_dir), load_facilities(data_dir), load_eurostat(data_dir)
    minutes = cell_minutes(model, grid, facilities)
    shares = shares_beyond(grid, minutes)
    regions = []
    for region in [*sorted(schema.PROVINCES), NATIONAL]:
        for t in THRESHOLDS:
            ref = eurostat.loc[(region, t)]
            m = float(shares.loc[region, t])
            regions.append(
                {
                    "region": region,
                    "threshold_min": t,
                    "model_pct": _r(m),
                    "eurostat_2020_pct": _r(ref[YEAR]),
                    "eurostat_2023_pct": _r(ref[OTHER_YEAR]),
                    "diff_2020_pt": _r(m - ref[YEAR]),
                    "diff_2023_pt": _r(m - ref[OTHER_YEAR]),
                }
            )
    trip_rows = trips(model)
    trip_records = [
        {
            "pair_id": r.pair_id,
            "from": r.from_name,
            "to": r.to_name,
            "closed_links": r.closed_links,
            "published_min": float(r.published_min),
            "crow_km": _r(r.crow_km, 1),
            "model_min": _r(r.model_min, 1),
            "error_min": _r(r.error_min, 1),
            "source": f"{r.source_url} ({r.source_date})",
        }
        for r in trip_rows.itertuples()
    ]
    result = {
        "generated_by": "netwerkatlas calibrate --write",
        "parameters": model_parameters(model),
        "inputs": {
            name: _sha256(data_dir / name)
            for name in (
                GRID_FILE,
                FACILITIES_FILE,
                EUROSTAT_FILE,
                CALIBRATION_FILE,
                "traveltime/density.npz",
            )
        },
        "cells": len(grid),
        "inhabitants": int(grid["inhabitants"].sum()),
        "facilities": len(facilities),
        "regions": regions,
        "trips": trip_records,
    }
    result["summary"] = asdict(summarise(result))
    cells = grid[[c for c in ("cell_id", "x", "y", "inhabitants", "province") if c in grid.columns]].copy()
    cells["minutes"] = np.round(minutes, 2)
    return result, cells


def summarise(result: dict[str, Any]) -> ErrorSummary:
    """The :class:`ErrorSummary` of a :func:`run_calibration` result."""
    rows = pd.DataFrame(result["regions"])
    prov = rows[rows["region"] != NATIONAL]
    diff = prov.pivot(index="region", columns="threshold_min", values="diff_2020_pt").abs()
    errors = pd.Series([t["error_min"] for t in result["trips"]], dtype=float).abs()
    return ErrorSummary(
        mean_abs_diff_gt20_pt=round(float(diff[20].mean()), 2),
        mean_abs_diff_gt5_pt=round(float(diff[5].mean()), 2),
        max_abs_diff_gt20_pt=round(float(diff[20].max()), 2),
        max_abs_diff_gt5_pt=round(float(diff[5].max()), 2),
        median_trip_error_min=round(float(errors.median()), 1),
        trips=len(errors),
    )


def load_result(data_dir: Path | None = None) -> dict[str, Any]:
    """The committed calibration result (``data/calibration/result.json``)."""
    path = (data_dir or default_data_dir()) / RESULT_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TravelTimeError(f"{path} is missing; write it with `netwerkatlas calibrate --write`") from None


def error_summary(data_dir: Path | None = None) -> ErrorSummary:
    """The measured error of the estimate from the committed result; no model run (memoised per file)."""
    path = (data_dir or default_data_dir()) / RESULT_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise TravelTimeError(f"{path} is missing; write it with `netwerkatlas calibrate --write`") from None
    return _summary_of(str(path), stamp)


@lru_cache(maxsize=4)
def _summary_of(path: str, _stamp: int) -> ErrorSummary:
    return summarise(load_result(Path(path).parent.parent))


def error_caption(lang: str = "nl") -> str:
    """The measured error as the app states it next to minutes, in ``lang``."""
    from geo.i18n import fmt_number, t

    e = error_summary()
    return t(
        "tt.error",
        lang,
        gt20=fmt_number(e.mean_abs_diff_gt20_pt, lang, decimals=1),
        gt5=fmt_number(e.mean_abs_diff_gt5_pt, lang, decimals=1),
        trips=e.trips,
        trip=fmt_number(e.median_trip_error_min, lang, decimals=1),
        doc=e.doc,
    )


# --- tables ---------------------------------------------------------------------------------------------


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}"


def _diff(v: float | None) -> str:
    return "–" if v is None else f"{v:+.2f}"


def markdown_regions(result: dict[str, Any], regions: Iterable[str] | None = None) -> str:
    """The region table: per threshold the model, Eurostat 2020 and 2023 (%) and model − 2020 (points)."""
    rows = pd.DataFrame(result["regions"]).set_index(["region", "threshold_min"])
    wanted = list(regions) if regions is not None else [*sorted(schema.PROVINCES), NATIONAL]
    head = "| region |" + "".join(f" > {t} min: model | 2020 | 2023 | model − 2020 |" for t in THRESHOLDS)
    lines = [head, "|---|" + "---:|" * (4 * len(THRESHOLDS))]
    for region in wanted:
        cells = []
        for t in THRESHOLDS:
            r = rows.loc[(region, t)]
            cells += [
                _pct(r.model_pct),
                _pct(r.eurostat_2020_pct),
                _pct(r.eurostat_2023_pct),
                _diff(r.diff_2020_pt),
            ]
        name = f"**{region}**" if region == NATIONAL else region
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown_trips(result: dict[str, Any]) -> str:
    """The published trips beside the model."""
    lines = [
        "| trip | published min | crow km | model min | model − published |",
        "|---|---:|---:|---:|---:|",
    ]
    for t in result["trips"]:
        closed = f" ({t['closed_links'].replace(';', ', ')} closed)" if t["closed_links"] else ""
        lines.append(
            f"| {t['from']} → {t['to']}{closed} | {t['published_min']:g} | {t['crow_km']:.1f} | "
            f"{t['model_min']:.1f} | {t['error_min']:+.1f} |"
        )
    return "\n".join(lines)


def markdown_summary(result: dict[str, Any]) -> str:
    """One paragraph: the measured error and the parameters."""
    s, p = result["summary"], result["parameters"]
    return (
        f"Against Eurostat 2020 (nearest facility), the 12 provinces differ on average by "
        f"{s['mean_abs_diff_gt20_pt']:.2f} points at more than 20 minutes (at most "
        f"{s['max_abs_diff_gt20_pt']:.2f}) and {s['mean_abs_diff_gt5_pt']:.2f} points at more than 5 minutes "
        f"(at most {s['max_abs_diff_gt5_pt']:.2f}); the {s['trips']} published trips have a median absolute "
        f"error of {s['median_trip_error_min']:.1f} minutes. Parameters: local layer {p['land_kmh']:g} km/h, "
        f"trunk layer {p['trunk_kmh']:g} km/h with {p['ramp_min']:g} min on and off, access "
        f"{p['access_max_min']:g} min × d / (d + {p['access_half_density']:g}) at each end, overhead "
        f"{p['overhead_min']:g} min, ferry wait {p['ferry_wait_min']:g} min. Inputs: {result['cells']:,} "
        f"census cells ({result['inhabitants']:,} inhabitants), {result['facilities']} GISCO facilities."
    )


def markdown(result: dict[str, Any], *, short: bool = False) -> str:
    """The full block for ``docs/traveltime.md``, or the short one for the README."""
    if short:
        return markdown_regions(result, [NATIONAL]) + "\n\n" + markdown_summary(result)
    return "\n\n".join([markdown_regions(result), markdown_trips(result), markdown_summary(result)])


BEGIN, END = "<!-- calibrate:begin -->", "<!-- calibrate:end -->"


def replace_block(text: str, block: str, where: str) -> str:
    """Put ``block`` between the calibrate markers of a document."""
    start, stop = text.find(BEGIN), text.find(END)
    if start < 0 or stop < start:
        raise TravelTimeError(f"{where} lacks the markers {BEGIN} ... {END}")
    return text[: start + len(BEGIN)] + "\n" + block + "\n" + text[stop:]


def read_block(text: str) -> str:
    """The text between the calibrate markers (stripped); empty when there are none."""
    start, stop = text.find(BEGIN), text.find(END)
    return text[start + len(BEGIN) : stop].strip() if 0 <= start < stop else ""


def write_outputs(
    result: dict[str, Any], data_dir: Path | None = None, root: Path | None = None
) -> list[Path]:
    """Write ``data/calibration/result.json`` and the tables into ``docs/traveltime.md`` and ``README.md``."""
    data_dir = data_dir or default_data_dir()
    root = root or data_dir.parent
    out = data_dir / RESULT_FILE
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    written = [out]
    for doc, short in ((root / "docs" / "traveltime.md", False), (root / "README.md", True)):
        text = doc.read_text(encoding="utf-8")
        doc.write_text(replace_block(text, markdown(result, short=short), str(doc)), encoding="utf-8")
        written.append(doc)
    return written
