#!/usr/bin/env bash
# `make compat` for one Airflow minor: install the built wheel into .venv-compat-<minor> (whose
# other packages are exactly requirements/constraints-<minor>.txt), then run the sdist's test
# suite against it, from a folder without the package's source, so every import is the wheel's.
set -euo pipefail
cd "$(dirname "$0")/.."
minor="$1"
venv=".venv-compat-$minor"
work="build/compat-$minor"
started=$(date +%s)

"$venv/bin/python" -m pip install --quiet --no-deps --force-reinstall dist/*.whl
"$venv/bin/python" -m pip check
airflow_version=$("$venv/bin/python" -c "from importlib.metadata import version; print(version('apache-airflow-core'))")
python_version=$("$venv/bin/python" -c "import platform; print(platform.python_version())")

rm -rf "$work" && mkdir -p "$work"
tar -xzf dist/*.tar.gz -C "$work" --strip-components=1
rm -rf "$work/intacct_provider"
echo "compat: Airflow $airflow_version on Python $python_version: the sdist's tests against the wheel"
(cd "$work" && "../../$venv/bin/pytest" -q -p no:cacheprovider -n "${TEST_WORKERS:-4}" --maxschedchunk 2)
echo "compat: Airflow $airflow_version passed in $(( $(date +%s) - started ))s"
