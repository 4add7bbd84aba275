#!/usr/bin/env bash
# Run the whole test suite (or the pytest arguments given) against a throwaway
# PostgreSQL and Redis, after installing what only testing needs.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh
scripts/apt-ensure.sh "${TEST_PACKAGES[@]}"

# Playwright's sync API runs an event loop in the test thread; Django would then
# refuse ORM calls from fixtures in that same thread.
export DJANGO_ALLOW_ASYNC_UNSAFE=true
exec scripts/with-services.sh .venv/bin/pytest "$@"
