"""The ``netwerkatlas`` command line: the app's analyses for scripts and batch reports.

Exit status: 0 on success, 1 when the data is invalid or an answer is incomplete (e.g. an unknown
place), 2 for wrong usage (unknown network id, bad option).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from geo.cli.commands import (
    EXIT_INCOMPLETE,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    cmd_calibrate,
    cmd_nearest,
    cmd_sites,
    cmd_validate,
)
from geo.cli.coverage import cmd_coverage, cmd_sensitivity
from geo.cli.export import EXPORT_FORMATS, cmd_export
from geo.defaults import FERRY_WAIT_MIN, MAX_KM, MAX_MINUTES
from geo.errors import DataValidationError, UnknownIdError
from geo.schema import CATEGORIES, SPECIALTIES


def _bounded(option: str, maximum: float) -> Any:
    """An argparse type for a threshold in (0, maximum] whose error names ``option``."""

    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not 0 < number <= maximum:
            msg = f"{option} must be a number greater than 0 and at most {maximum:g}, got {value}"
            raise argparse.ArgumentTypeError(msg)
        return number

    return parse


def _whatif_args(p: argparse.ArgumentParser) -> None:
    """What-if options, the same for coverage and export: sites that close, planned sites that open."""
    p.add_argument(
        "--close", action="append", metavar="SITE_ID", help="what-if: this site closes (repeatable)"
    )
    p.add_argument(
        "--planned",
        type=Path,
        metavar="FILE",
        help="what-if: planned sites from a CSV, XLSX or GeoJSON file (the app's upload format); "
        "they count for the networks and kinds of site they declare",
    )


def _threshold_args(p: argparse.ArgumentParser, *, km_default: float | None) -> None:
    """Network selection and a threshold in km or in estimated car minutes (not both)."""
    p.add_argument("--network", action="append", metavar="ID", help="network id (repeatable; default: all)")
    p.add_argument("--specialty", choices=SPECIALTIES)
    unit = p.add_mutually_exclusive_group()
    default = f" (default {km_default:g})" if km_default else " (shades provinces by coverage)"
    unit.add_argument(
        "--km", type=_bounded("--km", MAX_KM), default=km_default, help="distance threshold in km" + default
    )
    unit.add_argument(
        "--minutes",
        type=_bounded("--minutes", MAX_MINUTES),
        help="threshold in estimated car minutes instead (e.g. 30 or 45)",
    )
    p.add_argument(
        "--ferry-wait",
        type=float,
        default=FERRY_WAIT_MIN,
        help=f"minutes waited at a ferry (default {FERRY_WAIT_MIN:g})",
    )


def _population_args(p: argparse.ArgumentParser) -> None:
    """Which population the figures count: the official layer (default CBS PC4 2021) and the age group."""
    from geo.population import AGES, DEFAULT_SOURCE, SOURCES

    p.add_argument(
        "--population",
        choices=SOURCES,
        default=DEFAULT_SOURCE,
        help="pc4: CBS inhabitants per postcode area, 1 Jan 2021, spread over 1 km cells (default); "
        "grid1km: Eurostat census 2021 1 km grid; geonames: legacy GeoNames places",
    )
    p.add_argument("--age", choices=AGES, default="all", help="count all inhabitants (default) or those 65+")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="netwerkatlas", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check every data file (schema, ids, references, geography)")
    p.add_argument("--quiet", action="store_true", help="print nothing when the data is valid")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("sites", help="list the sites of networks")
    p.add_argument("--network", action="append", metavar="ID", help="network id (repeatable)")
    p.add_argument("--specialty", choices=SPECIALTIES)
    p.add_argument("--context", action="store_true", help="include hospitals outside the networks")
    p.add_argument("--closed", action="store_true", help="include closed sites")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_sites)

    p = sub.add_parser("nearest", help="nearest network sites (straight line) for one or more places")
    p.add_argument(
        "places", nargs="+", metavar="PLACE", help="place name, 'Hengelo, Gelderland' or 'lat,lon'"
    )
    p.add_argument("--network", action="append", metavar="ID", help="network id (repeatable)")
    p.add_argument("--specialty", choices=SPECIALTIES)
    p.add_argument("--limit", type=int, default=3, help="how many sites per place (default 3)")
    p.add_argument(
        "--kind",
        action="append",
        choices=CATEGORIES,
        metavar="KIND",
        help="only these kinds of site (repeatable): " + ", ".join(CATEGORIES),
    )
    p.add_argument(
        "--by",
        choices=("km", "minutes"),
        default="km",
        help="rank by straight-line km (default) or estimated car minutes (results then carry minutes)",
    )
    p.add_argument(
        "--ferry-wait",
        type=float,
        default=FERRY_WAIT_MIN,
        help=f"minutes waited at a ferry (default {FERRY_WAIT_MIN:g})",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_nearest)

    p = sub.add_parser("coverage", help="share of inhabitants within a distance of a network site")
    _threshold_args(p, km_default=25.0)
    p.add_argument("--outpatient", action="store_true", help="count outpatient clinics as well")
    _whatif_args(p)
    _population_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("sensitivity", help="sites ranked by inhabitants beyond the threshold if each closed")
    _threshold_args(p, km_default=25.0)
    _population_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser("export", help="write the map (PNG/SVG/PDF/HTML) or the data (CSV/XLSX/GeoJSON/GPKG)")
    _threshold_args(p, km_default=None)
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    p.add_argument("--out", required=True, type=Path, help="output file")
    p.add_argument("--title", help="map title")
    p.add_argument("--page", default="a4-landscape", choices=("a4-landscape", "a4-portrait", "16:9"))
    p.add_argument("--dpi", type=int, default=150, help="PNG resolution (default 150)")
    p.add_argument("--lang", default="nl", choices=("nl", "en"), help="language of the map text")
    p.add_argument("--context", action="store_true", help="include hospitals outside the networks")
    _whatif_args(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("calibrate", help="travel times against Eurostat's accessibility and published trips")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--cells", type=Path, metavar="FILE.csv", help="write every 1 km cell with its minutes")
    p.add_argument("--write", action="store_true", help="update data/calibration/result.json and the docs")
    p.set_defaults(func=cmd_calibrate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except DataValidationError as exc:
        print(f"netwerkatlas: {exc}", file=sys.stderr)
        return EXIT_INCOMPLETE
    except (UnknownIdError, UsageError) as exc:
        print(f"netwerkatlas: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into `head`: not an error
        return EXIT_OK
