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
    advisor    advisor in 杭州精英一组; owns the worked cases 赵立新 (赵先生) and 钱雅琴
    advisor2   advisor in 杭州精英一组
    advisor3   advisor in 上海财富二组
    lead       team lead of 杭州精英一组 (sees advisor's and advisor2's clients)
    lead2      team lead of 上海财富二组
    admin      administrator (users, teams, every client)

  Stop with Ctrl-C.
TXT
exec .venv/bin/python manage.py runserver "$HOST:$PORT" --skip-checks
