# The README's quick start is `make demo` and `make test`; both build .venv from
# scratch when it is missing, with every dependency pinned in requirements/constraints.txt.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint e2e clean package compat

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e ".[dev,e2e]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python demo/run_demo.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q

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

# The lowest Airflow minor we claim and the latest, each in its own venv pinned by a file
# resolved from PyPI and frozen here (requirements/constraints-<minor>.txt). The built wheel is
# installed (not the work tree) and the sdist's own tests run against it.
COMPAT_VERSIONS := 3.1 3.3
COMPAT_PYTHON_3.1 ?= $(PYTHON)
COMPAT_PYTHON_3.3 ?= $(firstword $(wildcard /root/.pyenv/versions/3.12.*/bin/python3.12) $(shell command -v python3.12) $(PYTHON))

.venv-compat-%/.installed: requirements/constraints-%.txt
	test -x .venv-compat-$*/bin/python || $(COMPAT_PYTHON_$*) -m venv .venv-compat-$*
	.venv-compat-$*/bin/python -m pip install --quiet --upgrade pip
	.venv-compat-$*/bin/python -m pip install --quiet -r requirements/constraints-$*.txt
	touch $@

# Both minors run at once (much of the suite waits on loopback servers, so two share 2 cores well);
# each log is printed whole when both are done.
compat: package $(foreach v,$(COMPAT_VERSIONS),.venv-compat-$(v)/.installed)
	mkdir -p build
	status=0; pids=""; \
	for v in $(COMPAT_VERSIONS); do bash requirements/compat.sh "$$v" >build/compat-$$v.log 2>&1 & pids="$$pids $$!"; done; \
	for pid in $$pids; do wait $$pid || status=1; done; \
	for v in $(COMPAT_VERSIONS); do echo "=== compat $$v ==="; cat build/compat-$$v.log; done; \
	exit $$status

clean:
	rm -rf $(VENV) .venv-compat-* build dist *.egg-info artifacts .airflow-demo
