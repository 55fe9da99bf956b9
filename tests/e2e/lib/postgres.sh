#!/bin/sh
# A throwaway PostgreSQL server for tests: Debian's postgresql 15 binaries, a cluster in DIR, listening on
# 127.0.0.1 only at a free port, trust authentication for user `coco` (loopback and a socket inside DIR).
#
#   postgres.sh start DIR   initdb + start; prints the URL (postgres://coco@127.0.0.1:PORT/postgres)
#   postgres.sh url DIR     prints the URL of a running server started in DIR
#   postgres.sh stop DIR    stops it (fast shutdown); DIR is left for the caller to remove
#
# As root the server runs as user `postgres` (initdb refuses root); DIR is handed to that user.
# Sourcing it defines pg_start/pg_stop/pg_url for scripts that prefer functions.
set -eu

PG_BIN=${PG_BIN:-}
if [ -z "$PG_BIN" ]; then
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/initdb" ] && PG_BIN=$candidate
  done
fi

pg__as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg__free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

pg_start() {
  dir=$1
  [ -n "$PG_BIN" ] || { echo "postgres.sh: no PostgreSQL binaries found" >&2; return 1; }
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  pg__as_owner "$PG_BIN/initdb" -D "$dir/data" -U coco --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2; return 1; }
  tries=0
  while :; do
    port=$(pg__free_port)
    if pg__as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=on -c max_connections=200" \
        start >/dev/null 2>&1; then
      break
    fi
    tries=$((tries + 1))
    if [ $tries -ge 5 ]; then
      cat "$dir/server.log" >&2 || true
      return 1
    fi
  done
  echo "$port" >"$dir/port"
  pg_url "$dir"
}

pg_url() {
  echo "postgres://coco@127.0.0.1:$(cat "$1/port")/postgres"
}

pg_stop() {
  dir=$1
  if [ -f "$dir/data/postmaster.pid" ]; then
    pg__as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

case "${0##*/}" in
  postgres.sh)
    cmd=${1:-}
    [ $# -ge 2 ] || { echo "usage: postgres.sh start|url|stop DIR" >&2; exit 2; }
    case $cmd in
      start) pg_start "$2" ;;
      url) pg_url "$2" ;;
      stop) pg_stop "$2" ;;
      *) echo "usage: postgres.sh start|url|stop DIR" >&2; exit 2 ;;
    esac
    ;;
esac
