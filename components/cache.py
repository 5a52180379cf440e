"""Cached access to the domain layer: load and validate once per process, filter once per selection."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import streamlit as st

from geo.data import Atlas, default_data_dir, filter_sites, load_atlas
from geo.defaults import FERRY_WAIT_MIN
from geo.pdok import reachable
from geo.places import Place, PlaceResolution, load_places, place_by_id, resolve_place

if TYPE_CHECKING:  # scipy's graph code loads only when travel times are first asked for
    from geo.coverage import Measure
    from geo.traveltime import TravelModel

logger = logging.getLogger("netwerkatlas")
_warm_lock = threading.Lock()
_warm_started = False
_warm_thread: threading.Thread | None = None


def atlas() -> Atlas:
    """The validated data of the current data folder, loaded once per process (read-only afterwards)."""
    return _atlas(str(default_data_dir()))


@st.cache_resource(show_spinner=False)
def _atlas(data_dir: str) -> Atlas:
    return load_atlas(Path(data_dir))


def sites_for(*args: object) -> gpd.GeoDataFrame:
    """Return the sites of one filter selection (see :meth:`Selection.cache_args`), cached per selection."""
    return _sites_for(str(default_data_dir()), *args)


@st.cache_data(show_spinner=False, max_entries=256)
def _sites_for(
    data_dir: str,
    networks: tuple[str, ...],
    specialty: str | None,
    subregions: tuple[str, ...],
    categories: tuple[str, ...],
    provinces: tuple[str, ...],
    include_context: bool,
    include_closed: bool,
) -> gpd.GeoDataFrame:
    return filter_sites(
        _atlas(data_dir),
        networks=list(networks),
        specialty=specialty,
        subregions=list(subregions) or None,
        categories=list(categories),
        provinces=list(provinces) or None,
        include_context=include_context,
        include_closed=include_closed,
    )


@st.cache_resource(show_spinner=False)
def _places(data_dir: str) -> gpd.GeoDataFrame:
    return load_places(Path(data_dir))


def places() -> gpd.GeoDataFrame:
    """The GeoNames gazetteer (built once per process, about 2 s; never modified)."""
    return _places(str(default_data_dir()))


def resolve(text: str) -> PlaceResolution:
    """Resolve a typed place against the cached gazetteer."""
    return resolve_place(text, places())


def place(place_id: int) -> Place | None:
    """A gazetteer place by its GeoNames id."""
    return place_by_id(int(place_id), places())


@st.cache_data(ttl=600, show_spinner=False)
def pdok_online() -> bool:
    """Whether PDOK Locatieserver answers (checked at most every 10 minutes)."""
    return reachable()


@st.cache_resource(show_spinner=False)
def _travel_base(data_dir: str) -> TravelModel:
    from geo.traveltime import load_model

    # Per-site fields come from the disk cache after the first build (about 10 s once per machine).
    return load_model(_atlas(data_dir).sites, data_dir=Path(data_dir))


@st.cache_resource(show_spinner=False, max_entries=16)
def _travel(data_dir: str, ferry_wait_min: float) -> TravelModel:
    return _travel_base(data_dir).replace(ferry_wait_min=ferry_wait_min)


@st.cache_resource(show_spinner=False, max_entries=8)
def _population(data_dir: str, source: str, age: str) -> gpd.GeoDataFrame:
    from geo.population import population_points

    return population_points(source, age, data_dir=Path(data_dir), provinces=_atlas(data_dir).provinces)


def population(source: str, age: str = "all") -> gpd.GeoDataFrame:
    """A named population layer (``pc4``, ``grid1km``, ``geonames``; ``all``, ``65+``), built once.

    Shared read-only by every session: the coverage analyses never modify it.
    """
    return _population(str(default_data_dir()), source, age)


def travel_model(ferry_wait_min: float = FERRY_WAIT_MIN) -> TravelModel:
    """The water-aware travel-time model with the given ferry waiting time (shared fields)."""
    return _travel(str(default_data_dir()), float(ferry_wait_min))


def measure(unit: str, ferry_wait_min: float = FERRY_WAIT_MIN) -> Measure:
    """The distance measure of a coverage figure: travel time (``"min"``) or the straight line (``"km"``)."""
    from geo.coverage import STRAIGHT_LINE, travel_time

    return travel_time(travel_model(ferry_wait_min)) if unit == "min" else STRAIGHT_LINE


def warm_up() -> None:
    """Load what the finder and coverage need, once per process, in a background thread.

    Called at the end of a script run, when the first visitor's map is already on its way: the travel
    model (its fields from the disk cache, or about 10 s to build them once per machine), the default
    population, the PC4 polygons and the coverage code with matplotlib, about 1.5 s in all. The first
    finder query or coverage figure then waits for none of it, also on a plain ``streamlit run``. A
    run without a browser, Streamlit's script health check that ``scripts/warmup.py`` asks for under
    ``make run``, waits until the warm-up is done, so the server is warm when warmup.py ends.
    """
    global _warm_started, _warm_thread
    with _warm_lock:
        if not _warm_started:
            _warm_started = True
            _warm_thread = threading.Thread(target=_warm, name="netwerkatlas-warm-up", daemon=True)
            _warm_thread.start()
    if _warm_thread is not None and _warm_thread.is_alive() and _without_browser():
        _warm_thread.join(timeout=50)  # within Streamlit's 60 s for a health check


def _without_browser() -> bool:
    """Whether this script run belongs to no browser session (Streamlit's script health check)."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx is not None and Runtime.exists() and not Runtime.instance().is_active_session(ctx.session_id)


def _warm() -> None:
    def coverage_code() -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401 - the coverage raster
        from matplotlib.figure import Figure  # noqa: F401

        import components.coverage  # noqa: F401 - scipy, geo.coverage

    def polygons() -> None:
        from geo.census import pc4_areas

        pc4_areas(data_dir=default_data_dir())

    steps = (coverage_code, lambda: population("pc4", "all"), polygons, travel_model)
    for step in steps:  # each on its own: a data folder without population still gets the travel model
        try:
            step()
        except Exception:  # the first real use shows the problem to the visitor; here it is only logged
            logger.warning("warm-up step failed", exc_info=True)
