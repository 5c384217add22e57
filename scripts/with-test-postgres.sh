#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server for the tests: a new cluster in a temporary folder,
# on a free loopback port, as the `postgres` system user when run as root; its URL is exported as
# TEST_POSTGRES_URL. The server and its folder are gone when the command ends, however it ends.
#
#   scripts/with-test-postgres.sh swift test
#
# Without PostgreSQL installed (scripts/install-deps.sh installs Debian's `postgresql`), the command runs
# without TEST_POSTGRES_URL and the PostgreSQL tests say they were skipped; with REQUIRE_POSTGRES_TESTS=1
# (CI) they fail instead.
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "with-test-postgres: PostgreSQL is not installed; its tests will not run" >&2
    exec "$@"
fi

folder=$(mktemp -d /tmp/saas-test-postgres.XXXXXX)
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$folder"
    as_owner=(runuser -u postgres --)
fi

stop() {
    "${as_owner[@]}" "$bin/pg_ctl" -D "$folder/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$folder"
}
trap stop EXIT
trap 'exit 130' INT   # the EXIT trap stops the server on these too
trap 'exit 143' TERM

"${as_owner[@]}" "$bin/initdb" -D "$folder/data" -U saas --auth=trust --no-sync -E UTF8 --locale=C >"$folder/initdb.log" 2>&1 \
    || { cat "$folder/initdb.log" >&2; exit 1; }
# fsync off: a throwaway server that nothing must survive. POSTGRES_DURABLE=1 (`make bench`) keeps fsync
# on, with synchronous_commit off: as durable as the services' SQLite (WAL, synchronous=NORMAL).
durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[ "${POSTGRES_DURABLE:-}" = 1 ] && durability="-c synchronous_commit=off"
# A free port, below Linux's range of ephemeral ports (32768-60999) and away from the ports the tests'
# own servers take: a port there can be held by an outgoing connection, which no probe of listening
# ports sees. A start that still finds its port taken tries the next candidate.
port=""
for candidate in $(shuf -i 20000-29999 -n 20); do
    (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null && continue
    rm -f "$folder/server.log"
    if "${as_owner[@]}" "$bin/pg_ctl" -D "$folder/data" -l "$folder/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $candidate -k $folder $durability -c max_connections=300" start >/dev/null 2>&1; then
        port=$candidate
        break
    fi
    grep -q "could not bind" "$folder/server.log" || { cat "$folder/server.log" >&2; exit 1; }
done
[ -n "$port" ] || { echo "with-test-postgres: no free port" >&2; cat "$folder/server.log" >&2; exit 1; }

export TEST_POSTGRES_URL="postgres://saas@127.0.0.1:$port/postgres?sslmode=disable"
echo "with-test-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
