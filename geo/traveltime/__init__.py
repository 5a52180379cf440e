"""Estimated car travel time that never crosses open water: minutes from a place to hospital sites.

The package is split by purpose: :mod:`~geo.traveltime.params` (defaults), :mod:`~geo.traveltime.surface`
(the committed raster), :mod:`~geo.traveltime.graph` (graph and Dijkstra), :mod:`~geo.traveltime.fieldcache`
(per-site fields on disk), :mod:`~geo.traveltime.model` (the model), :mod:`~geo.traveltime.queries`
(minutes to sites, nearest, coverage's contract) and :mod:`~geo.traveltime.calibration` (checks against
published figures). Method and accuracy: ``docs/traveltime.md``.
"""

from geo.defaults import FERRY_WAIT_MIN
from geo.traveltime import calibration
from geo.traveltime.calibration import calibration_summary, error_caption, error_summary, trips
from geo.traveltime.fieldcache import default_cache_dir
from geo.traveltime.graph import build_graph, shortest_seconds
from geo.traveltime.model import TravelModel, load_model
from geo.traveltime.params import (
    CACHE_ENV,
    CALIBRATION_FILE,
    FERRIES_FILE,
    FIELD_VERSION,
    LAND_KMH,
    LINKS_FILE,
    METHOD_NOTE,
    MIN_COMPONENT_KM2,
    OVERHEAD_MIN,
    SNAP_MAX_KM,
    SURFACE_DIR,
    TRUNK_KMH,
    TravelTimeError,
)
from geo.traveltime.queries import (
    minutes_query,
    minutes_to_sites,
    nearest_by_time,
    nearest_minutes_xy,
    population_minutes,
    travel_minutes,
)
from geo.traveltime.surface import Surface, load_surface, mask_hash

__all__ = [
    "CACHE_ENV",
    "CALIBRATION_FILE",
    "FERRIES_FILE",
    "FERRY_WAIT_MIN",
    "FIELD_VERSION",
    "LAND_KMH",
    "LINKS_FILE",
    "METHOD_NOTE",
    "MIN_COMPONENT_KM2",
    "OVERHEAD_MIN",
    "SNAP_MAX_KM",
    "SURFACE_DIR",
    "TRUNK_KMH",
    "Surface",
    "TravelModel",
    "TravelTimeError",
    "build_graph",
    "calibration",
    "calibration_summary",
    "default_cache_dir",
    "error_caption",
    "error_summary",
    "load_model",
    "load_surface",
    "mask_hash",
    "minutes_query",
    "minutes_to_sites",
    "nearest_by_time",
    "nearest_minutes_xy",
    "population_minutes",
    "shortest_seconds",
    "travel_minutes",
    "trips",
]
