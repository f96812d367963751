#!/bin/sh
# Restore a dump made by scripts/backup.sh into a fresh, empty database.
#
# Usage:  scripts/restore.sh DUMP_FILE TARGET_DATABASE_URL
#   The target database must exist and be empty (createdb it first); nothing is dropped.
#   Everything is restored in one transaction: on any error nothing is left half-restored.
# Then point DATABASE_URL at it and run `python manage.py migrate --check`. See docs/backup.md.
set -eu

if [ "$#" -ne 2 ]; then
    echo "usage: $0 DUMP_FILE TARGET_DATABASE_URL" >&2
    exit 2
fi
dump="$1"
target="$2"

pg_restore --list "$dump" >/dev/null
pg_restore --exit-on-error --single-transaction --no-owner --no-privileges \
    --dbname="$target" "$dump"
echo "restored $dump"
