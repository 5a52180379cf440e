"""Leaflet is vendored once at set-up time, stamped with its version, and checked (not copied) by the app."""

from __future__ import annotations

from pathlib import Path

from geo.render.assets import STAMP, vendor, vendored_problem


def test_vendor_copies_leaflet_and_stamps_the_version(tmp_path):
    (tmp_path / "jquery").mkdir()  # left over from older set-ups
    vendor(tmp_path)
    assert (tmp_path / "leaflet" / "leaflet.js").read_text(encoding="utf-8").count("Leaflet 1.9.3") >= 1
    assert (tmp_path / "leaflet" / "images" / "marker-icon.png").is_file()
    cluster = (tmp_path / "markercluster" / "leaflet.markercluster.js").read_text(encoding="utf-8")
    assert "MarkerClusterGroup" in cluster
    assert (tmp_path / STAMP).read_text(encoding="utf-8") == (
        "xstatic-leaflet==1.9.3.0\nxstatic-leaflet-markercluster==1.4.1.1\n"
    )
    assert not (tmp_path / "jquery").exists()
    assert vendored_problem(tmp_path) is None


def test_missing_or_stale_assets_are_reported(tmp_path):
    assert "run `make setup`" in vendored_problem(tmp_path)
    vendor(tmp_path)
    (tmp_path / STAMP).write_text("xstatic-leaflet==1.0.0\n", encoding="utf-8")
    assert "another Leaflet" in vendored_problem(tmp_path)


def test_jquery_is_no_longer_a_dependency():
    root = Path(__file__).resolve().parents[1]
    for name in ("pyproject.toml", "requirements.lock"):
        assert "jquery" not in (root / name).read_text(encoding="utf-8").lower()
