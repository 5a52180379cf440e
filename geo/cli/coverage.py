"""The ``coverage`` and ``sensitivity`` subcommands: figures per specialty on the chosen population."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

import pandas as pd

from geo.cli.commands import (
    EXIT_OK,
    METHOD_KM,
    METHOD_MIN,
    UsageError,
    networks_for,
    summary_records,
    threshold_of,
)
from geo.data import filter_sites, load_atlas


def population_of(atlas: Any, args: argparse.Namespace) -> Any:
    """The population points of ``--population`` and ``--age`` (default CBS PC4 2021, every inhabitant)."""
    from geo.population import DEFAULT_SOURCE, population_points

    source = getattr(args, "population", DEFAULT_SOURCE)
    try:
        return population_points(source, getattr(args, "age", "all"), provinces=atlas.provinces)
    except ValueError as exc:  # e.g. an age group the layer does not have: wrong usage, exit 2
        raise UsageError(str(exc)) from None


def _population_record(pop: Any, args: argparse.Namespace) -> dict[str, Any]:
    caption = pop.attrs.get("caption")
    return {
        "layer": args.population,
        "age": args.age,
        "caption": caption.nl if caption else None,
        "caption_en": caption.en if caption else None,
        "source": caption.source if caption else None,
        "licence": caption.licence if caption else None,
    }


def _by_specialty(atlas: Any, networks: Sequence[str]) -> dict[str, list[str]]:
    """The networks grouped by specialty, in their order: figures are never pooled across specialties."""
    spec = dict(zip(atlas.networks["network_id"], atlas.networks["specialty"], strict=True))
    out: dict[str, list[str]] = {}
    for n in networks:
        out.setdefault(spec[n], []).append(n)
    return out


def planned_sites(
    atlas: Any, args: argparse.Namespace, networks: Sequence[str], categories: Sequence[str]
) -> Any:
    """The planned sites of ``--planned FILE`` (read as the app reads an upload) that count for the
    chosen networks and kinds of site; ``None`` without the option."""
    from geo.errors import DataValidationError, Problem
    from geo.uploads import read_planned_sites

    path = getattr(args, "planned", None)
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataValidationError(
            [Problem(str(path.name), None, None, f"cannot read the file: {exc.strerror}")]
        ) from None
    known = dict(zip(atlas.networks["network_id"], atlas.networks["specialty"], strict=True))
    frame = read_planned_sites(data, filename=path.name, provinces=atlas.provinces, networks=known)
    keep = frame["networks"].map(lambda ns: bool(set(ns) & set(networks))) & frame["category"].isin(
        categories
    )
    return frame[keep]


def added_sites(planned: Any) -> tuple[tuple[str, float, float], ...]:
    if planned is None:
        return ()
    return tuple((str(r.name), float(r.lat), float(r.lon)) for r in planned.itertuples(index=False))


def _coverage(
    args: argparse.Namespace,
    *,
    outpatient: bool = False,
    closed: Sequence[str] = (),
    networks: Sequence[str] | None = None,
    population: Any = None,
) -> tuple:
    """Run the coverage analysis of the command's networks.

    Returns ``(result, networks, value, unit, names of the planned sites added)``.
    """
    from geo.coverage import HOSPITAL_CATEGORIES, network_coverage

    atlas = load_atlas()
    networks = list(networks) if networks is not None else networks_for(atlas, args)
    cats = (*HOSPITAL_CATEGORIES, "outpatient") if outpatient else HOSPITAL_CATEGORIES
    value, measure = threshold_of(atlas, args)
    added = added_sites(planned_sites(atlas, args, networks, cats))
    res = network_coverage(
        atlas,
        population if population is not None else population_of(atlas, args),
        networks,
        threshold=value,
        measure=measure,
        categories=cats,
        closed=[c for c in closed if c in set(filter_sites(atlas, networks=networks)["site_id"])],
        added=added,
    )
    return res, networks, value, res.whatif.after.unit, [a[0] for a in added]


def _figures(res: Any, unit: str) -> dict[str, Any]:
    """Provinces (with the population counted and the rule that defines it), sub-regions and total."""
    after = res.whatif.after
    counted = res.counted.set_index("name")
    provinces = summary_records(after.by_province, unit)
    for r in provinces:
        r["province_population"] = float(counted.loc[r["name"], "province_population"])
        r["counted"] = str(counted.loc[r["name"], "rule"])
    return {
        "provinces": provinces,
        "subregions": summary_records(after.by_subregion, unit),
        "total": summary_records(pd.DataFrame([after.total]), unit)[0],
        "partial_provinces": list(res.partial),
    }


#: What the ``counted`` field of a province means, in the JSON's ``counting_rules``.
COUNTING_RULES = {
    "province": "every inhabitant of the province",
    "catchment": (
        "only places whose nearest hospital (straight line) is a site of the network, not a hospital "
        "outside the networks: the province is only partly in the region, so its share is close to 100 % "
        "partly by construction"
    ),
}


def cmd_coverage(args: argparse.Namespace) -> int:
    """Print coverage per specialty (province, sub-region, total) and each network against all hospitals."""
    from geo.coverage import network_references, reference_table

    atlas = load_atlas()
    pop = population_of(atlas, args)
    networks = networks_for(atlas, args)
    groups = _by_specialty(atlas, networks)
    blocks = []
    for specialty, nets in groups.items():
        res, _, value, unit, added = _coverage(
            args, outpatient=args.outpatient, closed=args.close or (), networks=nets, population=pop
        )
        blocks.append(
            {"specialty": specialty, "networks": nets, "sites_counted": len(res.sites), **_figures(res, unit)}
        )
    value, measure = threshold_of(atlas, args)
    from geo.coverage import HOSPITAL_CATEGORIES

    cats = (*HOSPITAL_CATEGORIES, "outpatient") if args.outpatient else HOSPITAL_CATEGORIES
    refs = reference_table(
        network_references(atlas, pop, networks, threshold=value, measure=measure, categories=cats)
    )
    payload: dict[str, Any] = {
        "networks": networks,
        "threshold": value,
        "unit": unit,
        "method": METHOD_KM if unit == "km" else METHOD_MIN,
        "population": _population_record(pop, args),
        "closed": list(args.close or ()),
        "added": added,
        "counting_rules": COUNTING_RULES,
    }
    if len(blocks) == 1:  # one specialty: its figures at the top level
        payload |= {k: v for k, v in blocks[0].items() if k not in ("specialty", "networks")}
        payload["specialty"] = blocks[0]["specialty"]
    payload["by_specialty"] = blocks
    payload["by_network"] = summary_records(refs, unit)
    payload["reference"] = (
        "every open shipped site of the same kinds, inside any network or outside them all, "
        "over the network's own region and counted population"
    )
    if args.json:
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        cap = payload["population"]["caption_en"]
        print(f"coverage within {value:g} {unit} ({payload['method']}); population: {cap}")
        for b in blocks:
            print(f"{b['specialty']}: {', '.join(b['networks'])}")
            for r in [*b["provinces"], *b["subregions"], b["total"]]:
                share = "-" if r["share"] is None else f"{r['share'] * 100:5.1f}%"
                note = " (catchment only)" if r.get("counted") == "catchment" else ""
                print(
                    f"  {r['name']:<45} {r['population']:>11,.0f} {share:>7}  "
                    f"p95 {r[f'p95_{unit}'] or 0:5.1f} {unit}{note}"
                )
        print("each network against every open hospital of its region:")
        for r in payload["by_network"]:
            print(
                f"  {r['network_id']:<12} {r['share'] * 100:5.1f}%  "
                f"all hospitals {r['reference_share'] * 100:5.1f}%"
            )
    return EXIT_OK


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Rank every site by the inhabitants pushed beyond the threshold if it alone closed."""
    atlas = load_atlas()
    pop = population_of(atlas, args)
    records: list[dict[str, Any]] = []
    for nets in _by_specialty(atlas, networks_for(atlas, args)).values():
        res, _, value, unit, _ = _coverage(args, networks=nets, population=pop)
        records += summary_records(res.sensitivity, unit)
    networks = networks_for(atlas, args)
    if args.json:
        payload = {
            "networks": networks,
            "threshold": value,
            "unit": unit,
            "population": _population_record(pop, args),
            "sites": records,
        }
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for r in records:
            print(f"{r['extra_beyond']:>10,.0f}  {r['name']} ({r['organisation']})")
    return EXIT_OK
