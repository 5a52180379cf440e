# NetwerkAtlas: `make run` starts the app, `make test` runs every test. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
STAMP := $(VENV)/.installed

.PHONY: run test test-fast bench lint validate setup assets clean

setup: $(STAMP)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the pins change.
$(STAMP): $(VENV)/bin/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e ".[test]"
	$(MAKE) assets
	touch $(STAMP)

# Leaflet for the offline map, from the pinned xstatic package, stamped with its version.
assets: $(VENV)/bin/python
	$(BIN)/python -m geo.render.assets static/vendor

run: $(STAMP)
	$(BIN)/netwerkatlas validate --quiet
	$(BIN)/python scripts/warmup.py $(PORT) &
	$(BIN)/streamlit run app.py --server.port $(PORT)

.PHONY: serve loadtest

# Replicas behind HAProxy + nginx (scripts/serve/serve.py): REPLICAS=n (default one per core), PORT.
serve: $(STAMP)
	$(BIN)/netwerkatlas validate --quiet
	$(BIN)/python scripts/serve/serve.py --port $(PORT) $(if $(REPLICAS),--replicas $(REPLICAS))

test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not browser"

lint: $(STAMP)
	$(BIN)/ruff check .

validate: $(STAMP)
	$(BIN)/netwerkatlas validate

bench: $(STAMP)
	$(BIN)/python bench/run.py

# Protocol-level load test, one replica vs. `make serve` with 2 (bench/loadgen.py, bench/README.md).
loadtest: $(STAMP)
	$(BIN)/python bench/loadgen.py --table --seconds 30

clean:
	rm -rf $(VENV) static/vendor .pytest_cache
