#!/bin/sh
# Back up the PostgreSQL database (pg_dump custom format) and the uploaded files (MEDIA_ROOT).
#
# Usage:  DATABASE_URL=postgres://user:pass@host:5432/digisupport scripts/backup.sh [DIR]
#   DIR               where backups go (default: $BACKUP_DIR, else ./backups)
#   BACKUP_KEEP_DAYS  delete backups older than this many days (default 30; 0 keeps everything)
#   MEDIA_ROOT        if set and a directory, its files are archived beside the dump
# Prints the path of the new dump. See docs/backup.md.
set -eu

: "${DATABASE_URL:?set DATABASE_URL=postgres://user:password@host:5432/dbname}"
dir="${1:-${BACKUP_DIR:-./backups}}"
keep="${BACKUP_KEEP_DAYS:-30}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$dir"
umask 077  # backups hold residents' personal data

dump="$dir/digisupport-$stamp.dump"
partial="$dump.partial"
# --format=custom: compressed, restored selectively and in parallel by pg_restore.
# --no-owner/--no-privileges: restorable under another role name on another server.
pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$partial"
# A dump that pg_restore cannot read is no backup: check its table of contents before keeping it.
pg_restore --list "$partial" >/dev/null
mv "$partial" "$dump"

if [ -n "${MEDIA_ROOT:-}" ] && [ -d "$MEDIA_ROOT" ]; then
    tar -czf "$dir/digisupport-media-$stamp.tar.gz" -C "$MEDIA_ROOT" .
fi

if [ "$keep" -gt 0 ]; then
    find "$dir" -maxdepth 1 -type f \( -name 'digisupport-*.dump' -o -name 'digisupport-media-*.tar.gz' \) \
        -mtime +"$keep" -delete
fi
echo "$dump"
