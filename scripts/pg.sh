#!/usr/bin/env bash
# A private PostgreSQL cluster in a folder of ours: no system service, no Docker.
#   scripts/pg.sh start DIR PORT   initialise (first time) and start; data kept between runs
#   scripts/pg.sh stop DIR         stop it (fast shutdown)
#   scripts/pg.sh status DIR
# As root, the server runs as the `postgres` user (initdb refuses root).
set -euo pipefail

cmd=${1:?usage: pg.sh start|stop|status DIR [PORT]}
dir=${2:?data folder}
port=${3:-55432}

pgbin() {
  local b
  b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$b" ] && [ -x "$b/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
  echo "$b"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

PGBIN=$(pgbin)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi

case "$cmd" in
  start)
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if as_owner "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      echo "PostgreSQL already running in $dir" >&2
      exit 0
    fi
    # A stale pid file after a crash would block the start; pg_ctl handles it when the process is gone.
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=${PG_FSYNC:-on} -c max_connections=${PG_MAX_CONNECTIONS:-200}" start >/dev/null \
      || { tail -20 "$dir/pg.log" >&2; exit 1; }
    ;;
  stop)
    if as_owner "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    ;;
  status)
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" status
    ;;
  *)
    echo "unknown command $cmd" >&2; exit 2 ;;
esac
