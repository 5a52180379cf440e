"""PDOK Locatieserver: the Dutch government's open geocoder, used only when the machine is online.

The app works offline; postcode search is an extra that is offered only after :func:`reachable`
says the service answers. The maintenance script ``scripts/geocode_pdok.py`` uses the same helpers.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request

ENDPOINT = "https://api.pdok.nl/bzk/locatieserver/search/v3_1/free"
POSTCODE = re.compile(r"^\s*([1-9]\d{3})\s?([A-Za-z]{2})\s*$")
_POINT = re.compile(r"POINT\(([-\d.]+) ([-\d.]+)\)")


def normalise_postcode(text: str) -> str | None:
    """Return ``"1234 AB"`` when ``text`` is a Dutch postcode, else ``None``."""
    m = POSTCODE.match(text or "")
    return f"{m.group(1)} {m.group(2).upper()}" if m else None


def query_url(q: str, *, kind: str = "adres", rows: int = 1) -> str:
    """The Locatieserver ``free`` request for ``q`` restricted to one document type."""
    params = {
        "q": q,
        "fq": f"type:{kind}",
        "rows": str(rows),
        "fl": "weergavenaam,straatnaam,huis_nlt,postcode,woonplaatsnaam,provincienaam,centroide_ll",
    }
    return f"{ENDPOINT}?{urllib.parse.urlencode(params)}"


def point_of(doc: dict) -> tuple[float, float] | None:
    """``(lat, lon)`` of a Locatieserver document's ``centroide_ll``."""
    m = _POINT.match(doc.get("centroide_ll", ""))
    return (float(m.group(2)), float(m.group(1))) if m else None


def fetch(url: str, *, timeout: float = 3.0) -> dict:
    """GET a Locatieserver URL and decode the JSON (raises ``OSError`` when offline)."""
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return json.load(resp)


def reachable(*, timeout: float = 1.5) -> bool:
    """Whether Locatieserver answers right now."""
    try:
        fetch(query_url("1012 JS", kind="postcode"), timeout=timeout)
    except (OSError, ValueError):
        return False
    return True


def lookup_postcode(postcode: str, *, timeout: float = 3.0) -> tuple[str, float, float] | None:
    """Return ``(label, lat, lon)`` of a postcode's centre, or ``None`` when unknown."""
    payload = fetch(query_url(postcode, kind="postcode"), timeout=timeout)
    docs = payload.get("response", {}).get("docs", [])
    point = point_of(docs[0]) if docs else None
    if point is None:
        return None
    return str(docs[0].get("weergavenaam", postcode)), point[0], point[1]
