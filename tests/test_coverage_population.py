"""Coverage on official population: CBS totals, 65+, sub-regions, specialties, planned sites, water.

Expected values are CBS's published figures (StatLine 83503NED, 1 January 2021, as quoted in issue 11
and ``data/README.md``), never figures computed by the code under test.
"""

from __future__ import annotations

import json

import pytest

from geo import coverage as cv
from geo.cli import main
from geo.population import population_points

#: CBS inhabitants on 1 January 2021 (StatLine 83503NED).
CBS_2021 = {
    "Groningen": 586_920,
    "Friesland": 651_430,
    "Drenthe": 494_705,
    "Overijssel": 1_166_335,
    "Flevoland": 428_210,
    "Noord-Holland": 2_887_460,
}
#: CBS inhabitants of 65 and older (the sum of CBS's 5-year bands, data/README.md).
CBS_65PLUS = {"Drenthe": 117_710, "Friesland": 144_110, "Groningen": 119_370, "Overijssel": 231_300}
NOORD_OOST = ("Drenthe", "Friesland", "Gelderland", "Groningen", "Overijssel")


@pytest.fixture(scope="module")
def pc4():
    return population_points("pc4")


@pytest.fixture
def shipped_cli(monkeypatch, capsys):
    """The command line on the shipped data (the figures a policymaker compares with CBS)."""
    monkeypatch.delenv("NETWERKATLAS_DATA", raising=False)

    def run(*argv: str) -> tuple[int, dict]:
        code = main(list(argv))
        out = capsys.readouterr().out
        return code, json.loads(out) if code == 0 else {}

    return run


# --- the population itself -----------------------------------------------------------------------


def test_default_population_is_cbs_pc4_with_its_caption(pc4):
    assert pc4.attrs["caption"].nl.startswith("CBS, inwoners per postcode (PC4), 1 januari 2021")
    sums = pc4.groupby("province")["population"].sum()
    for province, cbs in CBS_2021.items():
        assert sums[province] == pytest.approx(cbs, rel=1e-6)


def test_geonames_is_a_legacy_choice_without_ages():
    assert population_points("geonames").attrs["caption"].nl.startswith("GeoNames")
    with pytest.raises(ValueError, match="no ages"):
        population_points("geonames", "65+")
    with pytest.raises(ValueError, match="unknown population"):
        population_points("gemeente")


# --- the command line (issue 11's "Done when") ------------------------------------------------------


def test_cli_coverage_reports_cbs_2021_province_populations(shipped_cli):
    code, data = shipped_cli("coverage", "--network", "noord-oost", "--km", "30", "--json")
    assert code == 0
    rows = {r["name"]: r for r in data["provinces"]}
    for province in ("Groningen", "Friesland", "Drenthe", "Overijssel"):
        assert rows[province]["population"] == pytest.approx(CBS_2021[province], rel=0.01)
        assert rows[province]["counted"] == "province"
    # Gelderland is only partly in the region: the counted part, the whole province, and the rule
    gld = rows["Gelderland"]
    assert gld["counted"] == "catchment" and gld["province_population"] == pytest.approx(2_096_460)
    assert 0 < gld["population"] < 2_096_460
    assert "partly by construction" in data["counting_rules"]["catchment"]
    assert data["population"]["caption"].startswith("CBS, inwoners per postcode (PC4), 1 januari 2021")
    assert "GeoNames" not in data["method"]


def test_cli_coverage_65_plus(shipped_cli):
    code, data = shipped_cli("coverage", "--network", "noord-oost", "--km", "30", "--age", "65+", "--json")
    assert code == 0
    rows = {r["name"]: r["population"] for r in data["provinces"]}
    for province, cbs in CBS_65PLUS.items():
        assert rows[province] == pytest.approx(cbs, rel=0.01)
    assert "65 jaar en ouder" in data["population"]["caption"]


def test_cli_population_choice_changes_the_caption(shipped_cli, capsys):
    code, grid = shipped_cli("coverage", "--network", "noord-oost", "--population", "grid1km", "--json")
    assert code == 0 and grid["population"]["caption"].startswith("Eurostat")
    code, old = shipped_cli("coverage", "--network", "noord-oost", "--population", "geonames", "--json")
    assert code == 0 and old["population"]["caption"].startswith("GeoNames")
    assert main(["coverage", "--population", "geonames", "--age", "65+", "--json"]) == 2
    assert "no ages" in capsys.readouterr().err


def test_cli_never_pools_specialties(shipped_cli):
    # every network: cardiology and oncology get their own figures, and no pooled total at the top
    code, data = shipped_cli("coverage", "--km", "30", "--json")
    assert code == 0 and "total" not in data
    blocks = {b["specialty"]: b for b in data["by_specialty"]}
    assert set(blocks) == {"cardiology", "oncology"}
    cardio = {r["name"] for r in blocks["cardiology"]["provinces"]}
    assert cardio == {"Flevoland", "Noord-Holland"}  # Groningen has no cardiology network


def test_cli_every_network_next_to_all_hospitals(shipped_cli):
    code, data = shipped_cli("coverage", "--km", "30", "--json")
    assert code == 0
    by_net = {r["network_id"]: r for r in data["by_network"]}
    assert set(by_net) == {"cardionovo", "onconovo", "noord-oost"}
    for r in by_net.values():
        assert r["reference_sites"] > r["sites"]  # hospitals outside the network count in the reference
        assert r["reference_share"] >= r["share"] - 1e-9  # the network's sites are among all hospitals
        assert r["share_difference"] == pytest.approx(r["share"] - r["reference_share"])
    # CardioNoVo+ lacks hospitals that the region has (Flevoland: Emmeloord, Lelystad are not members)
    assert by_net["cardionovo"]["reference_share"] > by_net["cardionovo"]["share"]


# --- issue 13 item 2: sub-regions count only their own network's region ------------------------------


def test_subregions_count_only_their_networks_region(atlas, pc4):
    res = cv.network_coverage(atlas, pc4, atlas.network_ids(), threshold=30)
    points = res.whatif.after.points
    labelled = points[points["subregion"].notna()]
    assert set(labelled["province"]) <= set(NOORD_OOST)  # no Noord-Holland or Flevoland inhabitants
    subs = res.whatif.after.by_subregion
    region = points[points["province"].isin(NOORD_OOST)]["population"].sum()
    assert subs["population"].sum() == pytest.approx(region)
    assert subs["population"].sum() < 4_000_000  # not the 7.2 million of every network's region


# --- issue 13 item 5: planned sites count only for their kinds and networks -------------------------


URK = (52.6625, 5.6014)


def _cardio(atlas, pc4, added):
    return cv.network_coverage(atlas, pc4, ["cardionovo"], threshold=15, added=added).whatif.after.total


def test_a_planned_oncology_clinic_does_not_raise_cardiology_coverage(atlas, pc4):
    base = _cardio(atlas, pc4, ())
    clinic = [("Polikliniek Urk", *URK, "outpatient", ("onconovo",))]
    assert _cardio(atlas, pc4, clinic)["covered"] == base["covered"]
    onco_hospital = [("Ziekenhuis Urk", *URK, "hospital", ("onconovo",))]
    assert _cardio(atlas, pc4, onco_hospital)["covered"] == base["covered"]
    cardio_hospital = [("Ziekenhuis Urk", *URK, "hospital", ("cardionovo",))]
    assert _cardio(atlas, pc4, cardio_hospital)["covered"] > base["covered"]
    undeclared = [("Ziekenhuis Urk", *URK, "hospital", ())]  # no networks declared: counts for any
    assert _cardio(atlas, pc4, undeclared)["covered"] > base["covered"]


def test_applicable_added_filters_like_shipped_sites():
    added = [
        ("click", 52.5, 5.5),
        ("poli", 52.5, 5.5, "outpatient", ("onconovo",)),
        ("ziekenhuis", 52.5, 5.5, "hospital", ("cardionovo", "onconovo")),
    ]
    got = cv.applicable_added(added, ["cardionovo"], cv.HOSPITAL_CATEGORIES)
    assert [a[0] for a in got] == ["click", "ziekenhuis"]
    got = cv.applicable_added(added, ["onconovo"], (*cv.HOSPITAL_CATEGORIES, "outpatient"))
    assert [a[0] for a in got] == ["click", "poli", "ziekenhuis"]


# --- issue 13 item 1 (coverage): a new site in water or abroad is refused ----------------------------


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(52.75, 5.35), (52.55, 5.25), (52.6, 4.3), (53.2, 5.2), (52.3, 7.2), (51.2, 4.4)],
    ids=["IJsselmeer", "Markermeer", "North Sea", "Wadden Sea", "Germany", "Belgium"],
)
def test_a_site_in_water_or_abroad_is_refused(atlas, pc4, lat, lon):
    assert not cv.on_land(lat, lon)
    with pytest.raises(cv.CoverageError, match="in water or abroad"):
        cv.network_coverage(atlas, pc4, ["cardionovo"], threshold=15, added=[("Nieuw", lat, lon)])


@pytest.mark.parametrize(
    ("lat", "lon"), [URK, (52.71, 5.75), (53.48, 6.16)], ids=["Urk", "Emmeloord", "Schier"]
)
def test_land_is_land(lat, lon):
    assert cv.on_land(lat, lon)


# --- issue 12 item 4: every network next to all hospitals ------------------------------------------


def test_reference_counts_the_same_people_with_every_hospital(atlas, pc4):
    refs = cv.network_references(atlas, pc4, atlas.network_ids(), threshold=20)
    assert [r.network_id for r in refs] == atlas.network_ids()
    for r in refs:
        assert r.reference.total["population"] == pytest.approx(r.network.total["population"])
        assert r.reference.provinces == r.network.provinces
        assert r.reference.total["covered"] >= r.network.total["covered"] - 1e-6
    table = cv.reference_table(refs)
    assert list(table.columns) == cv.REFERENCE_COLUMNS and len(table) == 3


# --- every export says which population it counts ----------------------------------------------------


def test_print_map_footer_and_xlsx_name_the_population(atlas, pc4, tmp_path, monkeypatch):
    import io

    import pandas as pd

    from geo.data import filter_sites
    from geo.render.report import snapshot_spec

    res = cv.network_coverage(atlas, pc4, ["cardionovo"], threshold=20)
    sites = filter_sites(atlas, networks=["cardionovo"])
    spec = snapshot_spec(
        atlas, sites, "nl", networks=["cardionovo"], title="T", subtitle="", coverage=res.whatif.after
    )
    assert "CBS, inwoners per postcode (PC4), 1 januari 2021" in spec.sources
    en = snapshot_spec(
        atlas, sites, "en", networks=["cardionovo"], title="T", subtitle="", coverage=res.whatif.after
    )
    assert "CBS, inhabitants per postcode area (PC4), 1 January 2021" in en.sources
    monkeypatch.delenv("NETWERKATLAS_DATA", raising=False)
    out = tmp_path / "cov.xlsx"
    assert (
        main(["export", "--network", "cardionovo", "--km", "20", "--format", "xlsx", "--out", str(out)]) == 0
    )
    sheets = pd.read_excel(io.BytesIO(out.read_bytes()), sheet_name=None)
    assert set(sheets["provinces"]["population_source"]) == {
        "CBS, inwoners per postcode (PC4), 1 januari 2021, verdeeld over de 1 km-cellen van Eurostat"
    }
    flevoland = sheets["provinces"].set_index("name").loc["Flevoland", "population"]
    assert flevoland == pytest.approx(CBS_2021["Flevoland"])


def test_an_upload_changes_the_caption(atlas, tmp_path):
    from geo.population import read_population_file

    path = tmp_path / "eigen.csv"
    path.write_text("x;y;population\n160000;502000;1000\n146000;487000;2000\n", encoding="utf-8")
    own = read_population_file(path, provinces=atlas.provinces)
    res = cv.network_coverage(atlas, own, ["cardionovo"], threshold=20)
    assert res.whatif.after.population.nl == "Eigen bestand: eigen.csv"
