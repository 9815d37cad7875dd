#!/usr/bin/env bash
# Entry point of `make e2e`: install what the browser check needs, then run e2e/run.py.
#
# Debian's chromium comes from apt (Playwright's own browser download is not used: only
# PyPI and Debian are reachable), Playwright for Python from PyPI into the project venv.
# Both steps are skipped when already satisfied, so a second run starts at once.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=.venv/bin/python

if [ ! -x /usr/bin/chromium ]; then
    echo "e2e: installing Debian chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! "$PYTHON" -c "import playwright" 2>/dev/null; then
    echo "e2e: installing Playwright for Python"
    "$PYTHON" -m pip install --quiet -r e2e/requirements.txt
fi

# The run caps itself at 300 s; this outer bound only catches a wedged interpreter.
exec timeout --kill-after=20 360 "$PYTHON" e2e/run.py "$@"
