#!/usr/bin/env bash
# Back up the app's data: the PostgreSQL database and the private files (plan PDFs).
#
#   scripts/backup.sh [DEST_DIR]        (default: var/backups)
#
# Reads DATABASE_URL and PRIVATE_STORAGE_ROOT as the app does, and writes
# DEST_DIR/advisor-crm-<UTC time>/ holding:
#   db.dump            pg_dump custom format, without owners or grants
#   private-files.tar  everything under PRIVATE_STORAGE_ROOT
#   migrations.txt     the migrations applied to the database, in order
#   MANIFEST           date, versions, counts, and the sha256 of each file above
#
# 1. Dump the database first (one consistent snapshot), then copy the files: a plan
#    rendered meanwhile is an extra file, harmless; a plan deleted meanwhile may be
#    missing, and restore.sh names it (it can be generated again).
# 2. Work in a `.partial` directory and rename it at the end, so that a directory
#    without that suffix is always a complete backup.
#
# The encryption keys (FIELD_ENCRYPTION_KEYS, BLIND_INDEX_KEY) are NOT in the backup,
# by design: keep them separately. Without them the ID numbers, health notes and
# account details in a backup cannot be read. Needs the PostgreSQL client tools
# (pg_dump at least as new as the server) and the app's Python environment.
set -euo pipefail

dest_arg=${1:-}
if [ "$dest_arg" = "-h" ] || [ "$dest_arg" = "--help" ]; then
  awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
  exit 0
fi
# Resolve the destination before moving to the project root.
if [ -n "$dest_arg" ]; then
  mkdir -p -- "$dest_arg"
  DEST=$(cd -- "$dest_arg" && pwd)
fi
cd "$(dirname "$0")/.."
DEST=${DEST:-$PWD/var/backups}
mkdir -p -- "$DEST"

source scripts/backup-common.sh
load_app_config
command -v pg_dump >/dev/null || fail "pg_dump not found: install the PostgreSQL client tools."

# Backups hold personal data: readable by their owner only.
umask 077
NAME="advisor-crm-$(date -u +%Y%m%dT%H%M%SZ)"
FINAL="$DEST/$NAME"
PARTIAL="$FINAL.partial"
[ ! -e "$FINAL" ] || fail "$FINAL already exists."
mkdir -- "$PARTIAL"
trap 'rm -rf -- "$PARTIAL"' EXIT

server_version=$(psql_value "SHOW server_version") \
  || fail "cannot connect to database $PGDATABASE (the error is above)."
psql_value "SELECT app || '.' || name FROM django_migrations ORDER BY id" >"$PARTIAL/migrations.txt" \
  || fail "database $PGDATABASE has no django_migrations table: is it the app's database?"

echo "Dumping database $PGDATABASE (PostgreSQL $server_version) ..."
pg_dump --format=custom --no-owner --no-privileges --file="$PARTIAL/db.dump"

echo "Copying private files from $APP_PRIVATE_ROOT ..."
if [ -d "$APP_PRIVATE_ROOT" ]; then
  # `.part` files are plans being written (kms/storage.py); their final name follows.
  tar_status=0
  tar -C "$APP_PRIVATE_ROOT" --exclude='*.part' -cf "$PARTIAL/private-files.tar" . || tar_status=$?
  if [ "$tar_status" -eq 1 ]; then
    # GNU tar's 1: a file changed or vanished while it was read (a plan being written
    # or deleted). The archive is still valid; restore.sh reports any plan it lacks.
    echo "Warning: some private files changed during the copy; see tar's message above." >&2
  elif [ "$tar_status" -ne 0 ]; then
    fail "tar failed ($tar_status)."
  fi
  file_count=$(tar -tf "$PARTIAL/private-files.tar" | grep -vc '/$' || true)
else
  echo "($APP_PRIVATE_ROOT does not exist yet: no private files.)"
  tar -cf "$PARTIAL/private-files.tar" -T /dev/null
  file_count=0
fi

counts=$(
  "$PYTHON" - <<'PY'
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisor_crm.settings")
django.setup()
from clients.models import Client
from kms.models import PlanDocument, PlanStatus

ready = PlanDocument.objects.filter(status=PlanStatus.READY).count()
print(f"clients: {Client.objects.count()}, ready plans: {ready}")
PY
)

{
  echo "# advisor-crm backup $NAME"
  echo "# created: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# database: $PGDATABASE, PostgreSQL $server_version, dumped with $(pg_dump --version)"
  echo "# app version: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "# migrations applied: $(wc -l <"$PARTIAL/migrations.txt") (listed in migrations.txt)"
  echo "# contents: $counts, private files: $file_count"
  echo "# Not included: FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY; restoring needs them."
  (cd "$PARTIAL" && sha256sum db.dump private-files.tar migrations.txt)
} >"$PARTIAL/MANIFEST"

mv -- "$PARTIAL" "$FINAL"
trap - EXIT
echo "Backup written to $FINAL ($(du -sh -- "$FINAL" | cut -f1); $counts, private files: $file_count)."
