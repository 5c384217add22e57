#!/usr/bin/env bash
# `make compose-smoke`: the compose stack for real on this machine, checked as a user would.
#
# Starts a Docker engine if none answers (dockerd --iptables=false --bridge=none, as root), makes the
# base images from Debian's packages (base-images.sh), builds the three services outside the images
# (swift build -c release --static-swift-stdlib) and packs them with the Dockerfile's `prebuilt`
# target, brings the stack up without Grafana (not in Debian's packages: no image can be made here),
# and checks: sign-up, login, a post, the request in the collector's log, Prometheus's three targets
# up, an alert at the webhook sink. `docker-compose down -v` at the end, and the engine stopped if this
# script started it. Prints each step with its answer and the time to healthy.
set -euo pipefail
cd "$(dirname "$0")/../.."

project=saas-smoke
compose=(docker-compose -p "$project" -f docker-compose.yml -f deploy/local/docker-compose.smoke.yml)
export SAAS_BUILD_TARGET=prebuilt SAAS_BUILD_NETWORK=host SAAS_VERSION=smoke
export POSTGRES_IMAGE=saas-local/postgres:15 PROMETHEUS_IMAGE=saas-local/prometheus:2
export ALERTMANAGER_IMAGE=saas-local/alertmanager:0.25 PYTHON_IMAGE=saas-local/python:3

engine_pid=""
stack_up=""
cleanup() {
    if [ -n "$stack_up" ]; then
        "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
        left="$(docker ps -aq --filter "label=com.docker.compose.project=$project"; docker volume ls -q --filter "label=com.docker.compose.project=$project")"
        if [ -n "$left" ]; then echo "smoke: left behind: $left" >&2; else echo "smoke: down -v left no container or volume"; fi
    fi
    if [ -n "$engine_pid" ]; then
        kill "$engine_pid" 2>/dev/null || true
        wait "$engine_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() { printf 'smoke: %-58s ' "$1"; }
ok() { echo "$1"; }
fail() { echo "FAILED: $1"; exit 1; }

if ! docker info >/dev/null 2>&1; then
    step "start a Docker engine"
    data="${DOCKER_DATA_ROOT:-/var/lib/docker-saas-smoke}"
    mkdir -p "$data"
    dockerd --iptables=false --bridge=none --data-root "$data" --pidfile "$data/dockerd.pid" >"$data/dockerd.log" 2>&1 &
    engine_pid=$!
    for _ in $(seq 1 100); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
    docker info >/dev/null 2>&1 || fail "dockerd did not answer; see $data/dockerd.log"
    ok "pid $engine_pid"
fi

step "base images from Debian's packages"
deploy/local/base-images.sh >/dev/null 2>&1 || fail "deploy/local/base-images.sh"
ok "$(docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -cE '^(debian:bookworm-slim|saas-local/)') images"

step "release binaries, static Swift runtime"
mkdir -p deploy/local/bin
for service in auth-service blog-service observ-collector; do
    swift build -c release --static-swift-stdlib --product "$service" >/dev/null 2>&1 || fail "swift build $service"
done
bin="$(swift build -c release --static-swift-stdlib --show-bin-path)"
# Without their debug symbols: a third of the size.
for service in auth-service blog-service observ-collector; do strip -o "deploy/local/bin/$service" "$bin/$service"; done
ok "$(du -sh deploy/local/bin | cut -f1) in deploy/local/bin (stripped)"

step "images (Dockerfile target prebuilt)"
"${compose[@]}" build auth blog collector alert-sink >/dev/null 2>&1 || fail "docker-compose build"
ok "done"
docker image ls --format '  {{.Repository}}:{{.Tag}} {{.Size}}' | grep -E 'saas/.*:smoke'

step "docker-compose up (all but Grafana)"
stack_up=1
start=$(date +%s.%N)
"${compose[@]}" up -d postgres auth blog collector prometheus alertmanager alert-sink >/dev/null 2>&1 || fail "docker-compose up"
healthy() { [ "$(docker inspect -f '{{.State.Health.Status}}' "$("${compose[@]}" ps -q "$1")" 2>/dev/null)" = healthy ]; }
for _ in $(seq 1 600); do
    healthy postgres && healthy auth && healthy blog && healthy collector && break
    sleep 0.2
done
healthy auth && healthy blog && healthy collector || { "${compose[@]}" logs --tail 20 >&2; fail "not healthy in 2 minutes"; }
ok "healthy after $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $start }") s"

json() { curl -s --max-time 10 -H 'content-type: application/json' "$@"; }
step "sign up tenant smoke at auth :8081"
answer="$(json -o /dev/null -w '%{http_code}' localhost:8081/v1/tenants \
    -d '{"slug":"smoke","name":"Smoke","admin":{"email":"ann@smoke.test","password":"correct horse","name":"Ann"}}')"
[ "$answer" = 201 ] || fail "$answer"; ok "$answer"
step "log in"
token="$(json localhost:8081/v1/auth/login -d '{"tenant":"smoke","email":"ann@smoke.test","password":"correct horse"}' | jq -r .access_token)"
[ -n "$token" ] && [ "$token" != null ] || fail "no token"; ok "access token of ${#token} characters"
step "create a post at blog :8082"
answer="$(json -o /dev/null -w '%{http_code}' localhost:8082/v1/posts -H "authorization: Bearer $token" -d '{"title":"Hello","content":"From compose"}')"
[ "$answer" = 201 ] || fail "$answer"; ok "$answer"
step "ask for a post that is not there (X-Request-ID smoke-missing)"
for i in 1 2 3; do
    answer="$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "localhost:8082/v1/posts/00000000-0000-0000-0000-00000000000$i" \
        -H "authorization: Bearer $token" -H "X-Request-ID: smoke-missing")"
done
[ "$answer" = 404 ] || fail "$answer"; ok "$answer (three times)"
step "the request in the collector's log :8083"
found=""
for _ in $(seq 1 50); do
    found="$(curl -s --max-time 10 "localhost:8083/v1/logs/requests?request_id=smoke-missing" -H "authorization: Bearer $token" | jq -r '.items[0] | "\(.service) \(.method) \(.status) \(.route)"' 2>/dev/null || true)"
    [ -n "$found" ] && [ "$found" != "null null null null" ] && break
    sleep 0.2
done
[ -n "$found" ] && [ "$found" != "null null null null" ] || fail "not found"; ok "$found"
step "Prometheus :9090 sees three targets up"
up=""
for _ in $(seq 1 60); do
    up="$(curl -s --max-time 10 'localhost:9090/api/v1/query?query=sum(up)' | jq -r '.data.result[0].value[1]' 2>/dev/null || true)"
    [ "$up" = 3 ] && break
    sleep 1
done
[ "$up" = 3 ] || fail "sum(up) = $up"; ok "sum(up) = 3"
step "the tenant's 4xx fire an alert that reaches the webhook sink"
# Once Prometheus has scraped the tenant's 4xx series, three more 404s are an increase it can see.
for _ in $(seq 1 60); do
    seen="$(curl -s --max-time 10 'localhost:9090/api/v1/query?query=count(tenant_requests_total{status_class="4xx",tenant!~"none|other"})' | jq -r '.data.result[0].value[1]' 2>/dev/null || true)"
    [ "$seen" = 1 ] && break
    sleep 1
done
for i in 4 5 6; do
    curl -s --max-time 10 -o /dev/null "localhost:8082/v1/posts/00000000-0000-0000-0000-00000000000$i" -H "authorization: Bearer $token"
done
start=$(date +%s)
alert=""
for _ in $(seq 1 120); do
    alert="$(curl -s --max-time 10 localhost:9099/received | jq -r '[.[].alerts[] | select(.labels.alertname == "SmokeTenant4xx")][0] | "\(.labels.alertname) tenant=\(.labels.tenant) service=\(.labels.service)"' 2>/dev/null || true)"
    [ -n "$alert" ] && [ "$alert" != "null tenant=null service=null" ] && break
    alert=""
    sleep 1
done
[ -n "$alert" ] || fail "no notification in 2 minutes"; ok "$alert after $(( $(date +%s) - start )) s"
step "SIGTERM to the blog (docker-compose stop)"
start=$(date +%s.%N)
"${compose[@]}" stop -t 20 blog >/dev/null 2>&1
code="$(docker inspect -f '{{.State.ExitCode}}' "$("${compose[@]}" ps -q blog)")"
[ "$code" = 0 ] || fail "exit code $code"
ok "exit code 0 after $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $start }") s"
echo "smoke: passed"
