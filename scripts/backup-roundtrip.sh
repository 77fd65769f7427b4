#!/usr/bin/env bash
# Backup and restore, end to end, on the Postgres named by DATABASE_URL (the
# procedure of docs/operations.md): a scratch database gets the schema and the
# demo data (channels with encrypted credentials, events sealed into the audit
# chain), is dumped with pg_dump, restored with pg_restore into a fresh
# database, and check_restore runs there. Both scratch databases are dropped.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?DATABASE_URL must name a Postgres server}"
PY="${PY:-.venv/bin/python}"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
server="${DATABASE_URL%/*}"
src="sd_backup_src_$$"
dst="sd_backup_restored_$$"
dump="$(mktemp -d)/socialdesk.dump"

cleanup() {
  "$pgbin/dropdb" --if-exists -d "$server/postgres" "$src" 2>/dev/null || true
  "$pgbin/dropdb" --if-exists -d "$server/postgres" "$dst" 2>/dev/null || true
  rm -rf "$(dirname "$dump")"
}
trap cleanup EXIT

psql_admin() { "$pgbin/psql" -q -v ON_ERROR_STOP=1 "$server/postgres" -c "$1"; }
psql_admin "CREATE DATABASE $src"
DATABASE_URL="$server/$src" "$PY" manage.py migrate --noinput -v 0
DATABASE_URL="$server/$src" "$PY" manage.py seed_demo --days 0 >/dev/null
# Some events for the audit chain to cover (seed_demo --days 0 writes few).
DATABASE_URL="$server/$src" "$PY" manage.py shell -c "
from django.utils import timezone
from events.models import Event
from inbox.models import Channel
for channel in Channel.objects.all():
    Event.objects.create(type='channel.connected', at=timezone.now(), channel=channel, data={})
"
DATABASE_URL="$server/$src" "$PY" manage.py audit_verify --seal

echo "pg_dump (custom format) of $src"
"$pgbin/pg_dump" --format=custom --no-owner --file="$dump" "$server/$src"
echo "dump: $(du -h "$dump" | cut -f1)"
psql_admin "CREATE DATABASE $dst"
"$pgbin/pg_restore" --no-owner --exit-on-error --dbname="$server/$dst" "$dump"
DATABASE_URL="$server/$dst" "$PY" manage.py check_restore
