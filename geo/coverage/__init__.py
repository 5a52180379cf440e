"""Coverage of the population by a set of sites: per province and sub-region, and what if sites close or open.

The package re-exports the public names of its modules, so ``from geo.coverage import coverage`` keeps
working: :mod:`~geo.coverage.measure` (km or minutes), :mod:`~geo.coverage.core` (nearest site,
weighted statistics, the result), :mod:`~geo.coverage.whatif`, :mod:`~geo.coverage.sensitivity`,
:mod:`~geo.coverage.areas` (service areas), :mod:`~geo.coverage.networks` (per network,
comparisons, the catchment rule) and :mod:`~geo.coverage.reference` (each network next to all hospitals).
"""

from geo.coverage.areas import service_areas
from geo.coverage.core import (
    P95,
    PATIENT_CATEGORIES,
    SUMMARY_COLUMNS,
    TOTAL,
    CoverageResult,
    coverage,
    nearest_distances,
    weighted_quantile,
)
from geo.coverage.measure import (
    STRAIGHT_LINE,
    CoverageError,
    Measure,
    Nearest,
    travel_time,
    travel_time_for,
    with_unit,
)
from geo.coverage.networks import (
    HOSPITAL_CATEGORIES,
    RULE_CATCHMENT,
    RULE_PROVINCE,
    NetworkComparison,
    NetworkCoverage,
    applicable_added,
    compare_networks,
    least_served,
    limit_to_catchment,
    network_coverage,
    network_subregion_sites,
)
from geo.coverage.reference import REFERENCE_COLUMNS, NetworkReference, network_references, reference_table
from geo.coverage.sensitivity import sensitivity
from geo.coverage.whatif import WhatIf, coverage_whatif, on_land

__all__ = [
    "HOSPITAL_CATEGORIES",
    "P95",
    "PATIENT_CATEGORIES",
    "REFERENCE_COLUMNS",
    "RULE_CATCHMENT",
    "RULE_PROVINCE",
    "STRAIGHT_LINE",
    "SUMMARY_COLUMNS",
    "TOTAL",
    "CoverageError",
    "CoverageResult",
    "Measure",
    "Nearest",
    "NetworkComparison",
    "NetworkCoverage",
    "NetworkReference",
    "WhatIf",
    "applicable_added",
    "compare_networks",
    "coverage",
    "coverage_whatif",
    "least_served",
    "limit_to_catchment",
    "nearest_distances",
    "network_coverage",
    "network_references",
    "network_subregion_sites",
    "on_land",
    "reference_table",
    "sensitivity",
    "service_areas",
    "travel_time",
    "travel_time_for",
    "weighted_quantile",
    "with_unit",
]
