"""Import cost of the provider's operator and sensor modules against the HTTP provider.

Run: ``.venv/bin/python bench/bench_import.py`` (``--quick`` for a smoke run).

Airflow imports every DAG file constantly, and with it the operators it uses. Each variant runs in
a fresh interpreter, on top of ``import airflow.sdk`` (which every DAG pays anyway), and the
interpreters are interleaved so machine noise hits all variants alike. Reported: the median
extra seconds over the baseline, their ratio (goal: ours <= 1/10 of the HTTP provider's), and
whether heavy modules (``requests``, ``intacct_provider.sandbox``, the hooks) got imported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

OURS = (
    "intacct_provider.operators.create",
    "intacct_provider.operators.list",
    "intacct_provider.operators.records",
    "intacct_provider.sensors.record",
)
VARIANTS = {
    "baseline: airflow.sdk": (),
    "airflow.providers.http.operators.http": ("airflow.providers.http.operators.http",),
    "intacct_provider operators + sensor": OURS,
}
HEAVY = (
    "requests",
    "intacct_provider.sandbox",
    "intacct_provider.hooks.intacct",
    "intacct_provider.hooks.async_intacct",
)
PROBE = """
import sys, time, json
import airflow.sdk
started = time.perf_counter()
for name in {modules!r}:
    __import__(name)
elapsed = time.perf_counter() - started
print(json.dumps({{"seconds": elapsed, "loaded": [m for m in {heavy!r} if m in sys.modules]}}))
"""


def measure(modules: tuple[str, ...]) -> dict:
    code = PROBE.format(modules=modules, heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two rounds only (smoke test)")
    args = parser.parse_args()
    rounds = 2 if args.quick else 15
    samples: dict[str, list[float]] = {name: [] for name in VARIANTS}
    loaded: dict[str, list[str]] = {}
    for _ in range(rounds):
        for name, modules in VARIANTS.items():
            result = measure(modules)
            samples[name].append(result["seconds"])
            loaded[name] = result["loaded"]
    medians = {name: statistics.median(values) for name, values in samples.items()}
    http = medians["airflow.providers.http.operators.http"]
    ours = medians["intacct_provider operators + sensor"]
    print(f"import cost on top of airflow.sdk, median of {rounds} fresh interpreters")
    for name, value in medians.items():
        print(f"{name:<40}{value * 1000:>9.1f} ms   heavy modules loaded: {', '.join(loaded[name]) or 'none'}")
    ratio = ours / http if http else float("inf")
    print(f"ours / http provider = {ratio:.3f} (goal <= 0.100: {'met' if ratio <= 0.1 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
