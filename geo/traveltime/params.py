"""Default parameters, file names and the method statement of the travel-time estimate."""

from __future__ import annotations

#: Effective car speed on land, km/h (one speed everywhere: there is no road network).
LAND_KMH = 60.0
#: Minutes added to every trip: getting to the car, parking, walking in.
OVERHEAD_MIN = 3.0
#: Default waiting time at a ferry terminal, minutes. Texel sails hourly: a traveller who does not
#: plan waits 30 minutes on average, one who plans about 10-15.
FERRY_WAIT_MIN = 15.0
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
#: One-paragraph statement of the method, for exports, tooltips and the README.
METHOD_NOTE = (
    "Estimated car travel time, not a route planner: a 500 m raster of the Netherlands (Natural Earth 10m "
    "land minus lakes) driven at 60 km/h, open water impassable, dikes, bridges and tunnels at their own "
    "speed, ferries as crossing time plus a waiting time (15 min by default), plus 3 min at start and "
    "finish. Against 8 published travel times the median error is about 2 minutes and the worst 20; read "
    "it as +/- 10 minutes. Method and sources: docs/traveltime.md."
)
#: Bumped whenever the way fields are computed changes, so stale caches are never read.
FIELD_VERSION = 1


class TravelTimeError(ValueError):
    """A travel-time argument is out of range, names an unknown link or ferry, or the data is broken."""
