#!/usr/bin/env bash
# Runs schemathesis (property-based API testing from PyPI) against each service's /openapi.json:
# the three services start on free loopback ports with a fresh SQLite folder, a tenant signs up, and
# each run gets a fresh admin token (the auth run revokes its own). Fails on any server error or any
# response the document does not describe. `make api-check` runs it; CI runs it after `make test`.
#   API_CHECK_EXAMPLES   examples an operation (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."

examples="${API_CHECK_EXAMPLES:-30}"
if ! command -v st >/dev/null 2>&1; then
    echo "api-check: installing schemathesis from PyPI"
    python3 -m pip install --quiet --disable-pip-version-check 'schemathesis>=4.3,<5'
fi
swift build --product auth-service >/dev/null
swift build --product blog-service >/dev/null
swift build --product observ-collector >/dev/null
bin="$(swift build --show-bin-path)"

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
auth_port=$(free_port); blog_port=$(free_port); collector_port=$(free_port)
ingest_key="api-check-blog-ingest-key"
common=(LOG_LEVEL=warning JWT_ISSUER="http://127.0.0.1:$auth_port" AUTH_JWKS_URL="http://127.0.0.1:$auth_port/.well-known/jwks.json")

env "${common[@]}" PORT="$collector_port" DATABASE_URL="sqlite:$work/collector.sqlite" INGEST_KEYS="blog-service:$ingest_key" \
    "$bin/observ-collector" >"$work/collector.log" 2>&1 &
pids+=($!)
# Generous limits: the runs sign up and log in far more often than people do.
env "${common[@]}" PORT="$auth_port" DATABASE_URL="sqlite:$work/auth.sqlite" JWT_SIGNING_KEY_FILE="$work/keys.json" LOGIN_RATE_LIMIT=100000 \
    "$bin/auth-service" >"$work/auth.log" 2>&1 &
pids+=($!)
env "${common[@]}" PORT="$blog_port" DATABASE_URL="sqlite:$work/blog.sqlite" "$bin/blog-service" >"$work/blog.log" 2>&1 &
pids+=($!)
for port in "$auth_port" "$blog_port" "$collector_port"; do
    for _ in $(seq 1 100); do curl -fs --max-time 2 "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
done

curl -fs --max-time 30 "http://127.0.0.1:$auth_port/v1/tenants" -H 'content-type: application/json' \
    -d '{"slug":"api-check","name":"API check","admin":{"email":"admin@api-check.test","password":"api-check-password","name":"Admin"}}' >/dev/null
token() {
    curl -fs --max-time 30 "http://127.0.0.1:$auth_port/v1/auth/login" -H 'content-type: application/json' \
        -d '{"tenant":"api-check","email":"admin@api-check.test","password":"api-check-password"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

status=0
passed=0
failed=0
run() { # name port header [filters...]
    local name=$1 port=$2 header=$3
    shift 3
    echo "== $name"
    st --config-file scripts/schemathesis.toml run "http://127.0.0.1:$port/openapi.json" --checks all --max-examples "$examples" --workers 1 \
        --header "$header" --generation-deterministic --no-color "$@" | tee "$work/st.out" || status=1
    # "N generated, N passed" or "N generated, N found N unique failures"
    passed=$((passed + $(grep -oE '[0-9]+ passed' "$work/st.out" | tail -1 | grep -oE '[0-9]+' || echo 0)))
    failed=$((failed + $(grep -oE '[0-9]+ unique failures?' "$work/st.out" | tail -1 | grep -oE '^[0-9]+' || echo 0)))
}
run blog-service "$blog_port" "Authorization: Bearer $(token)"
run observ-collector "$collector_port" "Authorization: Bearer $(token)" --exclude-path /v1/events
run "observ-collector ingest" "$collector_port" "Authorization: Bearer $ingest_key" --include-path /v1/events
# Last: the auth run deactivates, demotes and logs out its own caller.
run auth-service "$auth_port" "Authorization: Bearer $(token)"

if grep -q "Unhandled error" "$work"/*.log; then
    echo "api-check: a service logged an unhandled error:" >&2
    grep -h "Unhandled error" "$work"/*.log | head -20 >&2
    status=1
fi
echo "api-check: $passed passed, $failed failed"
exit $status
