"""Derive the travel-time calibration data in ``data/calibration/`` from Eurostat/GISCO source files.

Usage::

    python scripts/build_calibration.py SOURCE_DIR

``SOURCE_DIR`` holds ``gisco-healthcare-2019/NL.csv`` and ``eurostat-accessibility-healthcare/*.csv``
(verified copies of the public files named below). The app never runs this: it reads the derived files.

Sources (recorded in ``data/README.md``)
----------------------------------------
- Eurostat/GISCO, Healthcare services in Europe, NL: repository ``eurostat/basic-services``, commit
  0783b7cd03675b65b95dd6a2fd0358ca79f0e87e, ``data/csv/NL.csv`` (reference date 2019-01-01,
  published 2020-03-29). Kept: id, name (hospital and site), facility type, city, lat/lon, and the
  line of the source row.
- Eurostat/GISCO, accessibility to healthcare services by road, NUTS 2024: repository
  ``eurostat/AccessibilityGridMaps``, commit 07b3162db29cc4d3470a1f722a185196cf71fc45 (2026-07-10),
  ``nuts/csv/euro_access_NUTS_2024_healthcare__AGE_T__DEG_URB_TOTAL__ACCESS_INDIC_<N1|AN3>__THRESHOLD_<...>__UNIT_<PC|NR>.csv``.
  Kept: the Dutch NUTS 0 and 2 rows (the Netherlands and its 12 provinces), both years.

Both © European Union (Eurostat reuse policy: free reuse with acknowledgement).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "data" / "calibration"
FACILITIES_OUT = "gisco_healthcare_nl.csv"
ACCESS_OUT = "eurostat_accessibility_nl.csv"

#: NUTS 2 code of each province (NUTS 2024), and NL itself.
NUTS = {
    "NL": "Nederland",
    "NL11": "Groningen",
    "NL12": "Friesland",
    "NL13": "Drenthe",
    "NL21": "Overijssel",
    "NL22": "Gelderland",
    "NL23": "Flevoland",
    "NL32": "Noord-Holland",
    "NL34": "Zeeland",
    "NL35": "Utrecht",
    "NL36": "Zuid-Holland",
    "NL41": "Noord-Brabant",
    "NL42": "Limburg",
}
TYPES = {
    "Algemeen ziekenhuis": "general_hospital",
    "Academisch ziekenhuis": "academic_hospital",
    "Kinderziekenhuis": "childrens_hospital",
    "Havenziekenhuis": "port_hospital",
    "Buitenpolikliniek": "outpatient_clinic",
}
_NAME = re.compile(r"ACCESS_INDIC_(N1|AN3)__THRESHOLD_(NONE|GT_(\d+)_MIN)__UNIT_(PC|NR)\.csv$")


def facilities(src: Path) -> list[dict[str, str]]:
    """GISCO's Dutch healthcare points, one row per source row, with the source line number."""
    out = []
    with src.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        for line, row in enumerate(reader, start=2):
            name = row["hospital_name"].strip()
            site = row["site_name"].strip()
            if site and site.lower() not in name.lower():
                name = f"{name}, {site}"
            kind = TYPES.get(row["facility_type"].strip())
            if kind is None:
                sys.exit(f"{src}, line {line}: unknown facility_type {row['facility_type']!r}")
            lat, lon = float(row["lat"]), float(row["lon"])
            out.append(
                {
                    "facility_id": row["id"].strip(),
                    "name": name,
                    "type": kind,
                    "city": row["city"].strip(),
                    "lat": f"{lat:.6f}",
                    "lon": f"{lon:.6f}",
                    "source_line": str(line),
                }
            )
    return out


def accessibility(folder: Path) -> list[dict[str, str]]:
    """Eurostat's accessibility figures for NL and its provinces, long format."""
    out = []
    files = sorted(folder.glob("euro_access_NUTS_2024_healthcare__*.csv"))
    if not files:
        sys.exit(f"{folder}: no euro_access_NUTS_2024_healthcare__*.csv files")
    for path in files:
        m = _NAME.search(path.name)
        if not m:
            sys.exit(f"{path.name}: file name does not say indicator, threshold and unit")
        indicator, _, minutes, unit = m.groups()
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                geo = row["GEO"].strip()
                if geo not in NUTS:
                    continue
                for year in ("2020", "2023"):
                    out.append(
                        {
                            "nuts_id": geo,
                            "region": NUTS[geo],
                            "indicator": "nearest" if indicator == "N1" else "average_3_nearest",
                            "threshold_min": minutes or "",
                            "unit": "percent" if unit == "PC" else "persons",
                            "year": year,
                            "value": row[year].strip(),
                            "source_file": path.name,
                        }
                    )
    out.sort(key=lambda r: (r["indicator"], r["unit"], r["threshold_min"], r["nuts_id"], r["year"]))
    return out


def write(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {path.relative_to(ROOT)} ({len(rows)} rows)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "source_dir",
        type=Path,
        help="folder with gisco-healthcare-2019/ and eurostat-accessibility-healthcare/",
    )
    args = ap.parse_args(argv)
    write(OUT_DIR / FACILITIES_OUT, facilities(args.source_dir / "gisco-healthcare-2019" / "NL.csv"))
    write(OUT_DIR / ACCESS_OUT, accessibility(args.source_dir / "eurostat-accessibility-healthcare"))


if __name__ == "__main__":
    main()
