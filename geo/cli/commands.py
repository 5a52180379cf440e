"""The ``netwerkatlas`` subcommands: each takes the parsed arguments, prints, and returns an exit status."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

import pandas as pd

from geo.data import filter_sites, load_atlas, network_names
from geo.defaults import FERRY_WAIT_MIN
from geo.schema import PRECISIONS

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
                print(
                    f"  {r['rank']}. {minutes}{r['distance_km']:6.1f} km  {r['site']} ({r['city']}) "
                    f"[{', '.join(r['networks'])}]"
                )
    return EXIT_OK if complete else EXIT_INCOMPLETE


def _networks_for(atlas: Any, args: argparse.Namespace) -> list[str]:
    ids = args.network or atlas.network_ids(args.specialty)
    filter_sites(atlas, networks=ids, specialty=args.specialty)  # raises UnknownIdError for bad ids
    return [n for n in ids if n in atlas.network_ids(args.specialty)]


def _summary_records(frame: Any, unit: str) -> list[dict[str, Any]]:
    """Rows as JSON records; columns in the unit of the threshold are named by it (``p95_min``)."""
    from geo.coverage import with_unit

    out = []
    for r in with_unit(frame, unit).to_dict("records"):
        out.append({k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()})
    return out


def _planned(atlas: Any, args: argparse.Namespace, networks: Sequence[str], categories: Sequence[str]) -> Any:
    """The planned sites of ``--planned FILE`` (read as the app reads an upload) that count for the
    chosen networks and kinds of site; ``None`` without the option."""
    from geo.errors import DataValidationError, Problem
    from geo.uploads import read_planned_sites

    path = getattr(args, "planned", None)
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataValidationError(
            [Problem(str(path.name), None, None, f"cannot read the file: {exc.strerror}")]
        ) from None
    known = dict(zip(atlas.networks["network_id"], atlas.networks["specialty"], strict=True))
    frame = read_planned_sites(data, filename=path.name, provinces=atlas.provinces, networks=known)
    keep = frame["networks"].map(lambda ns: bool(set(ns) & set(networks))) & frame["category"].isin(
        categories
    )
    return frame[keep]


def _added(planned: Any) -> tuple[tuple[str, float, float], ...]:
    if planned is None:
        return ()
    return tuple((str(r.name), float(r.lat), float(r.lon)) for r in planned.itertuples(index=False))


def _coverage(args: argparse.Namespace, *, outpatient: bool = False, closed: Sequence[str] = ()) -> tuple:
    """Run the coverage analysis of the command's networks.

    Returns ``(result, networks, value, unit, names of the planned sites added)``.
    """
    from geo.coverage import HOSPITAL_CATEGORIES, network_coverage
    from geo.population import load_population

    atlas = load_atlas()
    networks = _networks_for(atlas, args)
    cats = (*HOSPITAL_CATEGORIES, "outpatient") if outpatient else HOSPITAL_CATEGORIES
    value, measure = _threshold(atlas, args)
    added = _added(_planned(atlas, args, networks, cats))
    res = network_coverage(
        atlas,
        load_population(provinces=atlas.provinces),
        networks,
        threshold=value,
        measure=measure,
        categories=cats,
        closed=closed,
        added=added,
    )
    return res, networks, value, res.whatif.after.unit, [a[0] for a in added]


def cmd_coverage(args: argparse.Namespace) -> int:
    """Print coverage per province, sub-region and in total."""
    res, networks, value, unit, added = _coverage(args, outpatient=args.outpatient, closed=args.close or ())
    after = res.whatif.after
    payload = {
        "networks": networks,
        "threshold": value,
        "unit": unit,
        "method": METHOD_KM if unit == "km" else METHOD_MIN,
        "sites_counted": len(res.sites),
        "closed": list(args.close or ()),
        "added": added,
        "provinces": _summary_records(after.by_province, unit),
        "subregions": _summary_records(after.by_subregion, unit),
        "total": _summary_records(pd.DataFrame([after.total]), unit)[0],
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
                f"  {r['name']:<45} {r['population']:>11,.0f} {share:>7}  "
                f"p95 {r[f'p95_{unit}'] or 0:5.1f} {unit}"
            )
    return EXIT_OK


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Rank every site by the inhabitants pushed beyond the threshold if it alone closed."""
    res, networks, value, unit, _ = _coverage(args)
    records = _summary_records(res.sensitivity, unit)
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
    """Write the map of a selection (with coverage shading when --km or --minutes is given) or its data.

    ``--close`` and ``--planned`` make it a what-if, named in the file as the app names it.
    """
    from geo.coverage import HOSPITAL_CATEGORIES, network_coverage
    from geo.i18n import t
    from geo.population import load_population
    from geo.render.files import sites_table, to_csv_bytes, to_geojson_bytes, to_gpkg_bytes, to_xlsx_bytes
    from geo.render.print import render_static
    from geo.render.report import coverage_sheets, filter_line, interactive_html, snapshot_spec
    from geo.render.scenario import scenario_sites, subtitle_parts, whatif_title

    atlas = load_atlas()
    lang = args.lang
    networks = _networks_for(atlas, args)
    sites = filter_sites(atlas, networks=networks, specialty=args.specialty, include_context=args.context)
    closed = tuple(args.close or ())
    unknown = sorted(set(closed) - set(atlas.sites["site_id"]))
    if unknown:
        from geo.errors import UnknownIdError

        raise UnknownIdError(f"unknown site(s) for --close: {', '.join(unknown)}")
    planned = _planned(atlas, args, networks, HOSPITAL_CATEGORIES)
    added = _added(planned)
    names, subs = network_names(atlas)
    res = None
    value, measure = _threshold(atlas, args)
    if value is not None:
        res = network_coverage(
            atlas,
            load_population(provinces=atlas.provinces),
            networks,
            threshold=value,
            measure=measure,
            categories=HOSPITAL_CATEGORIES,
            closed=closed,
            added=added,
        )
    after = res.whatif.after if res else None
    title = whatif_title(
        args.title or f"NetwerkAtlas · {', '.join(names[n] for n in networks)}",
        lang,
        closed=closed,
        added=added,
    )
    parts = subtitle_parts(
        lang,
        closed_names=list(atlas.sites.loc[atlas.sites["site_id"].isin(closed), "name"]),
        added_names=[a[0] for a in added],
        population=t("export.population.geonames", lang) if res else None,
    )
    subtitle = " · ".join(
        [
            *parts,
            filter_line(
                atlas,
                lang,
                networks=networks,
                specialty=args.specialty,
                threshold=value,
                unit=after.unit if after is not None else "km",
            ),
        ]
    )
    drawn = sites.copy()
    drawn.loc[drawn["site_id"].isin(closed), "status"] = "closed"
    fmt = args.format
    if fmt in ("png", "svg", "pdf"):
        spec = snapshot_spec(
            atlas, drawn, lang, networks=networks, title=title, subtitle=subtitle, coverage=after
        )
        data = render_static(spec, fmt=fmt, page=args.page, dpi=args.dpi)
    elif fmt == "html":
        data = interactive_html(
            atlas,
            drawn,
            lang,
            networks=networks,
            coverage=after,
            least=res.least if res else None,
            added=added,
            title=title,
            subtitle=subtitle,
        ).encode("utf-8")
    else:
        rows = scenario_sites(sites, lang, closed=closed, added=planned)
        cats = {
            c: t(f"cat.{c}", lang) for c in ("hospital_ed", "hospital", "outpatient", "radiotherapy", "other")
        }
        table = sites_table(rows, network_names=names, subregion_names=subs, category_labels=cats)
        if fmt == "csv":
            data = to_csv_bytes(table, sep=";" if lang == "nl" else ",")
        elif fmt == "xlsx":
            sheets = {"sites": table}
            if res:
                sheets |= coverage_sheets(
                    res.whatif.after,
                    res.sensitivity,
                    provinces="provinces",
                    subregions="subregions",
                    sensitivity="sensitivity",
                )
            data = to_xlsx_bytes(sheets)
        elif fmt == "geojson":
            data = to_geojson_bytes(rows)
        else:
            data = to_gpkg_bytes(rows)
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data):,} bytes, {len(sites)} sites)", file=sys.stderr)
    return EXIT_OK


def _travel_model(atlas: Any, args: argparse.Namespace) -> Any:
    from geo.traveltime import load_model

    return load_model(atlas.sites, ferry_wait_min=getattr(args, "ferry_wait", FERRY_WAIT_MIN))


def _threshold(atlas: Any, args: argparse.Namespace) -> tuple[float | None, Any]:
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
