"""Re-geocode the addresses in ``data/sites.csv`` through PDOK Locatieserver (maintenance, needs internet).

Usage::

    python scripts/geocode_pdok.py                 # writes data/sites.geocoded.csv for review
    python scripts/geocode_pdok.py --only-approximate --max-shift-km 3

For every site with a street address it asks Locatieserver's ``free`` endpoint for an address match
(``type:adres``). An exact match of street, house number and postcode becomes a ``building``-precision
coordinate with the Locatieserver URL as its source; anything else is left alone and reported. A match
that moves a point further than ``--max-shift-km`` is reported, not applied: it usually means a wrong
address rather than a wrong coordinate. The app itself never calls this script.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import re
import sys
import time
from pathlib import Path

from geo.crs import GEOD
from geo.pdok import fetch, point_of, query_url

ROOT = Path(__file__).resolve().parents[1]
SITES = ROOT / "data" / "sites.csv"


def parse_match(payload: dict, street: str, postcode: str) -> tuple[float, float, str] | None:
    """Return ``(lat, lon, id)`` when the best document is exactly this street, number and postcode."""
    docs = payload.get("response", {}).get("docs", [])
    if not docs:
        return None
    doc = docs[0]
    number = re.search(r"\d+\s*[A-Za-z]?(?:-\w+)?$", street.strip())
    street_name = street[: number.start()].strip().lower() if number else street.strip().lower()
    same_street = doc.get("straatnaam", "").lower() == street_name
    same_number = (
        number is not None
        and doc.get("huis_nlt", "").replace(" ", "").lower() == number.group(0).replace(" ", "").lower()
    )
    same_postcode = doc.get("postcode", "").replace(" ", "") == postcode.replace(" ", "")
    point = point_of(doc)
    if not (same_street and same_number and same_postcode and point):
        return None
    return point[0], point[1], str(doc.get("id", ""))


def main() -> int:
    """Geocode, compare and write the proposal; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=Path, default=SITES)
    parser.add_argument("--out", type=Path, default=SITES.with_name("sites.geocoded.csv"))
    parser.add_argument(
        "--only-approximate", action="store_true", help="skip rows already at building precision"
    )
    parser.add_argument("--max-shift-km", type=float, default=3.0)
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between requests (be polite)")
    args = parser.parse_args()

    with args.sites.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames or [], list(reader)
    today = dt.date.today().isoformat()
    changed = 0
    for row in rows:
        if not (row["street"] and row["postcode"]) or (
            args.only_approximate and row["precision"] == "building"
        ):
            continue
        url = query_url(f"{row['street']} {row['postcode']} {row['city']}")
        try:
            payload = fetch(url, timeout=15)
        except OSError as exc:
            print(f"{row['site_id']}: request failed ({exc}); is the machine online?", file=sys.stderr)
            return 1
        match = parse_match(payload, row["street"], row["postcode"])
        if match is None:
            print(f"{row['site_id']}: no exact address match for {row['street']}, {row['postcode']}")
            continue
        lat, lon, doc_id = match
        _, _, shift = GEOD.inv(float(row["lon"]), float(row["lat"]), lon, lat)
        if shift / 1000 > args.max_shift_km:
            print(
                f"{row['site_id']}: match moves the point {shift / 1000:.1f} km; "
                "check the address (not applied)"
            )
            continue
        row.update(
            lat=f"{lat:.5f}",
            lon=f"{lon:.5f}",
            precision="building",
            coord_source_url=url,
            coord_source_date=today,
            coord_source_id=doc_id,
        )
        changed += 1
        time.sleep(args.pause)
    with args.out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    print(f"{changed} coordinates updated; review {args.out} and move it over sites.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
