"""The ``netwerkatlas`` command line: the app's analyses for scripts and batch reports.

Exit status: 0 on success, 1 when the data is invalid or an answer is incomplete (e.g. an unknown
place), 2 for wrong usage (unknown network id, bad option).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from geo.data import filter_sites, load_atlas
from geo.errors import DataValidationError, UnknownIdError
from geo.schema import SPECIALTIES

EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE = 0, 1, 2


def _site_record(row: Any) -> dict[str, Any]:
    return {
        "site_id": row.site_id,
        "organisation": row.organisation,
        "site": row.name,
        "city": row.city,
        "province": row.province,
        "lat": round(float(row.lat), 6),
        "lon": round(float(row.lon), 6),
        "kind": row.kind,
        "category": row.category,
        "emergency": row.emergency,
        "status": row.status,
        "precision": row.precision,
        "networks": list(row.networks),
        "subregions": list(row.subregions),
    }


def cmd_validate(args: argparse.Namespace) -> int:
    """Check every data file; print a summary or every problem found."""
    atlas = load_atlas()
    if not args.quiet:
        s = atlas.sites
        print(
            f"data OK: {len(atlas.networks)} networks, {len(atlas.organisations)} organisations, "
            f"{len(s)} sites ({int((s['status'] == 'open').sum())} open, "
            f"{int((~s['in_network']).sum())} outside the networks), {len(atlas.provinces)} provinces"
        )
    return EXIT_OK


def cmd_sites(args: argparse.Namespace) -> int:
    """Print the sites of a selection as a table or JSON."""
    atlas = load_atlas()
    sites = filter_sites(
        atlas,
        networks=args.network or None,
        specialty=args.specialty,
        include_context=args.context,
        include_closed=args.closed,
    )
    records = [_site_record(r) for r in sites.itertuples()]
    if args.json:
        json.dump(records, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for r in records:
            nets = ",".join(r["networks"]) or "-"
            print(f"{r['site_id']:<40} {r['city']:<18} {r['province']:<14} {r['category']:<13} {nets}")
        print(f"{len(records)} sites", file=sys.stderr)
    return EXIT_OK


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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except DataValidationError as exc:
        print(f"netwerkatlas: {exc}", file=sys.stderr)
        return EXIT_INCOMPLETE
    except UnknownIdError as exc:
        print(f"netwerkatlas: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
