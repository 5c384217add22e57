#!/usr/bin/env bash
# Starts the three services on their default ports with SQLite under .data/, wired together,
# with their logs interleaved and labelled. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --product auth-service
swift build --product blog-service
swift build --product observ-collector
bin="$(swift build --show-bin-path)"
mkdir -p .data

# One ingest key per sending service: the collector stores each event under its key's service.
blog_ingest_key="${BLOG_INGEST_KEY:-local-dev-blog-ingest-key}"
auth_ingest_key="${AUTH_INGEST_KEY:-local-dev-auth-ingest-key}"
export JWT_ISSUER="${JWT_ISSUER:-http://127.0.0.1:8081}"
export AUTH_JWKS_URL="${AUTH_JWKS_URL:-http://127.0.0.1:8081/.well-known/jwks.json}"
export COLLECTOR_URL="${COLLECTOR_URL:-http://127.0.0.1:8083}"

pids=()
start() { # name port extra-env...
    local name=$1 port=$2
    shift 2
    # The labeller ignores Ctrl-C (which reaches the whole process group) and ends with its service's
    # output, so that the lines the services write while they stop are shown.
    env PORT="$port" DATABASE_URL="sqlite:.data/$name.sqlite" "$@" "$bin/$name" 2>&1 | (trap '' INT TERM; exec sed -u "s/^/[$name] /") &
    pids+=($!)
}

stop() {
    trap - INT TERM
    echo "Stopping…"
    for name in auth-service blog-service observ-collector; do pkill -TERM -f "$bin/$name" 2>/dev/null || true; done
    wait
    exit 0
}
trap stop INT TERM

start observ-collector 8083 INGEST_KEYS="blog-service:$blog_ingest_key,auth-service:$auth_ingest_key"
start auth-service 8081 JWT_SIGNING_KEY_FILE=.data/jwt-signing-keys.json COLLECTOR_INGEST_KEY="$auth_ingest_key" \
    CORS_ALLOWED_ORIGINS="http://127.0.0.1:8083,http://localhost:8083"  # the dashboard at http://127.0.0.1:8083/dashboard signs in here
start blog-service 8082 COLLECTOR_INGEST_KEY="$blog_ingest_key"

for port in 8081 8082 8083; do
    for _ in $(seq 1 100); do
        curl -fs --max-time 2 "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
        sleep 0.1
    done
done
cat <<MSG

  auth service       http://127.0.0.1:8081   (JWKS: /.well-known/jwks.json)
  blog service       http://127.0.0.1:8082
  collector          http://127.0.0.1:8083
  each also serves   /healthz /readyz /metrics

  Data in .data/; Ctrl-C stops all three.

MSG
wait
