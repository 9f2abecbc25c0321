#!/usr/bin/env bash
# Start (or find already running) a throwaway PostgreSQL 15 server for the test suite and
# print the URL to export as MENDLINE_TEST_PG_URL:
#
#     export MENDLINE_TEST_PG_URL="$(.ci/start_postgres.sh)"
#
# Idempotent: a second call finds the server started by the first (same state directory)
# and prints the same URL. Needs no network unless the postgresql-15 binaries are missing,
# in which case it runs `apt-get install -y postgresql-15` first. Logs go to stderr; only
# the URL goes to stdout. Stop it with: .ci/start_postgres.sh --stop
set -euo pipefail

STATE_DIR="${MENDLINE_CI_PG_DIR:-/tmp/mendline-ci-pg}"
DATA="$STATE_DIR/data"
PORT_FILE="$STATE_DIR/port"
log() { echo "start_postgres: $*" >&2; }

find_bindir() {
    if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
        echo /usr/lib/postgresql/15/bin
    elif command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
        pg_config --bindir
    fi
}

BINDIR="$(find_bindir)"
if [ -z "$BINDIR" ]; then
    log "PostgreSQL 15 binaries not found; installing postgresql-15"
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y postgresql-15 >&2
    BINDIR="$(find_bindir)"
    [ -n "$BINDIR" ] || { log "postgresql-15 installed but initdb not found"; exit 1; }
fi

# PostgreSQL refuses to run as root: run it as the postgres system user then.
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || { log "running as root and no 'postgres' user exists"; exit 1; }
    AS=(runuser -u postgres --)
    command -v runuser >/dev/null || AS=(setpriv "--reuid=$(id -u postgres)" \
        "--regid=$(id -g postgres)" --init-groups)
else
    AS=()
fi

url_for() { echo "postgresql+psycopg://postgres@127.0.0.1:$1/postgres"; }

if [ "${1:-}" = "--stop" ]; then
    if [ -d "$DATA" ]; then "${AS[@]}" "$BINDIR/pg_ctl" -D "$DATA" -m fast -w stop >&2 || true; fi
    rm -rf "$STATE_DIR"
    exit 0
fi

if [ -f "$PORT_FILE" ] && [ -d "$DATA" ] && "${AS[@]}" "$BINDIR/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    log "already running"
    url_for "$(cat "$PORT_FILE")"
    exit 0
fi

if [ ! -f "$DATA/PG_VERSION" ]; then
    rm -rf "$STATE_DIR"
    mkdir -p "$STATE_DIR"
    chmod 700 "$STATE_DIR"
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$STATE_DIR"; fi
    "${AS[@]}" "$BINDIR/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --no-locale \
        --no-sync >&2
fi

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"${AS[@]}" "$BINDIR/pg_ctl" -D "$DATA" -l "$STATE_DIR/server.log" -w -t 60 -o \
    "-p $PORT -k $STATE_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >&2
echo "$PORT" > "$PORT_FILE"
"$BINDIR/pg_isready" -h 127.0.0.1 -p "$PORT" -t 30 >&2
log "PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
url_for "$PORT"
