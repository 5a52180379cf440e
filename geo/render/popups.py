"""Popup HTML of a site on the web map; every value from the data is escaped here."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from geo.i18n import fmt_number, t
from geo.names import remark
from geo.nearest import osm_route_url

#: The remark under a name: muted, in the size around it (inline: the details panel has no map stylesheet).
REMARK_STYLE = "color:#555"


def escape(text: object) -> str:
    """HTML-escape text for popups and tooltips, including the characters of a JavaScript template.

    folium writes popup and tooltip HTML into JavaScript template literals, where a backtick or ``${``
    from the data would end the string and run as code; ``html.escape`` alone leaves both through.
    """
    return html.escape(str(text)).replace("`", "&#96;").replace("$", "&#36;")


def remark_html(text: str, *, tag: str = "div") -> str:
    """A remark (:func:`geo.names.remark`) as a muted line, escaped; empty without a remark."""
    return f'<{tag} class="na-remark" style="{REMARK_STYLE}">{escape(text)}</{tag}>' if text else ""


def _named(name: object, note: str) -> str:
    """A name with its remark on a muted second line, both escaped."""
    return escape(str(name)) + (f"<br>{remark_html(note, tag='span')}" if note else "")


def _link(url: str, label: str) -> str:
    if not url.startswith(("http://", "https://")):
        return ""
    return f'<a href="{escape(url)}" target="_blank" rel="noopener">{escape(label)}</a>'


def popup_html(
    site: Mapping[str, Any],
    *,
    lang: str,
    network_names: Mapping[str, str],
    subregion_names: Mapping[str, str],
) -> str:
    """Return the popup HTML for one site; every value from the data is escaped."""
    e = escape
    nets = [network_names.get(n, n) for n in site.get("networks", ())]
    subs = [subregion_names.get(s, s) for s in site.get("subregions", ())]
    address = ", ".join(
        p for p in (site.get("street", ""), f"{site.get('postcode', '')} {site.get('city', '')}".strip()) if p
    )
    rows = [
        (
            t("popup.organisation", lang),
            _named(site.get("organisation", ""), remark(site, lang, organisation=True)),
        ),
        (t("popup.address", lang), e(address)),
        (t("popup.kind", lang), e(t(f"cat.{site.get('category', 'other')}", lang))),
        (t("popup.ed", lang), e(t(f"ed.{site.get('emergency', 'unknown')}", lang))),
        (t("popup.networks", lang), e(", ".join(nets)) if nets else f"<i>{e(t('popup.none', lang))}</i>"),
    ]
    if subs:
        rows.append((t("popup.subregions", lang), e(", ".join(subs))))
    precision = str(site.get("precision", "building"))
    prec_text = e(t(f"prec.{precision}", lang))
    if precision != "building":
        prec_text = f'<span style="color:#8a4b00">&#9888; {prec_text}</span>'
    rows.append((t("popup.precision", lang), prec_text))
    links = [
        _link(str(site.get("source_url", "")), t("popup.source_site", lang)),
        _link(str(site.get("coord_source_url", "")), t("popup.source_coord", lang)),
        _link(str(site.get("website", "")), t("popup.website", lang)),
    ]
    rows.append((t("popup.sources", lang), " · ".join(x for x in links if x)))
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    closed = ""
    if site.get("status") == "closed":
        closed = f'<div class="na-closed">{e(t("popup.closed", lang, date=site.get("closed_on", "?")))}</div>'
    head = f"<h4>{e(str(site.get('name', '')))}</h4>{remark_html(remark(site, lang))}"
    return f'<div class="na-popup">{head}{closed}<table>{body}</table></div>'


def result_html(
    r: pd.Series,
    *,
    lang: str,
    net_names: dict[str, str],
    sub_names: dict[str, str],
    origin: tuple[float, float],
) -> str:
    """One result card; every value from the data is escaped."""
    e = html.escape
    km = t("finder.km", lang, km=fmt_number(r["distance_km"], lang, decimals=1))
    minutes = r.get("minutes")
    if minutes is not None and pd.notna(minutes):
        finite = math.isfinite(float(minutes))  # inf: no route from here (water, outside the grid)
        by_car = t("finder.minutes", lang, min=fmt_number(round(float(minutes)), lang)) if finite else ""
        km = (by_car or t("finder.no_route", lang)) + " · " + km
    nets = ", ".join(net_names.get(n, n) for n in r["networks"])
    subs = ", ".join(sub_names.get(s, s) for s in r["subregions"])
    address = ", ".join(x for x in (r["street"], f"{r['postcode']} {r['city']}".strip()) if x)
    route = osm_route_url(origin[0], origin[1], r["lat"], r["lon"])
    parts = [
        f'<div class="na-result"><div><b>{int(r["rank"])}. {e(str(r["name"]))}</b></div>',
        remark_html(remark(r, lang)),
        f'<div style="color:#555">{_named(r["organisation"], remark(r, lang, organisation=True))}</div>',
        f"<div><b>{e(km)}</b></div>",
        f"<div>{e(t('cat.' + r['category'], lang))} · {e(t('popup.ed', lang))}: "
        f"{e(t('ed.' + r['emergency'], lang))}</div>",
        f"<div>{e(nets)}{' · ' + e(subs) if subs else ''}</div>",
        f"<div>{e(address)}</div>" if address else "",
    ]
    if r["kind"] == "outpatient":
        parts.append(f'<div style="color:#8a4b00">{e(t("finder.outpatient", lang))}</div>')
    approx = t("prec.warning", lang, precision=t("prec." + r["precision"], lang))
    if r["precision"] != "building":
        parts.append(f'<div style="color:#8a4b00">&#9888; {e(approx)}</div>')
    links = [
        f'<a href="{e(route)}" target="_blank" rel="noopener noreferrer">{e(t("finder.route", lang))}</a>'
    ]
    if str(r["website"]).startswith(("http://", "https://")):
        links.append(
            f'<a href="{e(str(r["website"]))}" target="_blank" rel="noopener noreferrer">'
            f"{e(t('popup.website', lang))}</a>"
        )
    parts.append(f"<div>{' · '.join(links)}</div></div>")
    return "".join(parts)
