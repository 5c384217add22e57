#!/usr/bin/env bash
# The end-to-end test (EndToEndTests' user flow: sign-up, login, posts, the tenant's logs and statistics,
# another tenant's confinement) through a cluster's balancers (scripts/cluster.sh: two replicas of each
# service, nginx, PostgreSQL), ROUNDS times (3 by default), with a replica of each service killed by
# SIGKILL before each round and started again by the cluster: the rounds meet restarted replicas.
# `make test` runs it after the tests, on their build. It stops exactly what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${TEST_POSTGRES_URL:-}" ]; then exec scripts/with-test-postgres.sh "$0" "$@"; fi
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "cluster-e2e: nginx is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }
rounds=${ROUNDS:-3}
bin="$(swift build --show-bin-path)"
dir="$(mktemp -d /tmp/saas-cluster-e2e.XXXXXX)"

ports=()
for candidate in $(shuf -i 30000-31999 -n 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null || ports+=("$candidate")
    [ "${#ports[@]}" -eq 3 ] && break
done

CLUSTER_DIR="$dir" CLUSTER_BIN="$bin" CLUSTER_POSTGRES_URL="$TEST_POSTGRES_URL" CLUSTER_PARENT_PID=$$ \
    AUTH_PORT="${ports[0]}" BLOG_PORT="${ports[1]}" COLLECTOR_PORT="${ports[2]}" LOG_LEVEL=warning \
    scripts/cluster.sh >"$dir/cluster.out" 2>&1 &
cluster=$!
finish() {
    local status=$?
    touch "$dir/stop"
    wait "$cluster" 2>/dev/null || true
    [ "$status" -eq 0 ] || { echo "cluster-e2e: failed; the cluster's output:" >&2; tail -60 "$dir/cluster.out" >&2; }
    rm -rf "$dir"
}
trap finish EXIT

for _ in $(seq 1 600); do [ -e "$dir/ready" ] && break; kill -0 "$cluster" 2>/dev/null || break; sleep 0.1; done
[ -e "$dir/ready" ] || { echo "cluster-e2e: the cluster did not start" >&2; exit 1; }

pid_of() { awk -v label="$1" '$1 == label {print $2}' "$dir/replicas"; }
port_of() { awk -v label="$1" '$1 == label {print $3}' "$dir/replicas"; }
for round in $(seq 1 "$rounds"); do
    index=$(( (round - 1) % 2 + 1 ))
    for service in auth-service observ-collector blog-service; do
        label="$service-$index"
        old=$(pid_of "$label")
        kill -KILL "$old"
        for _ in $(seq 1 300); do
            new=$(pid_of "$label")
            [ -n "$new" ] && [ "$new" != "$old" ] && curl -fs --max-time 2 "http://127.0.0.1:$(port_of "$label")/readyz" >/dev/null 2>&1 && break
            sleep 0.1
        done
        [ "$(pid_of "$label")" != "$old" ] || { echo "cluster-e2e: $label was not started again" >&2; exit 1; }
    done
    echo "cluster-e2e: round $round of $rounds: replicas $index of each service killed and started again; the end-to-end test through the balancers" >&2
    if ! E2E_BALANCER_PORTS="${ports[0]},${ports[1]},${ports[2]}" \
        swift test --skip-build --filter "EndToEndTests/aUsersRequestsReachTheCollectorForTheirTenantOnly" >"$dir/round.out" 2>&1; then
        grep -vE "^\[|^20[0-9]{2}-" "$dir/round.out" | tail -40 >&2
        echo "cluster-e2e: round $round failed" >&2
        exit 1
    fi
    grep -E "^✔ Test (aUsers|run)" "$dir/round.out" >&2 || true
done
echo "cluster-e2e: $rounds rounds passed" >&2
