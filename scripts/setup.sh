#!/usr/bin/env bash
# Prepare a fresh Debian machine to run the app: Debian packages that running needs,
# the virtual environment and the pinned Python packages.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh

scripts/apt-ensure.sh "${RUN_PACKAGES[@]}"

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# constraints.txt pins every transitive package to the versions we test with.
.venv/bin/python -m pip install --quiet -c constraints.txt -e '.[dev]'
