"""Estimated car travel time that never crosses open water (package; see :mod:`geo.traveltime.model`)."""

from geo.traveltime.model import *  # noqa: F403
from geo.traveltime.model import (  # noqa: F401  (private helpers the tests and scripts reach for)
    _FieldStore,
    build_graph,
    mask_hash,
    shortest_seconds,
)
