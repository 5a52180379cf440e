"""Default parameters, file names and the method statement of the travel-time estimate."""

from __future__ import annotations

# The five fitted values below were fitted once, together, against Eurostat's 2020 accessibility
# figures per province and the published trips (docs/traveltime.md, "Calibration"); none is per region.
#: Effective car speed on the local layer (every land cell, detours included), km/h. Fitted.
LAND_KMH = 53.0
#: Speed of the trunk layer (main roads without their geometry), km/h: the Dutch general limit outside
#: built-up areas (RVV 1990, art. 21). Not fitted. ``None``: no trunk layer.
TRUNK_KMH: float | None = 80.0
#: Minutes to get on or off the trunk layer, each way. Fitted.
RAMP_MIN = 3.0
#: Minutes added to every trip. Fitted; Eurostat's figures count driving time only.
OVERHEAD_MIN = 0.6
#: Local access time at each end of a trip, minutes: ``ACCESS_MAX_MIN * d / (d + ACCESS_HALF_DENSITY)``
#: for ``d`` inhabitants per km² of the census 1 km cell (streets in built-up areas are slow). Fitted.
ACCESS_MAX_MIN = 1.7
ACCESS_HALF_DENSITY = 750.0
# The default ferry wait (FERRY_WAIT_MIN, geo.defaults): Texel sails hourly, so a traveller who does
# not plan waits 30 minutes on average, one who plans about 10-15.
#: Farthest a place or site is moved to reach land, km.
SNAP_MAX_KM = 5.0
#: Smallest land area a place may be snapped onto, km² (keeps points off sand banks).
MIN_COMPONENT_KM2 = 5.0
#: Environment variable naming the cache folder; default ``~/.cache/netwerkatlas``.
CACHE_ENV = "NETWERKATLAS_CACHE"
#: Folder inside the data folder that holds the committed raster.
SURFACE_DIR = "traveltime"
LINKS_FILE = "fixed_links.csv"
FERRIES_FILE = "ferries.csv"
CALIBRATION_FILE = "calibration.csv"
#: Census inhabitants per km² on the raster (built by ``scripts/build_density.py``) and its metadata.
DENSITY_FILE = "density.npz"
DENSITY_META = "density.json"
#: One-paragraph statement of the method, for exports, tooltips and the README.
METHOD_NOTE = (
    "Estimated car travel time, not a route planner: a 500 m raster of the Netherlands (Natural Earth 10m "
    "land minus lakes), open water impassable, dikes, bridges and tunnels at their own speed, ferries as "
    "crossing time plus a waiting time (15 min by default). Local roads at 53 km/h, a trunk layer at 80 km/h "
    "with 3 minutes on and off, and up to 1.7 minutes at each end in built-up areas (census density). "
    "Against Eurostat's road-network accessibility to healthcare the provinces differ on average by less "
    "than half a percentage point at 20 minutes; read a single trip as +/- 10 minutes. Method and "
    "sources: docs/traveltime.md."
)
#: Bumped whenever the way fields are computed changes, so stale caches are never read.
FIELD_VERSION = 2


class TravelTimeError(ValueError):
    """A travel-time argument is out of range, names an unknown link or ferry, or the data is broken."""
