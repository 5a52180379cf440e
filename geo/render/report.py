"""Build the report snapshot (static map spec and interactive HTML) without Streamlit.

Shared by the app's export section and ``netwerkatlas export``, so a batch report and a download from
the screen are the same map.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
from branca import colormap as cm

from geo.data import Atlas, network_names
from geo.i18n import fmt_date, fmt_number, t
from geo.names import display_names
from geo.render.coverage_layer import add_beyond_layer, figures_for, legend_entries, legend_title
from geo.render.coverage_layer import legend_html as beyond_legend
from geo.render.style import SHARE_RANGE, SHARE_SCALE, network_colours
from geo.render.webmap import add_coverage_overlay, add_finder_overlay, build_map
from geo.schema import CATEGORIES
from geo.selection import Selection

if TYPE_CHECKING:  # geo.export pulls in matplotlib: imported only when a file is made
    from geo.render.spec import SnapshotLabels, SnapshotSpec


def share_colormap(lang: str, threshold: float | None = None, unit: str = "km") -> cm.LinearColormap:
    """The province shading: share of inhabitants within the threshold, 50 %–100 %.

    With ``threshold`` the caption says what it means ("within 30 min of a site, per province").
    """
    caption = (
        t("cov.legend.within", lang, km=fmt_number(threshold, lang), unit=unit)
        if threshold is not None
        else t("cov.legend", lang)
    )
    return cm.LinearColormap(SHARE_SCALE, vmin=SHARE_RANGE[0], vmax=SHARE_RANGE[1], caption=caption)


def today(lang: str, day: dt.date | None = None) -> str:
    """A date written out the way the language does it (default: today)."""
    return fmt_date(day or dt.date.today(), lang)


def filter_line(
    atlas: Atlas,
    lang: str,
    *,
    networks: Sequence[str],
    specialty: str | None,
    subregions: Sequence[str] = (),
    categories: Sequence[str] = CATEGORIES,
    provinces: Sequence[str] = (),
    threshold: float | None = None,
    unit: str = "km",
) -> str:
    """One line stating the active filters (and the threshold, in ``unit``) for the printed map."""
    net_names, sub_names = network_names(atlas)
    parts = [f"{t('filters.networks', lang)}: {', '.join(net_names[n] for n in networks) or '—'}"]
    parts.append(
        f"{t('filters.specialty', lang)}: "
        + (t(f"spec.{specialty}", lang) if specialty else t("filters.specialty.all", lang))
    )
    if subregions:
        parts.append(f"{t('filters.subregions', lang)}: {', '.join(sub_names[s] for s in subregions)}")
    if set(categories) != set(CATEGORIES):
        parts.append(f"{t('filters.kinds', lang)}: {', '.join(t('catshort.' + c, lang) for c in categories)}")
    if provinces:
        parts.append(f"{t('filters.provinces', lang)}: {', '.join(provinces)}")
    if threshold is not None:
        key = "export.threshold" if unit == "km" else "export.threshold.min"
        parts.append(t(key, lang, km=fmt_number(threshold, lang)))
    return " · ".join(parts)


def snapshot_labels(lang: str) -> SnapshotLabels:
    """The legend words of the printed map in the UI's language."""
    from geo.render.spec import SnapshotLabels

    return SnapshotLabels(
        networks=t("legend.networks", lang),
        multi=t("legend.multi", lang),
        context=t("legend.context", lang),
        kinds=t("legend.kinds", lang),
        categories={c: t(f"cat.{c}", lang) for c in CATEGORIES},
        closed=t("legend.closed", lang),
        layers=t("export.layers", lang),
        region=t("legend.region", lang),
        region_partial=t("legend.region_partial", lang),
        service_areas=t("export.service_areas", lang),
        finder=t("export.finder", lang),
        finder_results=t("export.finder_lines", lang),
        no_data=t("export.no_data", lang),
        north="N",
    )


def finder_extent(
    location: tuple[float, float], results: pd.DataFrame, pad: float = 0.25
) -> tuple[float, float, float, float]:
    """WGS84 box around a finder location and its results, as the screen shows them."""
    lats = [location[0], *results["lat"]]
    lons = [location[1], *results["lon"]]
    dy, dx = max(max(lats) - min(lats), 0.05) * pad, max(max(lons) - min(lons), 0.08) * pad
    return (min(lons) - dx, min(lats) - dy, max(lons) + dx, max(lats) + dy)


def view_extent(
    center: tuple[float, float], zoom: float, *, width_px: int = 760, height_px: int = 560
) -> tuple[float, float, float, float]:
    """WGS84 box that a Web-Mercator map of this size shows at ``center`` and ``zoom``."""
    lat, lon = center
    span_lon = 360.0 / 2**zoom * width_px / 256
    merc = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    half = math.pi / 2**zoom * height_px / 256
    south = math.degrees(2 * math.atan(math.exp(merc - half)) - math.pi / 2)
    north = math.degrees(2 * math.atan(math.exp(merc + half)) - math.pi / 2)
    return (lon - span_lon / 2, south, lon + span_lon / 2, north)


def region_of(atlas: Atlas, networks: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Provinces of the networks' region, and those only partly in it."""
    partly = atlas.partial_provinces(networks)
    return tuple(atlas.region_provinces(networks)), tuple(partly)


def shares_of(coverage: Any) -> dict[str, float] | None:
    """Share per province of a :class:`geo.coverage.CoverageResult` (``None`` without coverage)."""
    if coverage is None:
        return None
    return {r["name"]: float(r["share"]) for _, r in coverage.by_province.iterrows() if pd.notna(r["share"])}


def sources_of(
    atlas: Atlas, networks: Sequence[str], lang: str, *, tiles: str | None = None, population: Any = None
) -> str:
    """The sources line of an export: the data's own, the hosts of the networks' sources and the population
    counted (a :class:`geo.census.Caption`), when there is one."""
    from geo.render.spec import sources_line

    hosts = sorted(
        {
            urllib.parse.urlparse(u).netloc.removeprefix("www.")
            for u in atlas.networks.loc[atlas.networks["network_id"].isin(networks), "source_url"]
        }
    )
    if population is not None:
        hosts = [*hosts, f"{population.text(lang)} ({population.licence})"]
    return sources_line(t("popup.sources", lang), extra=hosts, tiles=tiles)


def snapshot_spec(
    atlas: Atlas,
    sites: gpd.GeoDataFrame,
    lang: str,
    *,
    networks: Sequence[str],
    title: str,
    subtitle: str,
    tiles: str | None = None,
    coverage: Any = None,
    areas: gpd.GeoDataFrame | None = None,
    finder: tuple[tuple[float, float], str, pd.DataFrame] | None = None,
    extent: tuple[float, float, float, float] | None = None,
) -> SnapshotSpec:
    """The static map of the current view: sites, region, optional coverage shading and finder."""
    from geo.render.spec import Finder, SnapshotSpec

    net_names, _ = network_names(atlas)
    shown = {n: net_names[n] for n in networks}
    region, partly = region_of(atlas, networks)
    shares = shares_of(coverage)
    caption = getattr(coverage, "population", None)  # which population the shading counts
    finder_spec = None
    if finder:
        from geo.render.scenario import finder_lines

        finder_spec = Finder(
            finder[0][0],
            finder[0][1],
            finder[1],
            tuple(finder[2]["site_id"]),
            heading=t("finder.from", lang, place=finder[1]),
            ranking=finder_lines(finder[2], lang),
        )
    beyond = figures_for(coverage) if coverage is not None else None
    return SnapshotSpec(
        sites=sites,
        provinces=atlas.provinces,
        title=title,
        subtitle=subtitle,
        date=t("export.date", lang, date=today(lang)),
        sources=sources_of(atlas, networks, lang, tiles=tiles, population=caption),
        highlighted=region,
        partial=partly,
        network_labels=shown,
        network_colours=network_colours(shown),
        labels=snapshot_labels(lang),
        province_shares=shares,
        shares_title=share_colormap(lang, coverage.threshold, coverage.unit).caption if shares else "",
        beyond_areas=beyond,
        beyond_title=legend_title(coverage.threshold, coverage.unit, lang) if beyond is not None else "",
        beyond_entries=(
            tuple(legend_entries(coverage.threshold, coverage.unit, lang)) if beyond is not None else ()
        ),
        service_areas=areas,
        finder=finder_spec,
        extent=extent or (finder_extent(finder[0], finder[2]) if finder else None),
    )


def interactive_html(
    atlas: Atlas,
    sites: gpd.GeoDataFrame,
    lang: str,
    *,
    networks: Sequence[str],
    tiles: str | None = None,
    coverage: Any = None,
    areas: gpd.GeoDataFrame | None = None,
    least: pd.DataFrame | None = None,
    added: Sequence[tuple[str, float, float]] = (),
    finder: tuple[tuple[float, float], str, pd.DataFrame] | None = None,
    title: str = "NetwerkAtlas",
    subtitle: str = "",
) -> str:
    """The current map as one self-contained HTML file (Leaflet inlined; opens offline).

    ``coverage`` is a :class:`geo.coverage.CoverageResult`; the least-served places are labelled in its
    unit (km or minutes). The page carries ``title`` (tab and a block over the map) with ``subtitle``,
    the sources and the date, as the print map does.
    """
    from geo.render.html import report_page, standalone_html

    if least is not None and coverage is None:
        msg = "`least` needs the `coverage` result it came from (for its unit)"
        raise ValueError(msg)
    net_names, sub_names = network_names(atlas)
    shown: Mapping[str, str] = {n: net_names[n] for n in networks}
    region, partly = region_of(atlas, networks)
    shares = shares_of(coverage)
    beyond = figures_for(coverage) if coverage is not None else None
    m = build_map(
        atlas.provinces,
        sites,
        lang=lang,
        network_names=shown,
        subregion_names=sub_names,
        highlighted=region,
        partial=partly,
        tiles=tiles,
        shares=shares,
        share_colormap=share_colormap(lang, coverage.threshold, coverage.unit) if shares else None,
        areas=areas,
        legend_extra=beyond_legend(coverage.threshold, coverage.unit, lang) if beyond is not None else "",
    )
    group = next(c for c in m._children.values() if getattr(c, "layer_name", "") == "sites")
    if beyond is not None:
        add_beyond_layer(m, beyond, lang=lang)
    if finder is not None:
        add_finder_overlay(group, lang=lang, location=finder[0], label=finder[1], results=finder[2])
    if least is not None:
        add_coverage_overlay(group, lang=lang, least=least, added=added, unit=coverage.unit)
    lines = [x for x in (subtitle, sources_of(atlas, networks, lang, tiles=tiles)) if x]
    lines.append(t("export.date", lang, date=today(lang)))
    return report_page(standalone_html(m.get_root().render()), title=title, lines=lines)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "netwerkatlas"


def make_file(
    fmt: str,
    atlas: Atlas,
    sel: Selection,
    sites: gpd.GeoDataFrame,
    lang: str,
    *,
    title: str,
    page: str,
    dpi: int,
    finder: Any = None,
    coverage: tuple[dict[str, Any], dict[str, Any]] | None = None,
    extent: tuple[float, float, float, float] | None = None,
    population: str | None = None,
) -> tuple[str, bytes]:
    """Build one export of the current view; return ``(file name, bytes)``.

    With coverage, ``population`` names the population counted (unless the result carries its own
    ``population_label``); a what-if (``closed``/``added`` in the coverage choice) is named in the
    title and subtitle, and the data files say which sites it changes.
    """
    from geo.render.files import sites_table, to_csv_bytes, to_geojson_bytes, to_gpkg_bytes, to_xlsx_bytes
    from geo.render.print import render_static
    from geo.render.scenario import added_frame, scenario_sites, subtitle_parts, whatif_title

    net_names, sub_names = network_names(atlas)
    choice, result = coverage if coverage else ({}, None)
    closed = tuple(choice.get("closed", ())) if result else ()
    added = tuple(choice.get("added", ())) if result else ()
    drawn = sites
    if closed:
        drawn = sites.copy()
        drawn.loc[drawn["site_id"].isin(closed), "status"] = "closed"
    cov_after = result["what"].after if result else None
    areas = result.get("areas") if result else None
    view = (finder.location, finder.label, finder.results) if finder is not None else None
    name = _slug(title)
    closed_names = list(display_names(sites[sites["site_id"].isin(closed)], lang))
    parts = subtitle_parts(
        lang,
        closed_names=closed_names,
        added_names=[str(a[0]) for a in added],
        population=(result.get("population_label") or population) if result else None,
    )
    subtitle = " · ".join(
        [
            *parts,
            filter_line(
                atlas,
                lang,
                networks=sel.networks,
                specialty=getattr(finder, "specialty", None) or sel.specialty,
                subregions=sel.subregions,
                categories=sel.categories,
                provinces=sel.provinces,
                threshold=cov_after.threshold if cov_after is not None else None,
                unit=cov_after.unit if cov_after is not None else "km",
            ),
        ]
    )
    title = whatif_title(title, lang, closed=closed, added=added)
    data_sites = scenario_sites(
        sites, lang, closed=closed, added=added_frame(added, sites) if added else None
    )
    if fmt in ("png", "svg", "pdf"):
        spec = snapshot_spec(
            atlas,
            drawn,
            lang,
            networks=sel.networks,
            title=title,
            subtitle=subtitle,
            tiles=sel.tiles,
            coverage=cov_after,
            areas=areas,
            finder=view,
            extent=extent,
        )
        return f"{name}.{fmt}", render_static(spec, fmt=fmt, page=page, dpi=dpi)  # type: ignore[arg-type]
    if fmt == "html":
        html_text = interactive_html(
            atlas,
            drawn,
            lang,
            networks=sel.networks,
            tiles=sel.tiles,
            coverage=cov_after,
            areas=areas,
            least=result["least"] if result else None,
            added=choice.get("added", ()),
            finder=view,
            title=title,
            subtitle=subtitle,
        )
        return f"{name}.html", html_text.encode("utf-8")
    if fmt == "geojson":
        return f"{name}.geojson", to_geojson_bytes(data_sites)
    if fmt == "gpkg":
        return f"{name}.gpkg", to_gpkg_bytes(data_sites)
    table = sites_table(
        data_sites,
        network_names=net_names,
        subregion_names=sub_names,
        category_labels={c: t(f"cat.{c}", lang) for c in CATEGORIES},
    )
    if fmt == "csv":
        return f"{name}-locaties.csv", to_csv_bytes(table, sep=";" if lang == "nl" else ",")
    sheets = {t("export.sheet.sites", lang): table}
    if cov_after is not None and result is not None:
        sheets |= coverage_sheets(
            cov_after,
            result["sens"],
            provinces=t("cov.tab.provinces", lang),
            subregions=t("cov.tab.subregions", lang),
            sensitivity=t("cov.tab.sensitive", lang),
        )
    return f"{name}.xlsx", to_xlsx_bytes(sheets)


def coverage_sheets(
    result: Any, sensitive: pd.DataFrame, *, provinces: str, subregions: str, sensitivity: str
) -> dict[str, pd.DataFrame]:
    """Spreadsheet tabs of a coverage result, columns named by its unit (``mean_min``, ``p95_km``).

    ``result`` is a :class:`geo.coverage.CoverageResult`; ``sensitive`` the sensitivity ranking of the
    same run; the keyword arguments are the tab names. The sub-region tab is left out when empty.
    """
    from geo.coverage.measure import with_unit

    caption = getattr(result, "population", None)  # every row says which population it counts
    source = caption.nl if caption is not None else ""
    sheets = {provinces: with_unit(result.by_province, result.unit).assign(population_source=source)}
    if not result.by_subregion.empty:
        sheets[subregions] = with_unit(result.by_subregion, result.unit).assign(population_source=source)
    sheets[sensitivity] = with_unit(sensitive, result.unit)
    return sheets
