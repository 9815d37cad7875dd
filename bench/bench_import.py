"""Import cost of every operator and sensor module of the provider, against the HTTP provider.

Run: ``.venv/bin/python bench/bench_import.py`` (``--quick`` for a smoke run).

Airflow parses DAG files constantly, and every parse imports the operators a DAG uses, so a slow
import slows every scheduler and dag-processor. Each variant runs in a fresh interpreter, on top
of ``import airflow.sdk`` (which every DAG pays anyway), timing only the imports after it; the
interpreters are interleaved so machine noise hits all variants alike. Reported: the median extra
milliseconds, their ratio (goal: ours <= 1/10 of ``airflow.providers.http.operators.http``), and,
from one more interpreter per variant, what the imports drag in:

* the top-level packages and ``intacct_provider`` modules that were not loaded before;
* every ``import`` statement executed for a module that should load only when a task runs
  (``requests``, ``httpx``, ``jsonschema``, the sandbox, the hooks, validation, the triggers).
  ``airflow.sdk`` itself already loads ``httpx`` and ``jsonschema``, so for those only an executed
  ``import`` statement, caught by wrapping ``builtins.__import__``, shows that our code asked.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import intacct_provider

HTTP = "airflow.providers.http.operators.http"
OURS = "intacct_provider operators + sensors"
TASK_TIME_ONLY = (
    "requests",
    "httpx",
    "jsonschema",
    "intacct_provider.sandbox",
    "intacct_provider.hooks",
    "intacct_provider.catalog.validation",
    "intacct_provider.triggers",
    "intacct_provider.operators.warehouse",
    "airflow.providers.common.sql",
    "airflow.providers.sqlite",
    "airflow.providers.postgres",
    "psycopg",
    "psycopg2",
)
TIMING = """
import json, sys, time
import airflow.sdk
started = time.perf_counter()
for name in json.loads(sys.argv[1]):
    __import__(name)
print(json.dumps(time.perf_counter() - started))
"""
AUDIT = """
import builtins, json, sys
import airflow.sdk
watched = tuple(json.loads(sys.argv[2]))
before = set(sys.modules)
asked = set()
original = builtins.__import__

def recording(name, globals=None, locals=None, fromlist=(), level=0):
    module = original(name, globals, locals, fromlist, level)
    for full in [module.__name__] + [f"{module.__name__}.{item}" for item in fromlist or ()]:
        asked.update(w for w in watched if full == w or full.startswith(w + "."))
    return module

builtins.__import__ = recording
for name in json.loads(sys.argv[1]):
    __import__(name)
builtins.__import__ = original
new = set(sys.modules) - before
print(json.dumps({
    "packages": sorted({m.split(".")[0] for m in new}),
    "ours": sorted(m for m in new if m.startswith("intacct_provider")),
    "asked": sorted(asked),
}))
"""


def provider_modules() -> list[str]:
    """Every module of ``intacct_provider.operators`` and ``intacct_provider.sensors``, packages included."""
    root = Path(intacct_provider.__file__).parent
    names = []
    for package in ("operators", "sensors"):
        for source in sorted((root / package).glob("*.py")):
            suffix = "" if source.stem == "__init__" else f".{source.stem}"
            names.append(f"intacct_provider.{package}{suffix}")
    return names


def probe(code: str, *args: str) -> Any:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round only (smoke test)")
    args = parser.parse_args()
    rounds = 1 if args.quick else 15
    variants = {"baseline: airflow.sdk only": [], HTTP: [HTTP], OURS: provider_modules()}
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, modules in variants.items():
            samples[name].append(float(probe(TIMING, json.dumps(modules))))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    print(f"import cost on top of airflow.sdk, median of {rounds} fresh interpreters each, interleaved")
    for name, value in medians.items():
        print(f"  {name:<40}{value * 1000:>8.1f} ms")
    print(f"modules measured as ours: {', '.join(variants[OURS])}")
    for name in (HTTP, OURS):
        audit = probe(AUDIT, json.dumps(variants[name]), json.dumps(TASK_TIME_ONLY))
        print(f"{name}:")
        print(f"  new top-level packages: {', '.join(audit['packages'])}")
        if audit["ours"]:
            print(f"  intacct_provider modules loaded: {', '.join(audit['ours'])}")
        print(f"  task-time-only modules imported: {', '.join(audit['asked']) or 'none'}")
    http = medians[HTTP]
    ratio = medians[OURS] / http if http else float("inf")
    print(f"ours / http provider = {ratio:.3f} (goal <= 0.100: {'met' if ratio <= 0.1 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
