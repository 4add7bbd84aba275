#!/usr/bin/env bash
# Run the app on the embedded default: SQLite under var/, Celery tasks in-process.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG=${DEBUG:-1}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

.venv/bin/python manage.py migrate --no-input -v 0
.venv/bin/python manage.py seed_demo
cat <<TXT

  advisor-crm is running at http://$HOST:$PORT/

  Demo logins (password: demo-pass-2026)
    advisor    advisor, team 1 (owns the two worked cases: 赵先生 and 钱女士)
    advisor2   advisor, team 1
    advisor3   advisor, team 2
    lead       team lead of team 1
    admin      administrator

  Stop with Ctrl-C.
TXT
exec .venv/bin/python manage.py runserver "$HOST:$PORT" --skip-checks
