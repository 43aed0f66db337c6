# The ISF Portal's two commands: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
CSS := static/build/portal.css

.PHONY: setup run test test-fast lint format bench bench-tiny clean lock

setup: $(PY_STAMP) $(NPM_STAMP) $(CSS)
	@scripts/check-prereqs pango

$(PY_STAMP): pyproject.toml constraints.txt
	@scripts/check-prereqs python
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	@scripts/check-prereqs npm
	npm ci --no-fund --no-audit --loglevel=error
	@touch $@

$(CSS): $(NPM_STAMP) static/scss/portal.scss
	npm run --silent build

run: setup
	$(PY) manage.py migrate --noinput -v1
	$(PY) manage.py seed_demo
	$(PY) scripts/run_embedded.py

test: setup
	$(PY) -m pytest

test-fast: setup
	$(PY) -m pytest -m "not browser and not integration"

# The portal at Greater Manchester scale (needs PostgreSQL, Redis and wrk): a realistic
# population of signed-in people with writes at 0, 1 and 10/s against /ping, single pages and
# in-process CPU per page; targets are reported, not enforced. Seeded databases are kept per
# seed version and copied for each run. Results in benchmarks/results.json.
bench: setup
	@command -v wrk >/dev/null || { echo "bench needs wrk: apt-get install wrk"; exit 1; }
	$(PY) -m benchmarks.run --scale full

bench-tiny: setup
	$(PY) -m benchmarks.run --scale tiny --output var/bench-tiny.json

# ruff, then the import contracts in pyproject.toml (the apps' layers, no import cycles).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Regenerate the pinned versions after changing dependencies in pyproject.toml.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet ".[dev]"
	.lock-venv/bin/pip freeze --exclude-editable | grep -v '^isf-portal' > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) node_modules static/build staticfiles var
