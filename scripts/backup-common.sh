# Sourced by backup.sh and restore.sh (from the project root): the Python to run the
# app's code with, and where the app keeps its data, read from the app's own settings
# so that DATABASE_URL and PRIVATE_STORAGE_ROOT mean exactly what they mean to the app.

# The app's Python: $PYTHON, else the project's venv, else python3 (the container).
if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi

fail() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

# Export the connection as libpq variables (PGHOST, PGPASSWORD ...) rather than pass a
# URL on the command line, where `ps` would show the password to every local user; set
# APP_PRIVATE_ROOT. Refuses any database but PostgreSQL.
load_app_config() {
  local assignments engine
  assignments=$(
    "$PYTHON" - <<'PY'
import os
import shlex

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisor_crm.settings")
from django.conf import settings

db = settings.DATABASES["default"]
values = {
    "APP_DB_ENGINE": db["ENGINE"],
    "APP_PRIVATE_ROOT": os.path.abspath(settings.PRIVATE_STORAGE_ROOT),
}
if "postgresql" in db["ENGINE"]:
    values.update(
        PGHOST=db.get("HOST") or "",
        PGPORT=str(db.get("PORT") or ""),
        PGUSER=db.get("USER") or "",
        PGPASSWORD=db.get("PASSWORD") or "",
        PGDATABASE=db.get("NAME") or "",
    )
    # Connection options given in the URL's query string (?sslmode=require ...).
    libpq = {
        "sslmode": "PGSSLMODE",
        "sslrootcert": "PGSSLROOTCERT",
        "sslcert": "PGSSLCERT",
        "sslkey": "PGSSLKEY",
        "connect_timeout": "PGCONNECT_TIMEOUT",
    }
    for option, value in db.get("OPTIONS", {}).items():
        if option in libpq:
            values[libpq[option]] = str(value)
for name, value in values.items():
    if value:
        print(f"export {name}={shlex.quote(value)}")
PY
  ) || fail "could not read the app's settings (the error is above)."
  eval "$assignments"
  engine=${APP_DB_ENGINE:-}
  case "$engine" in
    *postgresql*) ;;
    *sqlite3*)
      fail "DATABASE_URL is not set, so the app uses its SQLite default (make run's demo" \
        "data). These scripts back up PostgreSQL only; for SQLite, stop the server and copy" \
        "var/db.sqlite3 and $APP_PRIVATE_ROOT." ;;
    *) fail "unsupported database engine $engine (PostgreSQL only)." ;;
  esac
  [ -n "${PGDATABASE:-}" ] || fail "DATABASE_URL names no database."
}

# psql for one query: no ~/.psqlrc, unaligned, tuples only, stop on the first error.
psql_value() {
  psql -X -q -t -A -v ON_ERROR_STOP=1 -c "$1"
}
