"""The first script run of a process warms the finder and coverage: their first use loads nothing more."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.conftest import make_data_dir

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_first_run_warms_population_and_travel_model(tmp_path, monkeypatch):
    import geo.population
    import geo.traveltime
    from components import cache

    monkeypatch.setenv("NETWERKATLAS_DATA", str(make_data_dir(tmp_path / "data")))
    monkeypatch.setenv("NETWERKATLAS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_warm_started", False)  # as in a freshly started server
    monkeypatch.setattr(cache, "_warm_thread", None)
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    assert cache._warm_thread is not None, "the first run started no warm-up"
    cache._warm_thread.join(120)
    assert not cache._warm_thread.is_alive()

    loads: list[str] = []
    population_points, load_model = geo.population.population_points, geo.traveltime.load_model

    def count_population(*args, **kwargs):
        loads.append("population")
        return population_points(*args, **kwargs)

    def count_model(*args, **kwargs):
        loads.append("travel model")
        return load_model(*args, **kwargs)

    monkeypatch.setattr(geo.population, "population_points", count_population)
    monkeypatch.setattr(geo.traveltime, "load_model", count_model)
    at.segmented_control(key="mode").set_value("coverage").run()
    assert not at.exception
    assert any(m.label.startswith("Inwoners binnen") for m in at.metric)
    at.segmented_control(key="mode").set_value("finder").run()
    at.text_input(key="finder_q").set_value("Emmeloord").run()
    assert not at.exception
    assert any("min met de auto" in h.proto.body for h in at.get("html")), "no travel-time result shown"
    assert loads == [], f"loaded on first use although warmed: {loads}"
