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
METHOD_KM = (
    "straight-line distance from where the inhabitants live (see population) to the nearest open site, "
    "weighted by inhabitants"
)
METHOD_MIN = (
    "estimated car minutes that never cross open water, from where the inhabitants live (see population) "
    "to the fastest open site, weighted by inhabitants"
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


def _population(atlas: Any, args: argparse.Namespace) -> Any:
    """The population points of ``--population`` and ``--age`` (default CBS PC4 2021, every inhabitant)."""
    from geo.population import DEFAULT_SOURCE, population_points

    source = getattr(args, "population", DEFAULT_SOURCE)
    return population_points(source, getattr(args, "age", "all"), provinces=atlas.provinces)


def _population_record(pop: Any, args: argparse.Namespace) -> dict[str, Any]:
    caption = pop.attrs.get("caption")
    return {
        "layer": args.population,
        "age": args.age,
        "caption": caption.nl if caption else None,
        "caption_en": caption.en if caption else None,
        "source": caption.source if caption else None,
        "licence": caption.licence if caption else None,
    }


def _by_specialty(atlas: Any, networks: Sequence[str]) -> dict[str, list[str]]:
    """The networks grouped by specialty, in their order: figures are never pooled across specialties."""
    spec = dict(zip(atlas.networks["network_id"], atlas.networks["specialty"], strict=True))
    out: dict[str, list[str]] = {}
    for n in networks:
        out.setdefault(spec[n], []).append(n)
    return out


def _coverage(
    args: argparse.Namespace,
    *,
    outpatient: bool = False,
    closed: Sequence[str] = (),
    networks: Sequence[str] | None = None,
    population: Any = None,
) -> tuple:
    """Run the coverage analysis of the command's networks; ``(result, networks, value, unit)``."""
    from geo.coverage import HOSPITAL_CATEGORIES, network_coverage

    atlas = load_atlas()
    networks = list(networks) if networks is not None else _networks_for(atlas, args)
    cats = (*HOSPITAL_CATEGORIES, "outpatient") if outpatient else HOSPITAL_CATEGORIES
    value, measure = _threshold(atlas, args)
    res = network_coverage(
        atlas,
        population if population is not None else _population(atlas, args),
        networks,
        threshold=value,
        measure=measure,
        categories=cats,
        closed=[c for c in closed if c in set(filter_sites(atlas, networks=networks)["site_id"])],
    )
    return res, networks, value, res.whatif.after.unit


def _figures(res: Any, unit: str) -> dict[str, Any]:
    """Provinces (with the population counted and the rule that defines it), sub-regions and total."""
    after = res.whatif.after
    counted = res.counted.set_index("name")
    provinces = _summary_records(after.by_province, unit)
    for r in provinces:
        r["province_population"] = float(counted.loc[r["name"], "province_population"])
        r["counted"] = str(counted.loc[r["name"], "rule"])
    return {
        "provinces": provinces,
        "subregions": _summary_records(after.by_subregion, unit),
        "total": _summary_records(pd.DataFrame([after.total]), unit)[0],
        "partial_provinces": list(res.partial),
    }


#: What the ``counted`` field of a province means, in the JSON's ``counting_rules``.
COUNTING_RULES = {
    "province": "every inhabitant of the province",
    "catchment": (
        "only places whose nearest hospital (straight line) is a site of the network, not a hospital "
        "outside the networks: the province is only partly in the region, so its share is close to 100 % "
        "partly by construction"
    ),
}


def cmd_coverage(args: argparse.Namespace) -> int:
    """Print coverage per specialty (province, sub-region, total) and each network against all hospitals."""
    from geo.coverage import network_references, reference_table

    atlas = load_atlas()
    try:
        pop = _population(atlas, args)
    except ValueError as exc:
        print(f"netwerkatlas: {exc}", file=sys.stderr)
        return EXIT_USAGE
    networks = _networks_for(atlas, args)
    groups = _by_specialty(atlas, networks)
    blocks = []
    for specialty, nets in groups.items():
        res, _, value, unit = _coverage(
            args, outpatient=args.outpatient, closed=args.close or (), networks=nets, population=pop
        )
        blocks.append(
            {"specialty": specialty, "networks": nets, "sites_counted": len(res.sites), **_figures(res, unit)}
        )
    value, measure = _threshold(atlas, args)
    from geo.coverage import HOSPITAL_CATEGORIES

    cats = (*HOSPITAL_CATEGORIES, "outpatient") if args.outpatient else HOSPITAL_CATEGORIES
    refs = reference_table(
        network_references(atlas, pop, networks, threshold=value, measure=measure, categories=cats)
    )
    payload: dict[str, Any] = {
        "networks": networks,
        "threshold": value,
        "unit": unit,
        "method": METHOD_KM if unit == "km" else METHOD_MIN,
        "population": _population_record(pop, args),
        "closed": list(args.close or ()),
        "counting_rules": COUNTING_RULES,
    }
    if len(blocks) == 1:  # one specialty: its figures at the top level
        payload |= {k: v for k, v in blocks[0].items() if k not in ("specialty", "networks")}
        payload["specialty"] = blocks[0]["specialty"]
    payload["by_specialty"] = blocks
    payload["by_network"] = _summary_records(refs, unit)
    payload["reference"] = (
        "every open shipped site of the same kinds, inside any network or outside them all, "
        "over the network's own region and counted population"
    )
    if args.json:
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        cap = payload["population"]["caption_en"]
        print(f"coverage within {value:g} {unit} ({payload['method']}); population: {cap}")
        for b in blocks:
            print(f"{b['specialty']}: {', '.join(b['networks'])}")
            for r in [*b["provinces"], *b["subregions"], b["total"]]:
                share = "-" if r["share"] is None else f"{r['share'] * 100:5.1f}%"
                note = " (catchment only)" if r.get("counted") == "catchment" else ""
                print(
                    f"  {r['name']:<45} {r['population']:>11,.0f} {share:>7}  "
                    f"p95 {r[f'p95_{unit}'] or 0:5.1f} {unit}{note}"
                )
        print("each network against every open hospital of its region:")
        for r in payload["by_network"]:
            print(
                f"  {r['network_id']:<12} {r['share'] * 100:5.1f}%  "
                f"all hospitals {r['reference_share'] * 100:5.1f}%"
            )
    return EXIT_OK


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Rank every site by the inhabitants pushed beyond the threshold if it alone closed."""
    atlas = load_atlas()
    try:
        pop = _population(atlas, args)
    except ValueError as exc:
        print(f"netwerkatlas: {exc}", file=sys.stderr)
        return EXIT_USAGE
    records: list[dict[str, Any]] = []
    for nets in _by_specialty(atlas, _networks_for(atlas, args)).values():
        res, _, value, unit = _coverage(args, networks=nets, population=pop)
        records += _summary_records(res.sensitivity, unit)
    networks = _networks_for(atlas, args)
    if args.json:
        payload = {
            "networks": networks,
            "threshold": value,
            "unit": unit,
            "population": _population_record(pop, args),
            "sites": records,
        }
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for r in records:
            print(f"{r['extra_beyond']:>10,.0f}  {r['name']} ({r['organisation']})")
    return EXIT_OK


EXPORT_FORMATS = ("png", "svg", "pdf", "html", "csv", "xlsx", "geojson", "gpkg")


def cmd_export(args: argparse.Namespace) -> int:
    """Write the map of a selection (with coverage shading when --km or --minutes is given) or its data."""
    from geo.coverage import HOSPITAL_CATEGORIES, network_coverage
    from geo.i18n import t
    from geo.render.files import sites_table, to_csv_bytes, to_geojson_bytes, to_gpkg_bytes, to_xlsx_bytes
    from geo.render.print import render_static
    from geo.render.report import coverage_sheets, filter_line, interactive_html, snapshot_spec

    atlas = load_atlas()
    networks = _networks_for(atlas, args)
    sites = filter_sites(atlas, networks=networks, specialty=args.specialty, include_context=args.context)
    names, subs = network_names(atlas)
    res = None
    value, measure = _threshold(atlas, args)
    if value is not None:
        res = network_coverage(
            atlas,
            _population(atlas, args),
            networks,
            threshold=value,
            measure=measure,
            categories=HOSPITAL_CATEGORIES,
        )
    after = res.whatif.after if res else None
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
                atlas,
                args.lang,
                networks=networks,
                specialty=args.specialty,
                threshold=value,
                unit=after.unit if after is not None else "km",
            ),
            coverage=after,
        )
        data = render_static(spec, fmt=fmt, page=args.page, dpi=args.dpi)
    elif fmt == "html":
        data = interactive_html(
            atlas,
            sites,
            args.lang,
            networks=networks,
            coverage=after,
            least=res.least if res else None,
        ).encode("utf-8")
    else:
        cats = {
            c: t(f"cat.{c}", args.lang)
            for c in ("hospital_ed", "hospital", "outpatient", "radiotherapy", "other")
        }
        table = sites_table(sites, network_names=names, subregion_names=subs, category_labels=cats)
        if fmt == "csv":
            data = to_csv_bytes(table, sep=";" if args.lang == "nl" else ",")
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
            data = to_geojson_bytes(sites)
        else:
            data = to_gpkg_bytes(sites)
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
