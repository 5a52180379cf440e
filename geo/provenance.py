"""Facts about each network with their sources, and the places where sources disagree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from geo.data import Atlas


@dataclass(frozen=True)
class Claim:
    """One source's statement about a network (e.g. its member count)."""

    value: str
    source_url: str
    source_date: str
    quote: str = ""


@dataclass(frozen=True)
class Conflict:
    """A field on which the recorded sources give different values."""

    field: str
    claims: tuple[Claim, ...]


@dataclass(frozen=True)
class NetworkFacts:
    """What the data says about one network, ready to show or print."""

    network_id: str
    name: str
    specialty: str
    founded: str
    source_url: str
    members_reported: int
    members_in_data: int
    name_provisional: bool
    inferred: tuple[str, ...]
    conflicts: tuple[Conflict, ...] = field(default_factory=tuple)


def network_facts(atlas: Atlas, network_ids: Iterable[str] | None = None) -> list[NetworkFacts]:
    """Collect per network its sources, member counts, inferred members and conflicting claims."""
    ids = list(network_ids) if network_ids is not None else list(atlas.networks["network_id"])
    orgs = dict(zip(atlas.organisations["org_id"], atlas.organisations["short_name"], strict=True))
    out = []
    for nid in ids:
        net = atlas.network(nid)
        mem = atlas.memberships[atlas.memberships["network_id"] == nid]
        claims = atlas.claims[atlas.claims["network_id"] == nid]
        conflicts = []
        for fld, group in claims.groupby("field", sort=True):
            if group["value"].nunique() > 1:
                conflicts.append(
                    Conflict(
                        str(fld),
                        tuple(
                            Claim(r.value, r.source_url, r.source_date, r.quote) for r in group.itertuples()
                        ),
                    )
                )
        out.append(
            NetworkFacts(
                network_id=nid,
                name=net["name"],
                specialty=net["specialty"],
                founded=net["founded"],
                source_url=net["source_url"],
                members_reported=int(net["members_reported"]),
                members_in_data=int(mem.loc[mem["evidence"] != "partner", "org_id"].nunique()),
                name_provisional=net["name_status"] == "provisional",
                inferred=tuple(orgs.get(o, o) for o in mem.loc[mem["evidence"] == "inferred", "org_id"]),
                conflicts=tuple(conflicts),
            )
        )
    return out
