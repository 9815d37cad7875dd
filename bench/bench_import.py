"""Import cost of the provider's operators and sensors when a DAG is parsed, against the HTTP provider.

Run: ``.venv/bin/python bench/bench_import.py`` (``--quick`` for a smoke run).

Airflow parses DAG files constantly, and every parse imports the operators a DAG uses, so a slow
import slows every scheduler and dag-processor. What a DAG file imports is
``intacct_provider.operators`` and ``intacct_provider.sensors`` (each package loads every operator
or sensor module it exports, and whatever those import at their top); helper modules an operator
imports only when its task runs (``operators.execute``, ``sensors.execute``, the registry, the hook)
are not part of a parse and are not timed, but the audit below fails loudly if a parse pulls them in.

Each variant runs in a fresh interpreter, on top of ``import airflow.sdk`` (which every DAG pays
anyway), timing only the imports after it; the interpreters are interleaved so machine noise hits
all variants alike. Reported: the minimum (and median) extra milliseconds and their ratio (goal:
ours <= 1/10 of ``airflow.providers.http.operators.http``), in two settings:

* **installed**: every module loads from bytecode, as it does from a wheel (pip compiles it on
  install) -- a private ``PYTHONPYCACHEPREFIX``, filled by one warm-up round;
* **from source**: the environment as it is; with ``PYTHONDONTWRITEBYTECODE=1`` (as on the
  development machine, an editable install) this provider's modules are compiled on every import
  while the HTTP provider's load from the bytecode its install wrote, so this ratio counts our
  compile time against their loading.

From one more interpreter per variant, what the imports drag in:

* the top-level packages and ``intacct_provider`` modules that were not loaded before;
* every ``import`` statement executed for a module that should load only when a task runs
  (``requests``, ``httpx``, ``jsonschema``, the sandbox, the catalog, the hooks, the triggers, the
  operators' task-time helpers). ``airflow.sdk`` itself already loads ``httpx`` and ``jsonschema``,
  so for those only an executed ``import`` statement, caught by wrapping ``builtins.__import__``,
  shows that our code asked.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from typing import Any

HTTP = "airflow.providers.http.operators.http"
OURS = "intacct_provider operators + sensors"
#: What a DAG file imports to use the provider's operators and sensors.
DAG_IMPORTS = ["intacct_provider.operators", "intacct_provider.sensors"]
TASK_TIME_ONLY = (
    "requests",
    "httpx",
    "jsonschema",
    "intacct_provider.sandbox",
    "intacct_provider.catalog",
    "intacct_provider.hooks",
    "intacct_provider.triggers",
    "intacct_provider.operators.execute",
    "intacct_provider.sensors.execute",
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


def probe(code: str, *args: str, env: dict[str, str] | None = None) -> Any:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, timeout=120, env=env
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def settings(cache: str) -> dict[str, dict[str, str]]:
    """The environments of the two settings: bytecode from a private cache, and as the environment is."""
    installed = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    installed["PYTHONPYCACHEPREFIX"] = cache
    return {"installed (bytecode)": installed, "from source (this environment)": dict(os.environ)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round only (smoke test)")
    args = parser.parse_args()
    rounds = 1 if args.quick else 11
    variants = {"baseline: airflow.sdk only": [], HTTP: [HTTP], OURS: DAG_IMPORTS}
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="bench-import-pycache-") as cache:
        for setting, env in settings(cache).items():
            for modules in variants.values():  # warm-up: fills the bytecode cache of the installed setting
                probe(TIMING, json.dumps(modules), env=env)
            samples: dict[str, list[float]] = {name: [] for name in variants}
            for _ in range(rounds):
                for name, modules in variants.items():
                    samples[name].append(float(probe(TIMING, json.dumps(modules), env=env)))
            print(f"{setting}: import cost on top of airflow.sdk, {rounds} fresh interpreters each, interleaved")
            for name, values in samples.items():
                low, middle = min(values) * 1000, statistics.median(values) * 1000
                print(f"  {name:<40}min {low:>7.1f} ms   median {middle:>7.1f} ms")
            http, ours = min(samples[HTTP]), min(samples[OURS])
            ratio = ours / http if http else float("inf")
            median = statistics.median(samples[OURS]) / statistics.median(samples[HTTP])
            verdicts.append(
                f"{setting}: ours / http provider = {ratio:.3f} (min; median {median:.3f}); goal <= 0.100: "
                f"{'met' if ratio <= 0.1 else 'NOT met'}"
            )
    for name in (HTTP, OURS):
        audit = probe(AUDIT, json.dumps(variants[name]), json.dumps(TASK_TIME_ONLY))
        print(f"{name}:")
        print(f"  new top-level packages: {', '.join(audit['packages'])}")
        if audit["ours"]:
            print(f"  intacct_provider modules loaded: {', '.join(audit['ours'])}")
        print(f"  task-time-only modules imported: {', '.join(audit['asked']) or 'none'}")
    print("\n".join(verdicts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
