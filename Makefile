# The README's quick start is `make demo` and `make test`; both build .venv from
# scratch when it is missing, with every dependency pinned in requirements/constraints.txt.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint e2e clean package compat docs

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e ".[dev,e2e,docs]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python demo/run_demo.py

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

# The Airflow minors we claim below the latest (3.1, the lowest, and 3.2), each in its own venv
# pinned by a file resolved from PyPI and frozen here (requirements/constraints-<minor>.txt); the
# built wheel is installed (not the work tree) and the sdist's own tests run against it. The
# latest minor (3.3.2 on Python 3.11) is what `make test` runs. `make compat COMPAT_VERSIONS="3.3"`
# runs 3.3.2 on Python 3.12 from the wheel, where a python3.12 exists (CI's machine has only 3.11).
COMPAT_VERSIONS ?= 3.1 3.2
COMPAT_PYTHON_3.1 ?= $(PYTHON)
COMPAT_PYTHON_3.2 ?= $(PYTHON)
COMPAT_PYTHON_3.3 ?= $(firstword $(wildcard /root/.pyenv/versions/3.12.*/bin/python3.12) $(shell command -v python3.12) $(PYTHON))

.venv-compat-%/.installed: requirements/constraints-%.txt
	test -x .venv-compat-$*/bin/python || $(COMPAT_PYTHON_$*) -m venv .venv-compat-$*
	.venv-compat-$*/bin/python -m pip install --quiet --upgrade pip
	.venv-compat-$*/bin/python -m pip install --quiet -r requirements/constraints-$*.txt
	touch $@

# One minor after the other: each run already keeps the machine busy with its xdist workers (two
# at once on two cores took longer than in turn). Every minor runs even when one fails.
compat: package $(foreach v,$(COMPAT_VERSIONS),.venv-compat-$(v)/.installed)
	mkdir -p build
	status=0; \
	for v in $(COMPAT_VERSIONS); do TEST_WORKERS=$(TEST_WORKERS) bash requirements/compat.sh "$$v" || status=1; done; \
	exit $$status

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
