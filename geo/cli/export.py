"""The ``export`` subcommand: the map (PNG/SVG/PDF/HTML) or its data, what-ifs named in the file."""

from __future__ import annotations

import argparse
import sys

from geo.cli.commands import EXIT_OK, networks_for, threshold_of
from geo.cli.coverage import added_sites, planned_sites, population_of
from geo.data import filter_sites, load_atlas, network_names
from geo.names import display_names

EXPORT_FORMATS = ("png", "svg", "pdf", "html", "csv", "xlsx", "geojson", "gpkg")


def cmd_export(args: argparse.Namespace) -> int:
    """Write the map of a selection (with coverage shading when --km or --minutes is given) or its data.

    ``--close`` and ``--planned`` make it a what-if, named in the file as the app names it.
    """
    from geo.coverage import HOSPITAL_CATEGORIES, network_coverage
    from geo.i18n import t
    from geo.render.files import sites_table, to_csv_bytes, to_geojson_bytes, to_gpkg_bytes, to_xlsx_bytes
    from geo.render.print import render_static
    from geo.render.report import coverage_sheets, filter_line, interactive_html, snapshot_spec
    from geo.render.scenario import scenario_sites, subtitle_parts, whatif_title

    atlas = load_atlas()
    lang = args.lang
    networks = networks_for(atlas, args)
    sites = filter_sites(atlas, networks=networks, specialty=args.specialty, include_context=args.context)
    closed = tuple(args.close or ())
    unknown = sorted(set(closed) - set(atlas.sites["site_id"]))
    if unknown:
        from geo.errors import UnknownIdError

        raise UnknownIdError(f"unknown site(s) for --close: {', '.join(unknown)}")
    planned = planned_sites(atlas, args, networks, HOSPITAL_CATEGORIES)
    added = added_sites(planned)
    names, subs = network_names(atlas)
    res = None
    value, measure = threshold_of(atlas, args)
    if value is not None:
        res = network_coverage(
            atlas,
            population_of(atlas, args),
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
        closed_names=list(display_names(atlas.sites[atlas.sites["site_id"].isin(closed)], lang)),
        added_names=[a[0] for a in added],
        population=after.population.text(lang) if after is not None and after.population else None,
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
