#!/usr/bin/env bash
# Python peer benchmark: waku 0.42.0 (PyPI) measured with the swift-waku scenario shapes.
#
#   Benchmarks/python/run.sh [--quick] [--json PATH] [--only NAME,...] [-v]
#
# Creates (or reuses) a virtualenv with exactly waku==0.42.0 and runs bench.py,
# passing all arguments through. Only bench.py writes to stdout; venv/pip
# messages go to stderr.
#
# Environment:
#   WAKU_PY_VENV  virtualenv directory (default: $TMPDIR or /tmp, swift-waku-bench-venv-pyX.Y)
#   PYTHON        interpreter used to create the venv (default: python3; needs >= 3.11)
set -euo pipefail

WAKU_VERSION="0.42.0"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "run.sh: '$PYTHON' not found (set PYTHON=/path/to/python3.11+)" >&2
    exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "run.sh: waku $WAKU_VERSION needs Python >= 3.11; $("$PYTHON" -V 2>&1) found (set PYTHON=...)" >&2
    exit 1
fi
PY_MM="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
VENV="${WAKU_PY_VENV:-${TMPDIR:-/tmp}/swift-waku-bench-venv-py${PY_MM}}"

venv_ok() {
    [ -x "$VENV/bin/python" ] &&
        "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(0 if m.version('waku') == '$WAKU_VERSION' else 1)" >/dev/null 2>&1
}

if ! venv_ok; then
    if [ ! -x "$VENV/bin/python" ]; then
        echo "run.sh: creating virtualenv $VENV" >&2
        "$PYTHON" -m venv "$VENV" >&2
    fi
    echo "run.sh: installing waku==$WAKU_VERSION into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "waku==$WAKU_VERSION" >&2
    venv_ok || { echo "run.sh: waku $WAKU_VERSION not importable after install" >&2; exit 1; }
fi

exec "$VENV/bin/python" "$SCRIPT_DIR/bench.py" "$@"
