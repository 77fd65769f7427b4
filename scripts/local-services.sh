#!/usr/bin/env bash
# Start (or stop) a throwaway Postgres and Redis on loopback, owned by this
# checkout, for CI, tests and benchmarks. Prints the env to export on start.
#   scripts/local-services.sh start   -> writes var/services.env
#   scripts/local-services.sh stop
#   scripts/local-services.sh restart-redis | restart-postgres   (bench/faults.py)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
state="${SERVICES_DIR:-$here/var/services}"
pgdata="$state/pgdata"
# Below Linux's ephemeral range (32768-60999): a port the kernel hands out to
# a test's live server or a lingering connection can't be holding ours.
pgport="${PGPORT_LOCAL:-25432}"
redisport="${REDISPORT_LOCAL:-26379}"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

start() {
  mkdir -p "$state"
  if [ ! -s "$pgdata/PG_VERSION" ]; then
    mkdir -p "$pgdata"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$state"
    as_postgres "$pgbin/initdb -D '$pgdata' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
  fi
  if ! as_postgres "$pgbin/pg_ctl -D '$pgdata' status" >/dev/null 2>&1; then
    as_postgres "$pgbin/pg_ctl -D '$pgdata' -l '$pgdata/server.log' \
      -o '-p $pgport -k /tmp -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200 -c shared_buffers=${PG_SHARED_BUFFERS:-512MB} -c max_wal_size=2GB -c autovacuum_naptime=10s' -w start" >/dev/null || {
      # Say why: CI deletes the data directory, and the log with it, on exit.
      echo "Postgres did not start; the end of its log:" >&2
      tail -n 30 "$pgdata/server.log" >&2 || true
      return 1
    }
  fi
  if ! redis-cli -p "$redisport" ping >/dev/null 2>&1; then
    start_redis
  fi
  cat > "$here/var/services.env" <<ENV
export DATABASE_URL=postgres://postgres@127.0.0.1:$pgport/socialdesk
export CELERY_BROKER_URL=redis://127.0.0.1:$redisport/0
export REDIS_PORT=$redisport
export REDIS_PID_FILE=$state/redis.pid
export SERVICES_DIR=$state PGPORT_LOCAL=$pgport REDISPORT_LOCAL=$redisport
ENV
  psql -h 127.0.0.1 -p "$pgport" -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='socialdesk'" \
    | grep -q 1 || psql -h 127.0.0.1 -p "$pgport" -U postgres -qc "CREATE DATABASE socialdesk"
  cat "$here/var/services.env"
}

stop() {
  [ -f "$state/redis.pid" ] && kill "$(cat "$state/redis.pid")" 2>/dev/null || true
  [ -d "$pgdata" ] && as_postgres "$pgbin/pg_ctl -D '$pgdata' -m fast stop" >/dev/null 2>&1 || true
}

start_redis() {
  redis-server --port "$redisport" --bind 127.0.0.1 --save "" --appendonly no \
    --daemonize yes --pidfile "$state/redis.pid" --logfile "$state/redis.log"
  for _ in $(seq 50); do redis-cli -p "$redisport" ping >/dev/null 2>&1 && break; sleep 0.1; done
}

# Faults for bench/faults.py: Redis loses everything it held (no persistence,
# as configured above); Postgres stops with a fast shutdown and comes back.
restart_redis() {
  redis-cli -p "$redisport" shutdown nosave >/dev/null 2>&1 || true
  for _ in $(seq 50); do redis-cli -p "$redisport" ping >/dev/null 2>&1 || break; sleep 0.1; done
  start_redis
}

restart_postgres() {
  as_postgres "$pgbin/pg_ctl -D '$pgdata' -m fast -w restart" >/dev/null
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  restart-redis) restart_redis ;;
  restart-postgres) restart_postgres ;;
  *) echo "usage: $0 start|stop|restart-redis|restart-postgres" >&2; exit 2 ;;
esac
