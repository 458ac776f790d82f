#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests: installs the server from apt where it is missing,
# creates a cluster in a temporary folder owned by a non-root user, starts it on 127.0.0.1 on a free port,
# and prints the connection string. `postgres.sh stop DIR` stops and removes it.
# Usage: eval "$(bash .ci/postgres.sh start)"  →  sets JITBOT_TEST_POSTGRES and JITBOT_PG_DIR
set -euo pipefail

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return; }; done
  return 1
}

case "${1:-}" in
  start)
    if ! bin=$(pg_bin); then
      echo "installing PostgreSQL from apt" >&2
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2
      bin=$(pg_bin)
    fi
    user=postgres
    id "$user" >/dev/null 2>&1 || useradd --system --no-create-home "$user"
    dir=$(mktemp -d /tmp/jitbot-pg.XXXXXX)
    chown "$user" "$dir"; chmod 700 "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((30000 + RANDOM % 20000)))
    password=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
    echo "$password" > "$dir/pw"; chown "$user" "$dir/pw"
    run() { if [ "$(id -u)" -eq 0 ]; then su -s /bin/sh "$user" -c "$*"; else sh -c "$*"; fi; }
    run "'$bin/initdb' -D '$dir/data' -U jitbot --pwfile='$dir/pw' -A scram-sha-256 -E UTF8 --no-locale" >/dev/null
    run "'$bin/pg_ctl' -D '$dir/data' -l '$dir/log' -w -t 60 -o \"-h 127.0.0.1 -p $port -k '$dir' -c max_connections=600 -c fsync=off\" start" >/dev/null
    echo "export JITBOT_PG_DIR='$dir' JITBOT_TEST_POSTGRES='Host=127.0.0.1;Port=$port;Username=jitbot;Password=$password;Database=postgres'"
    ;;
  stop)
    dir=${2:?usage: postgres.sh stop DIR}
    bin=$(pg_bin)
    if [ "$(id -u)" -eq 0 ]; then su -s /bin/sh postgres -c "'$bin/pg_ctl' -D '$dir/data' -m immediate -w stop" >/dev/null 2>&1 || true
    else "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    ;;
  *) echo "usage: postgres.sh start | stop DIR" >&2; exit 2 ;;
esac
