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
#: One purple hue (275°-305°) with falling lightness: never read as water (light blue) or as
#: plain land, distinct from the orange/red of :data:`BEYOND_SCALE` also for colour-blind readers
#: (purple and orange stay apart on the blue-yellow axis that deuteranopes and protanopes keep).
SHARE_SCALE = ("#3F0D5A", "#6A2C87", "#9660AA", "#C49BCB", "#E5CDE6")
SHARE_RANGE = (0.5, 1.0)
#: Areas beyond the threshold (ColorBrewer OrRd): up to 1.5 times it, up to twice it, farther.
BEYOND_SCALE = ("#FDBB84", "#EF6548", "#B30000")
#: Upper ends of the first two bands of :data:`BEYOND_SCALE`, as multiples of the threshold.
BEYOND_STEPS = (1.5, 2.0)


def network_colours(network_ids: Iterable[str], given: Mapping[str, str] | None = None) -> dict[str, str]:
    """Colour per network: ``given`` first, then the fixed colours, then unused Okabe-Ito ones."""
    given = dict(given or {})
    ids = list(dict.fromkeys(network_ids))
    out = {n: given.get(n) or NETWORK_COLOURS.get(n) for n in ids}
    spare = iter(c for c in OKABE_ITO if c not in set(out.values()))
    return {n: c or next(spare, CONTEXT_COLOUR) for n, c in out.items()}
