"""Coverage tables for the screen: translated headers, numbers written the language's way, in the unit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from geo.i18n import fmt_number, fmt_percent, t


def by_unit(key: str, unit: str) -> str:
    """The catalogue key for a minutes threshold where the wording differs (``cov.col.mean.min``)."""
    return f"{key}.min" if unit == "min" else key


def _num(lang: str, decimals: int = 0) -> Any:
    return lambda v: "—" if pd.isna(v) else fmt_number(float(v), lang, decimals=decimals)


def _pct(lang: str, decimals: int = 1) -> Any:
    return lambda v: "—" if pd.isna(v) else fmt_percent(float(v), lang, decimals=decimals)


def _sites(frame: pd.DataFrame, ids: str, names: str, labels: Mapping[str, str] | None) -> Any:
    """The site names of a column, as ``labels`` (:func:`geo.names.site_labels`) give them by id.

    Sites that ``labels`` does not know (a hypothetical site of a what-if) keep their name.
    """
    if not labels:
        return frame[names]
    return [labels.get(i, n) for i, n in zip(frame[ids], frame[names], strict=True)]


def summary_table(
    df: pd.DataFrame, lang: str, *, threshold: float, unit: str, name_header: str
) -> pd.DataFrame:
    """Rows of :data:`geo.coverage.SUMMARY_COLUMNS` (per province or sub-region) for display."""
    return pd.DataFrame(
        {
            name_header: df["name"],
            t("cov.col.population", lang): df["population"].map(_num(lang)),
            t("cov.col.covered", lang, km=fmt_number(threshold, lang), unit=unit): df["covered"].map(
                _num(lang)
            ),
            t("cov.col.share", lang): df["share"].map(_pct(lang)),
            t(by_unit("cov.col.mean", unit), lang): df["mean"].map(_num(lang, 1)),
            t(by_unit("cov.col.p95", unit), lang): df["p95"].map(_num(lang, 1)),
            t("cov.col.beyond", lang): df["places_beyond"].map(_num(lang)),
        }
    )


def change_table(df: pd.DataFrame, lang: str, *, unit: str) -> pd.DataFrame:
    """What-if changes per province (:attr:`geo.coverage.WhatIf.by_province`) for display."""

    def signed(decimals: int) -> Any:
        def fmt(v: Any) -> str:
            if pd.isna(v):
                return "—"
            text = fmt_number(float(v), lang, decimals=decimals)
            return text if float(v) <= 0 else f"+{text}"

        return fmt

    return pd.DataFrame(
        {
            t("cov.col.name", lang): df["name"],
            t("cov.col.share_before", lang): df["share_before"].map(_pct(lang)),
            t("cov.col.share_after", lang): df["share_after"].map(_pct(lang)),
            t("cov.col.covered_change", lang): df["covered_change"].map(signed(0)),
            t(by_unit("cov.col.mean_change", unit), lang): df["mean_change"].map(signed(1)),
        }
    )


def switched_table(
    sw: pd.DataFrame, lang: str, *, unit: str, labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Places whose nearest site changed in the what-if (:attr:`geo.coverage.WhatIf.switched`).

    ``labels`` (site id to name with remark) names the sites; without it they keep their name.
    """
    return pd.DataFrame(
        {
            t("cov.col.name", lang): sw["name"],
            t("col.province", lang): sw["province"],
            t("cov.col.population", lang): sw["population"].map(_num(lang)),
            t("cov.col.from", lang): _sites(sw, "from_site_id", "from_site", labels),
            t("cov.col.to", lang): _sites(sw, "to_site_id", "to_site", labels),
            t("cov.col.km_before", lang, unit=unit): sw["distance_before"].map(_num(lang, 1)),
            t("cov.col.km_after", lang, unit=unit): sw["distance_after"].map(_num(lang, 1)),
        }
    )


def sensitivity_table(
    sens: pd.DataFrame, lang: str, *, threshold: float, unit: str, labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The sensitivity ranking (:func:`geo.coverage.sensitivity`) for display; ``labels`` as above."""
    fk = {"km": fmt_number(threshold, lang), "unit": unit}
    return pd.DataFrame(
        {
            t("col.site", lang): _sites(sens, "site_id", "name", labels),
            t("col.organisation", lang): sens["organisation"],
            t("cov.col.extra", lang, **fk): sens["extra_beyond"].map(_num(lang)),
            t("cov.col.extra_share", lang): sens["extra_share"].map(_pct(lang, 2)),
        }
    )


def least_table(
    least: pd.DataFrame, lang: str, *, unit: str, labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The least-served places (:func:`geo.coverage.least_served`) for display; ``labels`` as above."""
    return pd.DataFrame(
        {
            t("cov.col.name", lang): least["name"],
            t("col.province", lang): least["province"],
            t("cov.col.population", lang): least["population"].map(_num(lang)),
            t(by_unit("cov.col.distance", unit), lang): least["distance"].map(_num(lang, 1)),
            t("cov.col.nearest", lang): _sites(least, "site_id", "site_name", labels),
        }
    )


def counted_columns(shown: pd.DataFrame, counted: pd.DataFrame | None, lang: str) -> pd.DataFrame:
    """Add, per province row of a :func:`summary_table`, its whole population and the rule that counts it.

    ``counted`` is :attr:`geo.coverage.NetworkCoverage.counted`; rows it does not name (the total)
    are left empty. A partly covered province thus never shows a share without its counting rule.
    """
    if counted is None or counted.empty:
        return shown
    by_name = counted.set_index("name")
    names = shown.iloc[:, 0]
    whole = names.map(by_name["province_population"]).map(lambda v: "" if pd.isna(v) else _num(lang)(v))
    rule = names.map(by_name["rule"]).map(lambda r: "" if pd.isna(r) else t(f"cov.rule.{r}", lang))
    out = shown.copy()
    out.insert(2, t("cov.col.province_population", lang), whole)
    out[t("cov.col.counted", lang)] = rule
    return out


def reference_display(
    table: pd.DataFrame, lang: str, *, threshold: float, unit: str, names: dict[str, str]
) -> pd.DataFrame:
    """Each network next to all hospitals (:func:`geo.coverage.reference_table`) for display."""
    fk = {"km": fmt_number(threshold, lang), "unit": unit}
    return pd.DataFrame(
        {
            t("cov.ref.network", lang): table["network_id"].map(names),
            t("cov.ref.specialty", lang): table["specialty"].map(lambda s: t(f"spec.{s}", lang)),
            t("cov.col.population", lang): table["population"].map(_num(lang)),
            t("cov.ref.share", lang, **fk): table["share"].map(_pct(lang)),
            t("cov.ref.all", lang, **fk): table["reference_share"].map(_pct(lang)),
            t("cov.ref.diff", lang): table["share_difference"].map(
                lambda v: "—" if pd.isna(v) else fmt_number(float(v) * 100, lang, decimals=1)
            ),
            t("cov.ref.sites", lang): [
                f"{a} / {b}" for a, b in zip(table["sites"], table["reference_sites"], strict=True)
            ],
        }
    )
