"""Colours shared by the interactive map and the static exports, so a snapshot matches the screen."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: Okabe-Ito colours (colour-blind safe), in the order networks without a fixed colour get them.
OKABE_ITO = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")
#: Fixed colour per network, so a network keeps its colour whatever else is selected.
NETWORK_COLOURS: dict[str, str] = {
    "cardionovo": "#D55E00",  # vermillion
    "onconovo": "#0072B2",  # blue
    "noord-oost": "#009E73",  # bluish green
}
CONTEXT_COLOUR = "#8A8A8A"
CLOSED_COLOUR = "#5A5A5A"
WATER = "#C3DAEC"
LAND = "#F3F2EE"
REGION = "#FCE9C4"
REGION_PARTIAL = "#FBF3E1"
#: Coverage shading: share of inhabitants within the threshold, from dark (poorly covered) to light.
SHARE_SCALE = ("#08306B", "#2171B5", "#6BAED6", "#C6DBEF", "#F7FBFF")
SHARE_RANGE = (0.5, 1.0)


def network_colours(network_ids: Iterable[str], given: Mapping[str, str] | None = None) -> dict[str, str]:
    """Colour per network: ``given`` first, then the fixed colours, then unused Okabe-Ito ones."""
    given = dict(given or {})
    ids = list(dict.fromkeys(network_ids))
    out = {n: given.get(n) or NETWORK_COLOURS.get(n) for n in ids}
    spare = iter(c for c in OKABE_ITO if c not in set(out.values()))
    return {n: c or next(spare, CONTEXT_COLOUR) for n, c in out.items()}
