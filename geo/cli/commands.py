"""The ``netwerkatlas`` subcommands: each takes the parsed arguments, prints, and returns an exit status."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from geo.data import filter_sites, load_atlas
from geo.defaults import FERRY_WAIT_MIN
from geo.names import remark, with_remark
from geo.schema import PRECISIONS

EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE = 0, 1, 2


class UsageError(ValueError):
    """A combination of options the command cannot answer; ``main`` prints it and exits with 2."""


METHOD_KM = (
    "straight-line distance from where the inhabitants live (see population) to the nearest open site, "
    "weighted by inhabitants"
)
METHOD_MIN = (
    "estimated car minutes that never cross open water, from where the inhabitants live (see population) "
    "to the fastest open site, weighted by inhabitants"
)


def _site_record(row: Any) -> dict[str, Any]:
    """One site for the command line: names as in the data, their remarks in English (``""`` for none)."""
    fields = row._asdict()
    return {
        "site_id": row.site_id,
        "organisation": row.organisation,
        "organisation_remark": remark(fields, "en", organisation=True),
        "site": row.name,
        "remark": remark(fields, "en"),
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


def _postcode_warnings() -> list[str]:
    """Sites outside the CBS PC4 area of their postcode: an independent check of the coordinates.

    Warnings, not errors: a point next to a border, or an address whose postcode changed, is possible.
    Also checks the population files (a bad row there stops like any other data file).
    """
    from geo.census import load_census, load_pc4_polygons
    from geo.data import check_postcode_areas, default_data_dir, validate

    if not (default_data_dir() / "population").is_dir():
        return ["PC4 check skipped: no population/ folder in the data folder"]
    load_census()
    frames, _ = validate()
    areas = load_pc4_polygons().assign(postcode=lambda d: d["code"].astype(str))
    return [f"warning: {p}" for p in check_postcode_areas(frames["sites"], areas)]


def cmd_validate(args: argparse.Namespace) -> int:
    """Check every data file; print a summary or every problem found, and warn about positions that lie
    outside the PC4 area of their postcode."""
    atlas = load_atlas()
    warnings = _postcode_warnings()
    if not args.quiet:
        for line in warnings:
            print(line, file=sys.stderr)
        s = atlas.sites
        print(
            f"data OK: {len(atlas.networks)} networks, {len(atlas.organisations)} organisations, "
            f"{len(s)} sites ({int((s['status'] == 'open').sum())} open, "
            f"{int((~s['in_network']).sum())} outside the networks), {len(atlas.provinces)} provinces"
        )
        counts = s["precision"].value_counts()
        print("positions: " + ", ".join(f"{p} {int(counts.get(p, 0))}" for p in PRECISIONS))
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


def _nearest_entry(
    query: str, places: Any, sites: Any, limit: int, model: Any = None, by: str = "km"
) -> tuple[dict[str, Any], bool]:
    from geo.nearest import nearest_sites
    from geo.places import resolve_place
    from geo.postcodes import PostcodeError, looks_like_postcode, lookup_postcode
    from geo.traveltime import nearest_by_time

    if looks_like_postcode(query):  # offline: the 4-digit area's point stands in for the address
        try:
            area = lookup_postcode(query)
        except PostcodeError as exc:
            suggestions = [exc.suggestion] if exc.suggestion else []
            err = {"error": "unknown postcode", "reason": exc.reason, "message": str(exc)}
            return {**err, "understood": exc.understood, "suggestions": suggestions}, False
        lat, lon = area.lat, area.lon
        place = {
            "name": f"postcode {area.label}",
            "province": area.province,
            "lat": area.lat,
            "lon": area.lon,
            "postcode": area.postcode,
            "pc4": area.code,
            "municipality": area.municipality,
            "position": "centre of the 4-digit postcode area",
        }
    else:
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
        lat, lon = p.lat, p.lon
        place = {"name": p.name, "province": p.province, "lat": round(p.lat, 6), "lon": round(p.lon, 6)}
    if model is None:
        ranked = nearest_sites(lat, lon, sites, limit=limit)
    else:
        ranked = nearest_by_time(lat, lon, sites, model, limit=limit, by=by)
    results = []
    for r in ranked.itertuples():
        rec = _site_record(r)
        rec["rank"] = int(r.rank)
        rec["distance_km"] = round(float(r.distance_km), 2)
        if model is not None:
            minutes = float(r.minutes)
            rec["minutes"] = round(minutes, 1) if minutes == minutes and minutes != float("inf") else None
        results.append(rec)
    entry = {
        "place": place,
        "ranked_by": by,
        "distance": "straight line (WGS84 geodesic)",
        "results": results,
    }
    if model is not None:
        from geo.traveltime import METHOD_NOTE

        entry["minutes_method"] = METHOD_NOTE
    return entry, True


def cmd_nearest(args: argparse.Namespace) -> int:
    """Print the nearest network sites for each place given."""
    from geo.places import load_places

    if args.limit < 1:
        print("netwerkatlas: --limit must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    atlas = load_atlas()
    sites = filter_sites(atlas, networks=args.network or None, specialty=args.specialty, categories=args.kind)
    places = load_places()
    model = _travel_model(atlas, args) if args.by == "minutes" else None
    out: dict[str, Any] = {}
    complete = True
    for query in args.places:
        out[query], ok = _nearest_entry(query, places, sites, args.limit, model, args.by)
        complete &= ok
    if args.json:
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for query, entry in out.items():
            if "error" in entry:
                alt = entry.get("choices") or entry.get("suggestions") or []
                what = entry.get("message", entry["error"])
                print(f"{query}: {what}" + (f" (did you mean: {', '.join(alt)})" if alt else ""))
                continue
            pl = entry["place"]
            print(f"{query} → {pl['name']} ({pl['province']}), ranked by {entry['ranked_by']}:")
            for r in entry["results"]:
                minutes = f"≈{r['minutes']:4.0f} min  " if r.get("minutes") is not None else ""
                site = with_remark(r["site"], r["remark"])
                print(
                    f"  {r['rank']}. {minutes}{r['distance_km']:6.1f} km  {site} ({r['city']}) "
                    f"[{', '.join(r['networks'])}]"
                )
    return EXIT_OK if complete else EXIT_INCOMPLETE


def networks_for(atlas: Any, args: argparse.Namespace) -> list[str]:
    ids = args.network or atlas.network_ids(args.specialty)
    filter_sites(atlas, networks=ids, specialty=args.specialty)  # raises UnknownIdError for bad ids
    return [n for n in ids if n in atlas.network_ids(args.specialty)]


def summary_records(frame: Any, unit: str) -> list[dict[str, Any]]:
    """Rows as JSON records; columns in the unit of the threshold are named by it (``p95_min``)."""
    from geo.coverage import with_unit

    out = []
    for r in with_unit(frame, unit).to_dict("records"):
        out.append({k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()})
    return out


def _travel_model(atlas: Any, args: argparse.Namespace) -> Any:
    from geo.traveltime import load_model

    return load_model(atlas.sites, ferry_wait_min=getattr(args, "ferry_wait", FERRY_WAIT_MIN))


def threshold_of(atlas: Any, args: argparse.Namespace) -> tuple[float | None, Any]:
    """``(value, measure)`` for --km or --minutes."""
    from geo.coverage import STRAIGHT_LINE, travel_time

    if getattr(args, "minutes", None) is not None:
        return args.minutes, travel_time(_travel_model(atlas, args))
    return args.km, STRAIGHT_LINE


def cmd_calibrate(args: argparse.Namespace) -> int:
    """The travel-time estimate against Eurostat's accessibility per province and the published trips."""
    from geo.traveltime import TravelTimeError, load_model
    from geo.traveltime.calibration import markdown, run_calibration, write_outputs

    try:
        result, cells = run_calibration(load_model())
    except TravelTimeError as exc:
        print(f"netwerkatlas: {exc}", file=sys.stderr)
        return EXIT_INCOMPLETE
    if args.cells:
        cells.to_csv(args.cells, index=False)
    if args.write:
        for path in write_outputs(result):
            print(f"wrote {path}", file=sys.stderr)
    print(json.dumps(result, indent=1, ensure_ascii=False) if args.json else markdown(result))
    return EXIT_OK
