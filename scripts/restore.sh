#!/usr/bin/env bash
# Restore a backup made by backup.sh into the database at DATABASE_URL and the
# private files directory PRIVATE_STORAGE_ROOT, then check that the app can read it.
#
#   scripts/restore.sh [--force] BACKUP_DIR
#
# 1. Check every file against the MANIFEST's sha256; refuse on any mismatch.
# 2. Refuse unless the database has no tables and the private files directory is
#    empty or missing. --force restores over what is there: the backup's tables are
#    dropped and recreated, its files overwrite those of the same name, and anything
#    the backup does not hold stays.
# 3. pg_restore in one transaction, stopping at the first error (all or nothing).
# 4. Unpack the private files.
# 5. Verify with the app's own code and settings: every migration of this code is
#    applied and none is unknown to it, every encrypted value decrypts with
#    FIELD_ENCRYPTION_KEYS and matches its blind index (BLIND_INDEX_KEY), and every
#    ready plan's file exists with the checksum recorded when it was rendered.
#    Exits 1 if anything is wrong, after saying what.
set -euo pipefail

force=0
backup_arg=""
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h | --help)
      awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
      exit 0
      ;;
    -*) echo "Unknown option $arg (see --help)." >&2; exit 2 ;;
    *)
      [ -z "$backup_arg" ] || { echo "One backup directory only (see --help)." >&2; exit 2; }
      backup_arg=$arg
      ;;
  esac
done
[ -n "$backup_arg" ] || { echo "Usage: $0 [--force] BACKUP_DIR" >&2; exit 2; }
[ -d "$backup_arg" ] || { echo "$backup_arg is not a directory." >&2; exit 1; }
BACKUP=$(cd -- "$backup_arg" && pwd)
cd "$(dirname "$0")/.."

source scripts/backup-common.sh

# 1. Integrity before anything else is touched.
[ -f "$BACKUP/MANIFEST" ] || fail "$BACKUP has no MANIFEST: not a backup made by backup.sh."
for required in db.dump private-files.tar; do
  grep -q "^[0-9a-f]\{64\}  $required\$" "$BACKUP/MANIFEST" \
    || fail "the MANIFEST lists no checksum for $required: refusing to restore."
done
echo "Checking the files against the MANIFEST ..."
grep -v '^#' "$BACKUP/MANIFEST" | (cd "$BACKUP" && sha256sum --check --strict --quiet) \
  || fail "checksum mismatch in $BACKUP (corrupt or altered): refusing to restore."

# 2. The target must be empty unless --force.
load_app_config
command -v pg_restore >/dev/null || fail "pg_restore not found: install the PostgreSQL client tools."
tables=$(psql_value "SELECT count(*) FROM pg_catalog.pg_tables
                     WHERE schemaname NOT IN ('pg_catalog', 'information_schema')") \
  || fail "cannot connect to database $PGDATABASE (the error is above)."
if [ "$tables" -gt 0 ] && [ "$force" -eq 0 ]; then
  fail "database $PGDATABASE is not empty ($tables tables): restore into a new empty" \
    "database, or pass --force to replace the backup's tables in this one."
fi
if [ -d "$APP_PRIVATE_ROOT" ] && [ -n "$(find "$APP_PRIVATE_ROOT" -mindepth 1 -print -quit)" ] \
  && [ "$force" -eq 0 ]; then
  fail "$APP_PRIVATE_ROOT is not empty: point PRIVATE_STORAGE_ROOT at an empty directory," \
    "or pass --force to write the backup's files over it."
fi

# 3. The database, all or nothing.
echo "Restoring database $PGDATABASE from $BACKUP/db.dump ..."
clean=()
[ "$force" -eq 0 ] || clean=(--clean --if-exists)
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction "${clean[@]}" \
  --dbname="$PGDATABASE" "$BACKUP/db.dump"

# 4. The private files, owned by whoever runs the restore (the app's user).
echo "Unpacking private files into $APP_PRIVATE_ROOT ..."
mkdir -p -- "$APP_PRIVATE_ROOT"
chmod 700 -- "$APP_PRIVATE_ROOT"
tar -C "$APP_PRIVATE_ROOT" --no-same-owner -xf "$BACKUP/private-files.tar"

# 5. Can the app read what was restored?
echo "Verifying with the app's settings ..."
"$PYTHON" - <<'PY'
import hashlib
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisor_crm.settings")
django.setup()
from cryptography.fernet import InvalidToken
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from clients import crypto
from clients.fields import EncryptedTextField
from clients.models import Client
from kms.models import PlanDocument, PlanStatus, plan_storage

problems: list[str] = []

# Migrations: what `migrate --check` looks at, plus migrations this code does not know
# (a backup taken by a newer version of the app).
executor = MigrationExecutor(connection)
unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
if unapplied:
    problems.append(
        f"{len(unapplied)} migrations of this code are not applied (the backup is older): "
        "run `manage.py migrate`."
    )
unknown = sorted(set(executor.loader.applied_migrations) - set(executor.loader.disk_migrations))
if unknown:
    problems.append(
        f"the database has {len(unknown)} migrations this code does not know, e.g. "
        f"{'.'.join(unknown[0])}: deploy the version of the app that made the backup."
    )


def unreadable(table: str, column: str) -> tuple[int, int]:
    """(values read, values the keys cannot decrypt) in one encrypted column, read raw."""
    quote = connection.ops.quote_name
    read = failed = 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(column)} FROM {quote(table)} WHERE {quote(column)} <> ''")
        for (token,) in cursor:
            read += 1
            try:
                crypto.decrypt(token)
            except (InvalidToken, ValueError):
                failed += 1
    return read, failed


encrypted = 0
for model in apps.get_models():
    for field in model._meta.concrete_fields:
        if isinstance(field, EncryptedTextField):
            read, failed = unreadable(model._meta.db_table, field.column)
            encrypted += read
            if failed:
                problems.append(
                    f"{failed} of {read} {model._meta.label}.{field.name} values do not "
                    "decrypt: FIELD_ENCRYPTION_KEYS is not the set the data was encrypted with."
                )

# ID numbers are encrypted by hand (clients.models.Client.set_id_number) beside their
# blind index: decrypt each and recompute its index, which checks BLIND_INDEX_KEY too.
undecryptable = mismatched = 0
numbers = Client.objects.exclude(id_number_encrypted="").values_list(
    "id_number_encrypted", "id_number_index"
)
for token, index in numbers.iterator(chunk_size=2000):
    encrypted += 1
    try:
        number = crypto.decrypt(token)
    except (InvalidToken, ValueError):
        undecryptable += 1
        continue
    if crypto.blind_index(number) != index:
        mismatched += 1
if undecryptable:
    problems.append(
        f"{undecryptable} client ID numbers do not decrypt: FIELD_ENCRYPTION_KEYS is not "
        "the set the data was encrypted with."
    )
if mismatched:
    problems.append(
        f"{mismatched} client ID numbers do not match their search index: BLIND_INDEX_KEY "
        "is not the key the data was indexed with (search by ID number would find nothing)."
    )

plans = PlanDocument.objects.filter(status=PlanStatus.READY).exclude(file="")
storage = plan_storage()
bad_plans = []
for document in plans.only("pk", "file", "sha256").iterator():
    try:
        sha = hashlib.sha256()
        with storage.open(document.file.name, "rb") as handle:
            for chunk in handle.chunks():
                sha.update(chunk)
        digest = sha.hexdigest()
    except FileNotFoundError:
        digest = "missing"
    if digest != document.sha256:
        bad_plans.append(document.pk)
if bad_plans:
    problems.append(
        f"{len(bad_plans)} ready plans have no file or a different one (documents "
        f"{', '.join(map(str, bad_plans[:20]))}): a plan deleted or rewritten while the "
        "backup ran; generate it again."
    )

summary = (
    f"{Client.objects.count()} clients, {encrypted} encrypted values, "
    f"{plans.count()} ready plans"
)
if problems:
    print(f"Restored ({summary}), but the check found problems:", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    sys.exit(1)
print(f"Restored and verified: {summary}, every value readable and every plan file intact.")
PY
