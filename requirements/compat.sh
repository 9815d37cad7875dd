#!/usr/bin/env bash
# `make compat`: for each leg <Airflow minor>-py<Python minor> (3.1-py3.11, 3.3-py3.13...), install the built
# wheel into .venv-compat-<leg>, whose other packages are exactly requirements/constraints-<leg>.txt, then run
# the sdist's test suite against it, from a folder without the package's source, so every import is the wheel's.
#
# Usage: requirements/compat.sh LEG[=PYTHON]...  (PYTHON names the leg's interpreter; empty: found as below)
#
# A leg whose Python is not on the machine fails the run in CI (COMPAT_STRICT=1, or CI set, as .ci/run does):
# a matrix that silently shrinks proves nothing. Elsewhere it is skipped, loudly, with what to install.
# Every leg runs even when one fails, one after the other (each keeps both cores busy with its xdist workers);
# the closing summary gives each leg's versions, outcome and times.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

strict=${COMPAT_STRICT:-}
if [ -z "$strict" ]; then
    case "${CI:-}" in "" | 0 | false | False | no) strict=0 ;; *) strict=1 ;; esac
fi
pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}

say() { echo "compat: $*"; }

# "3.12" for a regular CPython 3.12; "3.13t" for a free-threaded build, whose wheels (cp313t) differ.
python_minor() {
    "$1" -c 'import sys, sysconfig; t = "t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""; print("%d.%d%s" % (*sys.version_info[:2], t))' 2>/dev/null
}

# The interpreter for Python <minor>, printed as a full path. Looked for in order: the newest pyenv build
# (full paths, since pyenv's python3.X shims answer "command not found" unless PYENV_VERSION selects
# that version), python<minor> on PATH, /usr/local/bin, /usr/bin. Each candidate must run and be <minor>.
find_python() {
    local minor=$1 candidate path
    local -a candidates
    mapfile -t candidates < <(compgen -G "$pyenv_root/versions/$minor.*/bin/python$minor" | sort -V -r)
    candidates+=("python$minor" "/usr/local/bin/python$minor" "/usr/bin/python$minor")
    for candidate in "${candidates[@]}"; do
        path=$(command -v "$candidate") || continue
        if [ "$(python_minor "$path")" = "$minor" ]; then
            echo "$path"
            return 0
        fi
    done
    return 1
}

# .venv-compat-<leg> holding exactly the leg's pins, rebuilt from scratch when the pins, the interpreter or
# its build changed (the stamp records all three). Wheels only: a pin that would need compiling (headers,
# a C toolchain) is an error here, not a slow surprise on a user's machine.
ensure_venv() {
    local leg=$1 python=$2 venv=".venv-compat-$1" pins="requirements/constraints-$1.txt" want
    want="$(realpath "$python") | $("$python" -VV) | $(sha256sum <"$pins" | cut -d' ' -f1)"
    if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.installed" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    say "$leg: building $venv with $python from $pins"
    rm -rf "$venv"
    "$python" -m venv "$venv" &&
        "$venv/bin/python" -m pip install --quiet --upgrade pip &&
        "$venv/bin/python" -m pip install --quiet --only-binary=:all: -r "$pins" &&
        echo "$want" >"$venv/.installed"
}

run_suite() {
    local leg=$1 airflow_minor=$2 venv=".venv-compat-$1" work="build/compat-$1" airflow_version
    "$venv/bin/python" -m pip install --quiet --no-deps --force-reinstall dist/*.whl &&
        "$venv/bin/python" -m pip check || return 1
    airflow_version=$("$venv/bin/python" -c "from importlib.metadata import version; print(version('apache-airflow-core'))")
    case "$airflow_version" in
        "$airflow_minor".*) ;;
        *)
            say "$leg: requirements/constraints-$leg.txt installs Airflow $airflow_version, not $airflow_minor.x"
            return 1
            ;;
    esac
    versions[$leg]="Airflow $airflow_version, Python $("$venv/bin/python" -c 'import platform; print(platform.python_version())')"
    rm -rf "$work" && mkdir -p "$work"
    tar -xzf dist/*.tar.gz -C "$work" --strip-components=1 || return 1
    rm -rf "$work/intacct_provider"
    say "$leg: ${versions[$leg]}: the sdist's tests against the wheel"
    (cd "$work" && "../../$venv/bin/pytest" -q -p no:cacheprovider -n "${TEST_WORKERS:-4}" --maxschedchunk 2)
}

if [ "$#" -eq 0 ]; then
    say "no legs given (usage: requirements/compat.sh LEG[=PYTHON]...)"
    exit 2
fi
declare -A versions outcome venv_s tests_s
legs=()
failed=0
skipped=0
for arg in "$@"; do
    leg=${arg%%=*}
    override=${arg#"$leg"}
    override=${override#=}
    legs+=("$leg")
    airflow_minor=${leg%-py*}
    minor=${leg#*-py}
    versions[$leg]="Airflow $airflow_minor, Python $minor"
    venv_s[$leg]=-
    tests_s[$leg]=-
    if [ "$airflow_minor" = "$leg" ] || [ ! -f "requirements/constraints-$leg.txt" ]; then
        say "$leg: no such leg: legs are <Airflow minor>-py<Python minor> with a requirements/constraints-<leg>.txt"
        versions[$leg]=-
        outcome[$leg]=FAILED
        failed=$((failed + 1))
        continue
    fi

    if [ -n "$override" ]; then
        if [ "$(python_minor "$override")" != "$minor" ]; then
            say "$leg: PYTHON_$minor=$override is not a Python $minor interpreter"
            outcome[$leg]=FAILED
            failed=$((failed + 1))
            continue
        fi
        python=$(command -v "$override")
    elif ! python=$(find_python "$minor"); then
        say "================================================================================"
        say "$leg: NO PYTHON $minor on this machine (looked for $pyenv_root/versions/$minor.*/bin/python$minor,"
        say "  python$minor on PATH, /usr/local/bin/python$minor, /usr/bin/python$minor)."
        say "  Install it (\`pyenv install $minor\`, or your system's python$minor package), or name it:"
        say "  make compat PYTHON_$minor=/path/to/python$minor"
        if [ "$strict" = 1 ]; then
            say "  In CI (CI or COMPAT_STRICT=1 set) every leg must run: this is an error."
            outcome[$leg]="FAILED (no Python $minor)"
            failed=$((failed + 1))
        else
            say "  SKIPPING this leg: Airflow $airflow_minor on Python $minor is NOT proven by this run."
            outcome[$leg]="SKIPPED (no Python $minor)"
            skipped=$((skipped + 1))
        fi
        say "================================================================================"
        continue
    fi

    started=$(date +%s)
    if ! ensure_venv "$leg" "$python"; then
        say "$leg: could not build .venv-compat-$leg"
        outcome[$leg]=FAILED
        failed=$((failed + 1))
        continue
    fi
    venv_s[$leg]=$(($(date +%s) - started))s
    started=$(date +%s)
    if run_suite "$leg" "$airflow_minor"; then
        outcome[$leg]=passed
    else
        outcome[$leg]=FAILED
        failed=$((failed + 1))
    fi
    tests_s[$leg]=$(($(date +%s) - started))s
    say "$leg: ${outcome[$leg]} in ${tests_s[$leg]} (venv ${venv_s[$leg]})"
done

say "summary (venv: building or checking .venv-compat-<leg>; tests: wheel install and the suite)"
for leg in "${legs[@]}"; do
    printf 'compat:   %-11s %-36s venv %-6s tests %-6s %s\n' \
        "$leg" "${versions[$leg]}" "${venv_s[$leg]}" "${tests_s[$leg]}" "${outcome[$leg]}"
done
if [ "$failed" -gt 0 ]; then
    say "$failed of ${#legs[@]} legs FAILED"
    exit 1
fi
if [ "$skipped" -gt 0 ]; then
    say "$skipped of ${#legs[@]} legs SKIPPED for a missing Python (see above), $((${#legs[@]} - skipped)) passed"
else
    say "every leg passed (${#legs[@]})"
fi
