"""Calibration of the travel-time estimate against published car travel times."""

from __future__ import annotations

import pandas as pd

from geo.crs import GEOD
from geo.data import default_data_dir
from geo.traveltime.model import TravelModel
from geo.traveltime.params import CALIBRATION_FILE
from geo.traveltime.queries import travel_minutes
from geo.traveltime.surface import _read_csv


def calibration(model: TravelModel, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Model minutes beside published car travel times (``data/calibration.csv``).

    Rows with ``closed_links`` are computed with those links closed (a published detour); rows whose
    ``includes_overhead`` is ``no`` (a route planner's pure driving time) are compared without the
    model's start/finish overhead.

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
    """Median and worst absolute error of a :func:`calibration` result, in minutes and percent."""
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
