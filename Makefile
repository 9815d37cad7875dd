# The README's quick start is `make demo` and `make test`; both build .venv from
# scratch when it is missing, with every dependency pinned in requirements/constraints.txt.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo airflow test lint e2e clean package compat docs

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e ".[dev,e2e,docs,sql,postgres]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python demo/run_demo.py

# The sandbox and a local Airflow (api-server, scheduler, dag-processor, triggerer) with the example
# DAGs and the connection to the sandbox set; prints the UI's address and login; Ctrl-C stops it all.
AIRFLOW_PORT ?= 8080
SANDBOX_PORT ?= 8765
DAGS ?= example_dags
airflow: $(STAMP)
	$(BIN)/python e2e/local_airflow.py --port $(AIRFLOW_PORT) --sandbox-port $(SANDBOX_PORT) --dags $(DAGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The suite spends most of its time waiting on loopback servers and Airflow's own processes, so
# four workers share two cores well (each has its own Airflow home, metadata DB and sandbox).
# Workers take two tests at a time, so the long ones (tests/conftest.py) spread over them.
TEST_WORKERS ?= 4
PYTEST_PARALLEL := -n $(TEST_WORKERS) --maxschedchunk 2

test: lint
	$(BIN)/python -m pytest -q $(PYTEST_PARALLEL)

# Two real deployments: LocalExecutor on SQLite, then CeleryExecutor (two workers) on
# PostgreSQL + Redis; each with api-server, scheduler, dag-processor, triggerer and a headless browser.
e2e: $(STAMP)
	bash e2e/run.sh

# The distributions users install: sdist + wheel, checked as the package index renders them.
# README links must be absolute (relative ones break on the index page).
package: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist .
	$(BIN)/twine check --strict dist/*
	! grep -nE '\]\((\.|[a-zA-Z_-]+/|[A-Z]+\.md)' README.md || (echo "README.md: relative links (above) break on PyPI"; exit 1)

# The built wheel against every Airflow and Python we claim besides `make test`'s own (Airflow 3.3.2 on
# Python 3.11): legs <Airflow minor>-py<Python minor>, each in its own venv .venv-compat-<leg> holding exactly
# requirements/constraints-<leg>.txt (resolved from PyPI and frozen; each file's header says how), where the
# sdist's own tests run against the installed wheel (requirements/compat.sh). A leg's interpreter is found by
# the script (the newest pyenv build, then python3.X on PATH); `make compat PYTHON_3.13=/path/to/python3.13`
# names one. A missing one is an error in CI (CI set, as .ci/run does, or COMPAT_STRICT=1) and a loud skip
# elsewhere. One leg after the other: each already keeps both cores busy with its xdist workers.
COMPAT_LEGS ?= 3.1-py3.11 3.2-py3.11 3.3-py3.12 3.3-py3.13
COMPAT_STRICT ?=

compat: package
	mkdir -p build
	COMPAT_STRICT=$(COMPAT_STRICT) TEST_WORKERS=$(TEST_WORKERS) bash requirements/compat.sh \
		$(foreach leg,$(COMPAT_LEGS),$(leg)=$(PYTHON_$(lastword $(subst -py, ,$(leg)))))

# The documentation site (docs/, Sphinx + MyST + furo) built from scratch, offline. -n: every
# reference to a page, heading or Python name must resolve; -W: any warning fails the build.
# Then scripts/check_docs.py checks what Sphinx cannot know: every public operator, sensor,
# trigger, hook method and exception in the API reference, every exception on the errors page,
# every link between pages, every repository path a page names.
docs: $(STAMP)
	rm -rf docs/_build/html docs/_build/doctrees
	$(BIN)/sphinx-build -b html -n -W --keep-going -q -d docs/_build/doctrees docs docs/_build/html
	$(BIN)/python scripts/check_docs.py docs/_build/html

clean:
	rm -rf $(VENV) .venv-compat-* build dist *.egg-info artifacts .airflow-demo docs/_build
