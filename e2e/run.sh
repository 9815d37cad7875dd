#!/usr/bin/env bash
# Entry point of `make e2e`: install what the deployments need, then run the scenarios:
#   1. e2e/run.py   - LocalExecutor on SQLite, the connection form and Test button in chromium;
#   2. e2e/scale.py - CeleryExecutor with two workers on PostgreSQL + Redis: worker loss,
#                     triggerer restart, a run triggered from the UI's form;
#   3. e2e/local_check.py - `make airflow` as a user runs it: start, use, Ctrl-C, nothing left.
#
# Debian's chromium, postgresql and redis-server come from apt (Playwright's own browser
# download is not used: only PyPI and Debian are reachable), Playwright for Python from PyPI
# into the project venv. Each step is skipped when already satisfied, so a second run starts
# at once. Every process the scenarios start is recorded (artifacts/*/logs/pgids); the trap
# below kills whatever is left of them, however the run ends.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=.venv/bin/python
PGID_FILES=(artifacts/e2e/logs/pgids artifacts/e2e-celery/logs/pgids)

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
    echo "e2e: installing Debian ${missing[*]}"
    apt-get update -qq
    # policy-rc.d 101: the packages must not start their system-wide services; the e2e runs its own.
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    rm -f /usr/sbin/policy-rc.d
fi
if ! "$PYTHON" -c "import playwright" 2>/dev/null; then
    echo "e2e: installing Playwright for Python"
    "$PYTHON" -m pip install --quiet -c requirements/constraints.txt -r e2e/requirements.txt
fi

cleanup() {
    local pgid
    for file in "${PGID_FILES[@]}"; do
        [ -f "$file" ] || continue
        while read -r pgid; do
            if kill -0 -- "-$pgid" 2>/dev/null; then
                echo "e2e: killing leftover process group $pgid"
                kill -KILL -- "-$pgid" 2>/dev/null || true
            fi
        done <"$file"
        rm -f "$file"
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup # a previous run killed before its trap ran

status=0
# Each scenario caps itself (660 s, 1800 s, 900 s); the outer bound only catches a wedged interpreter.
timeout --kill-after=20 720 "$PYTHON" e2e/run.py "$@" || status=1
timeout --kill-after=20 1900 "$PYTHON" e2e/scale.py || status=1
timeout --kill-after=20 900 "$PYTHON" e2e/local_check.py || status=1
exit $status
