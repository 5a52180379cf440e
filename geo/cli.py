"""The ``netwerkatlas`` command line: the app's analyses for scripts and batch reports.

Exit status: 0 on success, 1 when the data is invalid or an answer is incomplete (e.g. an unknown
place), 2 for wrong usage (unknown network id, bad option).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from geo.data import filter_sites, load_atlas
from geo.errors import DataValidationError, UnknownIdError
from geo.schema import SPECIALTIES

EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE = 0, 1, 2


def _site_record(row: Any) -> dict[str, Any]:
    return {
        "site_id": row.site_id,
        "organisation": row.organisation,
        "site": row.name,
        "city": row.city,
        "province": row.province,
        "lat": round(float(row.lat), 6),
        "lon": round(float(row.lon), 6),
        "kind": row.kind,
        "category": row.category,
        "emergency": row.emergency,
        "status": row.status,
        "precision": row.precision,
        "networks": list(row.networks),
        "subregions": list(row.subregions),
    }


def cmd_validate(args: argparse.Namespace) -> int:
    """Check every data file; print a summary or every problem found."""
    atlas = load_atlas()
    if not args.quiet:
        s = atlas.sites
        print(
            f"data OK: {len(atlas.networks)} networks, {len(atlas.organisations)} organisations, "
            f"{len(s)} sites ({int((s['status'] == 'open').sum())} open, "
            f"{int((~s['in_network']).sum())} outside the networks), {len(atlas.provinces)} provinces"
        )
    return EXIT_OK


def cmd_sites(args: argparse.Namespace) -> int:
    """Print the sites of a selection as a table or JSON."""
    atlas = load_atlas()
    sites = filter_sites(
        atlas,
        networks=args.network or None,
        specialty=args.specialty,
        include_context=args.context,
        include_closed=args.closed,
    )
    records = [_site_record(r) for r in sites.itertuples()]
    if args.json:
        json.dump(records, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for r in records:
            nets = ",".join(r["networks"]) or "-"
            print(f"{r['site_id']:<40} {r['city']:<18} {r['province']:<14} {r['category']:<13} {nets}")
        print(f"{len(records)} sites", file=sys.stderr)
    return EXIT_OK


def _nearest_entry(query: str, places: Any, sites: Any, limit: int) -> tuple[dict[str, Any], bool]:
    from geo.nearest import nearest_sites
    from geo.places import resolve_place

    res = resolve_place(query, places)
    if res.status != "found" or res.place is None:
        entry: dict[str, Any] = {"error": "ambiguous" if res.status == "ambiguous" else "unknown place"}
        if res.status == "ambiguous":
            entry["choices"] = [m.label for m in res.matches]
        else:
            entry["reason"] = res.reason or "no_match"
            entry["suggestions"] = list(res.suggestions)
        return entry, False
    p = res.place
    ranked = nearest_sites(p.lat, p.lon, sites, limit=limit)
    results = []
    for r in ranked.itertuples():
        rec = _site_record(r)
        rec["rank"] = int(r.rank)
        rec["distance_km"] = round(float(r.distance_km), 2)
        results.append(rec)
    place = {"name": p.name, "province": p.province, "lat": round(p.lat, 6), "lon": round(p.lon, 6)}
    return {"place": place, "distance": "straight line (WGS84 geodesic)", "results": results}, True


def cmd_nearest(args: argparse.Namespace) -> int:
    """Print the nearest network sites for each place given."""
    from geo.places import load_places

    if args.limit < 1:
        print("netwerkatlas: --limit must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    atlas = load_atlas()
    sites = filter_sites(atlas, networks=args.network or None, specialty=args.specialty)
    places = load_places()
    out: dict[str, Any] = {}
    complete = True
    for query in args.places:
        out[query], ok = _nearest_entry(query, places, sites, args.limit)
        complete &= ok
    if args.json:
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for query, entry in out.items():
            if "error" in entry:
                alt = entry.get("choices") or entry.get("suggestions") or []
                print(f"{query}: {entry['error']}" + (f" (did you mean: {', '.join(alt)})" if alt else ""))
                continue
            pl = entry["place"]
            print(f"{query} → {pl['name']} ({pl['province']}), straight-line distances:")
            for r in entry["results"]:
                print(f"  {r['rank']}. {r['distance_km']:6.1f} km  {r['site']} ({r['city']}) [{', '.join(r['networks'])}]")
    return EXIT_OK if complete else EXIT_INCOMPLETE


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="netwerkatlas", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check every data file (schema, ids, references, geography)")
    p.add_argument("--quiet", action="store_true", help="print nothing when the data is valid")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("sites", help="list the sites of networks")
    p.add_argument("--network", action="append", metavar="ID", help="network id (repeatable)")
    p.add_argument("--specialty", choices=SPECIALTIES)
    p.add_argument("--context", action="store_true", help="include hospitals outside the networks")
    p.add_argument("--closed", action="store_true", help="include closed sites")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_sites)

    p = sub.add_parser("nearest", help="nearest network sites (straight line) for one or more places")
    p.add_argument("places", nargs="+", metavar="PLACE", help="place name, 'Hengelo, Gelderland' or 'lat,lon'")
    p.add_argument("--network", action="append", metavar="ID", help="network id (repeatable)")
    p.add_argument("--specialty", choices=SPECIALTIES)
    p.add_argument("--limit", type=int, default=3, help="how many sites per place (default 3)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_nearest)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except DataValidationError as exc:
        print(f"netwerkatlas: {exc}", file=sys.stderr)
        return EXIT_INCOMPLETE
    except UnknownIdError as exc:
        print(f"netwerkatlas: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
