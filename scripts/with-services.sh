#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL and Redis, then stop them.
#
# 1. initdb a cluster in a temp dir and start it on loopback on a free port.
# 2. Start redis-server in the same temp dir on another free port.
# 3. Run the command with DATABASE_URL and CELERY_BROKER_URL pointing at them.
# 4. Stop both and delete the temp dir, whatever the command's outcome.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}
WORK=$(mktemp -d /tmp/advisor-crm-services.XXXXXX)
chmod 755 "$WORK"

free_port() {
  .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# initdb and postgres refuse to run as root; run them as the postgres user then.
as_pg=()
mkdir -p "$WORK/pg"
if [ "$(id -u)" -eq 0 ]; then
  as_pg=(runuser -u postgres --)
  chown postgres:postgres "$WORK/pg"
fi

cleanup() {
  status=$?
  if [ -f "$WORK/pg/data/postmaster.pid" ]; then
    "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [ -n "${REDIS_PID:-}" ]; then kill "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
  exit $status
}
trap cleanup EXIT INT TERM

PG_PORT=$(free_port)
"${as_pg[@]}" "$PG_BIN/initdb" -D "$WORK/pg/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 \
  || { cat "$WORK/initdb.log"; exit 1; }
# Durability is pointless for a throwaway database; turning it off makes runs faster.
"${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/server.log" -w -t 60 start \
  -o "-h 127.0.0.1 -p $PG_PORT -k $WORK/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100 ${PG_EXTRA_OPTIONS:-}" >/dev/null \
  || { cat "$WORK/pg/server.log"; exit 1; }

"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres advisor_crm

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK" --save '' --appendonly no \
  --daemonize no --logfile "$WORK/redis.log" &
REDIS_PID=$!
for _ in $(seq 50); do
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
  sleep 0.1
done

export DEBUG=${DEBUG:-1}
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/advisor_crm"
export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
echo "Throwaway PostgreSQL on 127.0.0.1:$PG_PORT ($("$PG_BIN/postgres" --version)), Redis on 127.0.0.1:$REDIS_PORT"

set +e
"$@"
status=$?
set -e
exit $status
