"""The ``netwerkatlas`` command line: the app's analyses for scripts and batch reports.

Exit status: 0 on success, 1 when the data is invalid or an answer is incomplete (e.g. an unknown
place), 2 for wrong usage (unknown network id, bad option).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from geo.data import filter_sites, load_atlas
from geo.errors import DataValidationError, UnknownIdError
from geo.schema import CATEGORIES, SPECIALTIES

EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE = 0, 1, 2
METHOD_KM = "straight-line distance from GeoNames places (>= 500 inhabitants) to the nearest open site"
METHOD_MIN = (
    "estimated car minutes that never cross open water, from GeoNames places to the fastest open site"
)


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


def _nearest_entry(
    query: str, places: Any, sites: Any, limit: int, model: Any = None, by: str = "km"
) -> tuple[dict[str, Any], bool]:
    from geo.nearest import nearest_sites
    from geo.places import resolve_place
    from geo.traveltime import nearest_by_time

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
    if model is None:
        ranked = nearest_sites(p.lat, p.lon, sites, limit=limit)
    else:
        ranked = nearest_by_time(p.lat, p.lon, sites, model, limit=limit, by=by)
    results = []
    for r in ranked.itertuples():
        rec = _site_record(r)
        rec["rank"] = int(r.rank)
        rec["distance_km"] = round(float(r.distance_km), 2)
        if model is not None:
            minutes = float(r.minutes)
            rec["minutes"] = round(minutes, 1) if minutes == minutes and minutes != float("inf") else None
        results.append(rec)
    place = {"name": p.name, "province": p.province, "lat": round(p.lat, 6), "lon": round(p.lon, 6)}
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
                print(f"{query}: {entry['error']}" + (f" (did you mean: {', '.join(alt)})" if alt else ""))
                continue
            pl = entry["place"]
            print(f"{query} → {pl['name']} ({pl['province']}), ranked by {entry['ranked_by']}:")
            for r in entry["results"]:
                minutes = f"≈{r['minutes']:4.0f} min  " if r.get("minutes") is not None else ""
                print(
                    f"  {r['rank']}. {minutes}{r['distance_km']:6.1f} km  {r['site']} ({r['city']}) "
                    f"[{', '.join(r['networks'])}]"
                )
    return EXIT_OK if complete else EXIT_INCOMPLETE


def _networks_for(atlas: Any, args: argparse.Namespace) -> list[str]:
    ids = args.network or atlas.network_ids(args.specialty)
    filter_sites(atlas, networks=ids, specialty=args.specialty)  # raises UnknownIdError for bad ids
    return [n for n in ids if n in atlas.network_ids(args.specialty)]


def _summary_records(frame: Any) -> list[dict[str, Any]]:
    out = []
    for r in frame.to_dict("records"):
        out.append({k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()})
    return out


def _coverage(args: argparse.Namespace, *, outpatient: bool = False, closed: Sequence[str] = ()) -> tuple:
    """Run the coverage analysis of the command's networks; ``(result, networks, value, unit)``."""
    from geo.coverage import HOSPITAL_CATEGORIES, network_coverage
    from geo.population import load_population

    atlas = load_atlas()
    networks = _networks_for(atlas, args)
    cats = (*HOSPITAL_CATEGORIES, "outpatient") if outpatient else HOSPITAL_CATEGORIES
    value, nearest, unit = _threshold(atlas, args)
    res = network_coverage(
        atlas,
        load_population(provinces=atlas.provinces),
        networks,
        km=value,
        categories=cats,
        closed=closed,
        nearest=nearest,
    )
    return res, networks, value, unit


def cmd_coverage(args: argparse.Namespace) -> int:
    """Print coverage per province, sub-region and in total."""
    res, networks, value, unit = _coverage(args, outpatient=args.outpatient, closed=args.close or ())
    after = res.whatif.after
    payload = {
        "networks": networks,
        "threshold": value,
        "unit": unit,
        "method": METHOD_KM if unit == "km" else METHOD_MIN,
        "sites_counted": len(res.sites),
        "closed": list(args.close or ()),
        "provinces": _summary_records(after.by_province),
        "subregions": _summary_records(after.by_subregion),
        "total": _summary_records(pd.DataFrame([after.total]))[0],
        "partial_provinces": list(res.partial),
    }
    if args.json:
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print(f"coverage within {value:g} {unit} for {', '.join(networks)} ({payload['method']}):")
        for r in [*payload["provinces"], *payload["subregions"], payload["total"]]:
            share = "-" if r["share"] is None else f"{r['share'] * 100:5.1f}%"
            print(
                f"  {r['name']:<45} {r['population']:>11,.0f} {share:>7}  p95 {r['p95_km'] or 0:5.1f} {unit}"
            )
    return EXIT_OK


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Rank every site by the inhabitants pushed beyond the threshold if it alone closed."""
    res, networks, value, unit = _coverage(args)
    records = _summary_records(res.sensitivity)
    if args.json:
        payload = {"networks": networks, "threshold": value, "unit": unit, "sites": records}
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for r in records:
            print(f"{r['extra_beyond']:>10,.0f}  {r['name']} ({r['organisation']})")
    return EXIT_OK


EXPORT_FORMATS = ("png", "svg", "pdf", "html", "csv", "xlsx", "geojson", "gpkg")


def cmd_export(args: argparse.Namespace) -> int:
    """Write the map of a selection (with coverage shading when --km is given) or its data to a file."""
    # The map builder and the text catalogue live with the UI pieces (they never import Streamlit).
    from components.i18n import t
    from components.report import filter_line, interactive_html, snapshot_spec
    from geo import export as ex
    from geo.coverage import HOSPITAL_CATEGORIES, network_coverage
    from geo.population import load_population

    atlas = load_atlas()
    networks = _networks_for(atlas, args)
    sites = filter_sites(atlas, networks=networks, specialty=args.specialty, include_context=args.context)
    names = dict(zip(atlas.networks["network_id"], atlas.networks["name"], strict=True))
    subs = dict(zip(atlas.subregions["subregion_id"], atlas.subregions["name"], strict=True))
    res = None
    value, nearest, unit = _threshold(atlas, args)
    if value is not None:
        res = network_coverage(
            atlas,
            load_population(provinces=atlas.provinces),
            networks,
            km=value,
            categories=HOSPITAL_CATEGORIES,
            nearest=nearest,
        )
    title = args.title or f"NetwerkAtlas · {', '.join(names[n] for n in networks)}"
    fmt = args.format
    if fmt in ("png", "svg", "pdf"):
        spec = snapshot_spec(
            atlas,
            sites,
            args.lang,
            networks=networks,
            title=title,
            subtitle=filter_line(
                atlas, args.lang, networks=networks, specialty=args.specialty, km=value, unit=unit
            ),
            coverage=res.whatif.after if res else None,
        )
        data = ex.render_static(spec, fmt=fmt, page=args.page, dpi=args.dpi)
    elif fmt == "html":
        data = interactive_html(
            atlas,
            sites,
            args.lang,
            networks=networks,
            coverage=res.whatif.after if res else None,
            least=res.least if res else None,
        ).encode("utf-8")
    else:
        cats = {
            c: t(f"cat.{c}", args.lang)
            for c in ("hospital_ed", "hospital", "outpatient", "radiotherapy", "other")
        }
        table = ex.sites_table(sites, network_names=names, subregion_names=subs, category_labels=cats)
        if fmt == "csv":
            data = ex.to_csv_bytes(table, sep=";" if args.lang == "nl" else ",")
        elif fmt == "xlsx":
            sheets = {"sites": table}
            if res:
                sheets |= {
                    "provinces": res.whatif.after.by_province,
                    "subregions": res.whatif.after.by_subregion,
                    "sensitivity": res.sensitivity,
                }
            data = ex.to_xlsx_bytes(sheets)
        elif fmt == "geojson":
            data = ex.to_geojson_bytes(sites)
        else:
            data = ex.to_gpkg_bytes(sites)
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data):,} bytes, {len(sites)} sites)", file=sys.stderr)
    return EXIT_OK


def _travel_model(atlas: Any, args: argparse.Namespace) -> Any:
    from geo.traveltime import load_model

    return load_model(atlas.sites, ferry_wait_min=getattr(args, "ferry_wait", 15.0))


def _threshold(atlas: Any, args: argparse.Namespace) -> tuple[float | None, Any, str]:
    """``(value, nearest, unit)`` for --km or --minutes."""
    if getattr(args, "minutes", None) is not None:
        from geo.traveltime import minutes_query

        return args.minutes, minutes_query(_travel_model(atlas, args)), "min"
    return args.km, None, "km"


def _km(value: str) -> float:
    km = float(value)
    if not 0 < km <= 500:
        msg = f"--km must be between 0 and 500, got {value}"
        raise argparse.ArgumentTypeError(msg)
    return km


def _threshold_args(p: argparse.ArgumentParser, *, km_default: float | None) -> None:
    """Network selection and a threshold in km or in estimated car minutes (not both)."""
    p.add_argument("--network", action="append", metavar="ID", help="network id (repeatable; default: all)")
    p.add_argument("--specialty", choices=SPECIALTIES)
    unit = p.add_mutually_exclusive_group()
    default = f" (default {km_default:g})" if km_default else " (shades provinces by coverage)"
    unit.add_argument("--km", type=_km, default=km_default, help="distance threshold in km" + default)
    unit.add_argument(
        "--minutes", type=_km, help="threshold in estimated car minutes instead (e.g. 30 or 45)"
    )
    p.add_argument("--ferry-wait", type=float, default=15.0, help="minutes waited at a ferry (default 15)")


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
    p.add_argument(
        "places", nargs="+", metavar="PLACE", help="place name, 'Hengelo, Gelderland' or 'lat,lon'"
    )
    p.add_argument("--network", action="append", metavar="ID", help="network id (repeatable)")
    p.add_argument("--specialty", choices=SPECIALTIES)
    p.add_argument("--limit", type=int, default=3, help="how many sites per place (default 3)")
    p.add_argument(
        "--kind",
        action="append",
        choices=CATEGORIES,
        metavar="KIND",
        help="only these kinds of site (repeatable): " + ", ".join(CATEGORIES),
    )
    p.add_argument(
        "--by",
        choices=("km", "minutes"),
        default="km",
        help="rank by straight-line km (default) or estimated car minutes (results then carry minutes)",
    )
    p.add_argument("--ferry-wait", type=float, default=15.0, help="minutes waited at a ferry (default 15)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_nearest)

    p = sub.add_parser("coverage", help="share of inhabitants within a distance of a network site")
    _threshold_args(p, km_default=25.0)
    p.add_argument("--outpatient", action="store_true", help="count outpatient clinics as well")
    p.add_argument(
        "--close", action="append", metavar="SITE_ID", help="what-if: this site closes (repeatable)"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("sensitivity", help="sites ranked by inhabitants beyond the threshold if each closed")
    _threshold_args(p, km_default=25.0)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser("export", help="write the map (PNG/SVG/PDF/HTML) or the data (CSV/XLSX/GeoJSON/GPKG)")
    _threshold_args(p, km_default=None)
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    p.add_argument("--out", required=True, type=Path, help="output file")
    p.add_argument("--title", help="map title")
    p.add_argument("--page", default="a4-landscape", choices=("a4-landscape", "a4-portrait", "16:9"))
    p.add_argument("--dpi", type=int, default=150, help="PNG resolution (default 150)")
    p.add_argument("--lang", default="nl", choices=("nl", "en"), help="language of the map text")
    p.add_argument("--context", action="store_true", help="include hospitals outside the networks")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("calibrate", help="travel times against Eurostat's accessibility and published trips")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--cells", type=Path, metavar="FILE.csv", help="write every 1 km cell with its minutes")
    p.add_argument("--write", action="store_true", help="update data/calibration/result.json and the docs")
    p.set_defaults(func=cmd_calibrate)
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
    except BrokenPipeError:  # output piped into `head`: not an error
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
