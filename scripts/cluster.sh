#!/usr/bin/env bash
# `make cluster`: the three services scaled out on loopback, as a Kubernetes deployment runs them.
#
#   one PostgreSQL (throwaway: gone when the cluster stops), REPLICAS replicas of each service (2 by
#   default) on free loopback ports, and nginx in front of each service on the ports of `make run`
#   (8081 auth, 8082 blog, 8083 collector), so that the README's commands work unchanged.
#
# The services read deploy/k8s/config.yaml's settings, then the environment (what you export wins),
# with the loopback addresses in place of the in-cluster ones and TRUSTED_PROXIES set to the balancer.
# INGEST_KEYS given here are added to the cluster's own keys. A replica that exits is started again
# within a second on its port (as a Deployment would). Ctrl-C, or `make cluster-stop` from another
# shell, stops exactly the processes this script started.
#
# Settings: REPLICAS; AUTH_PORT, BLOG_PORT, COLLECTOR_PORT (the balancers); CLUSTER_DIR (logs and
# state, .data/cluster by default); CLUSTER_POSTGRES_URL (a PostgreSQL server to create the three
# databases on instead of starting one); CLUSTER_BIN (built binaries, instead of `swift build`);
# CLUSTER_CONFIGURATION (debug or release); CLUSTER_PARENT_PID (stop when that process is gone: tests).
#
#   scripts/cluster.sh           start, and run until Ctrl-C
#   scripts/cluster.sh stop      stop the cluster that CLUSTER_DIR names
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${CLUSTER_DIR:-.data/cluster}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

if [ "${1:-start}" = stop ]; then
    pid=$(cat "$dir/cluster.pid" 2>/dev/null || true)
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "cluster: not running (no live pid in $dir/cluster.pid)"
        exit 0
    fi
    # A stop file as well as the signal: a shell that started with SIGTERM ignored cannot trap it.
    touch "$dir/stop"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || { echo "cluster: stopped"; exit 0; }; sleep 0.2; done
    echo "cluster: $pid still running after 30 s" >&2
    exit 1
fi

replicas=${REPLICAS:-2}
[[ "$replicas" =~ ^[1-9][0-9]?$ ]] || { echo "cluster: REPLICAS must be a number from 1 to 99" >&2; exit 78; }
auth_port=${AUTH_PORT:-8081}
blog_port=${BLOG_PORT:-8082}
collector_port=${COLLECTOR_PORT:-8083}
configuration=${CLUSTER_CONFIGURATION:-debug}

if [ -e "$dir/cluster.pid" ] && kill -0 "$(cat "$dir/cluster.pid")" 2>/dev/null; then
    echo "cluster: already running (pid $(cat "$dir/cluster.pid")); make cluster-stop stops it" >&2
    exit 1
fi

log() { echo "[cluster] $*"; }

# A loopback port nothing listens on (and that this script has not handed out yet).
taken=" $auth_port $blog_port $collector_port "
free_port() {
    local candidate
    for candidate in $(shuf -i 10000-19999 -n 100); do
        [[ "$taken" == *" $candidate "* ]] && continue
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
            taken+="$candidate "
            echo "$candidate"
            return
        fi
    done
    echo "cluster: no free port" >&2
    return 1
}
for port in "$auth_port" "$blog_port" "$collector_port"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "cluster: port $port is taken (make run still running?); set AUTH_PORT, BLOG_PORT, COLLECTOR_PORT" >&2
        exit 1
    fi
done

if [ -z "${CLUSTER_BIN:-}" ]; then
    for product in auth-service blog-service observ-collector; do swift build -c "$configuration" --product "$product"; done
    CLUSTER_BIN="$(swift build -c "$configuration" --show-bin-path)"
fi
bin=$CLUSTER_BIN

# PostgreSQL: the one given, or a throwaway server of our own (stopped and removed at the end).
pids_to_stop=()
postgres_stop=""
cleanup() {
    trap - INT TERM EXIT
    log "stopping"
    supervising=0
    [ -n "${nginx_pid:-}" ] && kill -TERM "$nginx_pid" 2>/dev/null || true
    for label in "${!replica_pid[@]}"; do kill -TERM "${replica_pid[$label]}" 2>/dev/null || true; done
    for label in "${!replica_pid[@]}"; do
        for _ in $(seq 1 100); do kill -0 "${replica_pid[$label]}" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "${replica_pid[$label]}" 2>/dev/null || true
    done
    [ -n "$postgres_stop" ] && eval "$postgres_stop" || true
    rm -f "$dir/cluster.pid" "$dir/replicas" "$dir/stop"
}
declare -A replica_pid=() replica_port=()
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
echo $$ >"$dir/cluster.pid"
rm -f "$dir/ready" "$dir/stop"

server_url=${CLUSTER_POSTGRES_URL:-}
if [ -z "$server_url" ]; then
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    [ -x "$pg_bin/initdb" ] || { echo "cluster: PostgreSQL is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }
    # A folder of its own under /tmp: when run as root, the server runs as `postgres`, which must reach it.
    pg_dir=$(mktemp -d /tmp/saas-cluster-postgres.XXXXXX)
    as_owner=()
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$pg_dir"; as_owner=(runuser -u postgres --); fi
    pg_port=$(free_port)
    "${as_owner[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U saas --auth=trust -E UTF8 --locale=C >"$pg_dir/initdb.log" 2>&1 \
        || { cat "$pg_dir/initdb.log" >&2; exit 1; }
    "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c synchronous_commit=off -c max_connections=300" start >/dev/null \
        || { cat "$pg_dir/server.log" >&2; exit 1; }
    postgres_stop="${as_owner[*]} $pg_bin/pg_ctl -D $pg_dir/data -m fast stop >/dev/null 2>&1; rm -rf $pg_dir"
    server_url="postgres://saas@127.0.0.1:$pg_port/postgres?sslmode=disable"
    log "PostgreSQL on 127.0.0.1:$pg_port"
fi
prefix="cluster_$(date +%s)_$$"
database_url() { # name → the URL of that database on the server
    echo "$server_url" | sed -E "s#^(postgres(ql)?://[^/]*)/[^?]*#\1/${prefix}_$1#"
}
for name in auth blog collector; do
    psql "$server_url" -qAtX -c "CREATE DATABASE ${prefix}_$name" >/dev/null
done

# The settings of deploy/k8s/config.yaml, unless exported; loopback addresses instead of in-cluster names.
while IFS= read -r line; do
    if [[ "$line" =~ ^\ \ ([A-Z_]+):\ \"?([^\"]*)\"?$ ]]; then
        key=${BASH_REMATCH[1]}
        [ -n "${!key:-}" ] || export "$key=${BASH_REMATCH[2]}"
    fi
done < <(sed -n '/^data:/,$p' deploy/k8s/config.yaml)
export JWT_ISSUER=${CLUSTER_JWT_ISSUER:-http://127.0.0.1:$auth_port}
export AUTH_JWKS_URL="http://127.0.0.1:$auth_port/.well-known/jwks.json"
export COLLECTOR_URL="http://127.0.0.1:$collector_port"
export TRUSTED_PROXIES=127.0.0.1/32
blog_key=cluster-blog-ingest-key-0123456789
auth_key=cluster-auth-ingest-key-0123456789
ingest_keys="blog-service:$blog_key,auth-service:$auth_key${INGEST_KEYS:+,$INGEST_KEYS}"

# One signing-key file for every auth replica, made before any starts (two replicas must not each make one).
key_file="$dir/jwt-signing-keys.json"
[ -e "$key_file" ] || "$bin/auth-service" rotate-signing-key --jwt-signing-key-file "$key_file" --signing-key-activation-delay 0 >/dev/null

mkdir -p "$dir/logs"
start_replica() { # label
    local label=$1 name=${1%-*} port=${replica_port[$1]}
    local -a settings=(PORT="$port")
    case "$name" in
        auth-service) settings+=(DATABASE_URL="$(database_url auth)" JWT_SIGNING_KEY_FILE="$key_file" COLLECTOR_INGEST_KEY="$auth_key") ;;
        blog-service) settings+=(DATABASE_URL="$(database_url blog)" COLLECTOR_INGEST_KEY="$blog_key") ;;
        observ-collector) settings+=(DATABASE_URL="$(database_url collector)" INGEST_KEYS="$ingest_keys") ;;
    esac
    env "${settings[@]}" "$bin/$name" > >(sed -u "s/^/[$label] /" | tee -a "$dir/logs/$label.log") 2>&1 &
    replica_pid[$label]=$!
}
write_state() {
    local label
    for label in "${!replica_pid[@]}"; do echo "$label ${replica_pid[$label]} ${replica_port[$label]}"; done | sort >"$dir/replicas.new"
    mv "$dir/replicas.new" "$dir/replicas"
}

upstreams=""
for name in auth-service blog-service observ-collector; do
    # `zone`: the workers share what they know of a replica being down.
    upstreams+="    upstream $name {"$'\n'"        zone $name 64k;"$'\n'
    for index in $(seq 1 "$replicas"); do
        label="$name-$index"
        replica_port[$label]=$(free_port)
        # A refused connection (a replica down) moves the request to the next replica at once.
        upstreams+="        server 127.0.0.1:${replica_port[$label]} max_fails=1 fail_timeout=2s;"$'\n'
    done
    upstreams+="        keepalive 64;"$'\n'"    }"$'\n'
done

wait_ready() { # timeout-seconds url...: every URL answers 200
    local url
    for url in "${@:2}"; do
        local ready=""
        for _ in $(seq 1 $(($1 * 5))); do
            curl -fs --max-time 2 "$url" >/dev/null 2>&1 && { ready=1; break; }
            kill -0 "${nginx_pid:-$$}" 2>/dev/null || { echo "cluster: nginx exited (see $dir/logs/nginx-error.log)" >&2; exit 1; }
            sleep 0.2
        done
        [ -n "$ready" ] || { echo "cluster: $url not ready after $1 s (logs in $dir/logs)" >&2; exit 1; }
    done
}

# Auth first, ready before the balancer starts: the others fetch its JWKS through the balancer, and a
# balancer whose first tries find no replica listening marks them down for a while.
for index in $(seq 1 "$replicas"); do start_replica "auth-service-$index"; done
wait_ready 60 $(for index in $(seq 1 "$replicas"); do echo "http://127.0.0.1:${replica_port[auth-service-$index]}/readyz"; done)
for name in observ-collector blog-service; do
    for index in $(seq 1 "$replicas"); do start_replica "$name-$index"; done
done
write_state

mkdir -p "$dir/nginx"
cat >"$dir/nginx.conf" <<NGINX
# Written by scripts/cluster.sh for this run.
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/logs/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/nginx/body;
    proxy_temp_path $dir/nginx/proxy;
    fastcgi_temp_path $dir/nginx/fastcgi;
    uwsgi_temp_path $dir/nginx/uwsgi;
    scgi_temp_path $dir/nginx/scgi;
    # The collector takes bodies up to 10 MiB; the services answer 413 themselves past their limits.
    client_max_body_size 11m;
    client_body_buffer_size 1m;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$host;
    # The balancer is the edge: the client address it saw replaces whatever the client claimed.
    proxy_set_header X-Forwarded-For \$remote_addr;
    proxy_connect_timeout 1s;
    proxy_read_timeout 60s;
$upstreams
    server { listen 127.0.0.1:$auth_port; location / { proxy_pass http://auth-service; } }
    server { listen 127.0.0.1:$blog_port; location / { proxy_pass http://blog-service; } }
    server { listen 127.0.0.1:$collector_port; location / { proxy_pass http://observ-collector; } }
}
NGINX
nginx -e "$dir/logs/nginx-error.log" -c "$dir/nginx.conf" -g "daemon off;" &
nginx_pid=$!

# Every replica ready, then every balancer.
wait_ready 60 $(for label in "${!replica_port[@]}"; do echo "http://127.0.0.1:${replica_port[$label]}/readyz"; done)
# A replica that exited meanwhile could not listen on its port (another process took it after the
# port was chosen, and answered for it above): the balancer would send that replica's share to the
# other process. Fail the start, with the replica's last lines.
for label in "${!replica_pid[@]}"; do
    kill -0 "${replica_pid[$label]}" 2>/dev/null && continue
    echo "cluster: $label exited at start (its port ${replica_port[$label]}); the end of its log:" >&2
    tail -n 20 "$dir/logs/$label.log" >&2
    exit 1
done
wait_ready 10 "http://127.0.0.1:$auth_port/readyz" "http://127.0.0.1:$collector_port/readyz" "http://127.0.0.1:$blog_port/readyz"
cat <<MSG

  auth service       http://127.0.0.1:$auth_port   $replicas replicas behind nginx
  blog service       http://127.0.0.1:$blog_port   $replicas replicas behind nginx
  collector          http://127.0.0.1:$collector_port   $replicas replicas behind nginx
  one PostgreSQL, databases ${prefix}_{auth,blog,collector}
  replicas, pids and ports in $dir/replicas; logs in $dir/logs/

  A replica that exits is started again. Ctrl-C (or make cluster-stop) stops everything.

MSG
touch "$dir/ready"

# Supervise: a replica that exited (killed, crashed) is started again on its port.
supervising=1
while [ "$supervising" = 1 ]; do
    for label in "${!replica_pid[@]}"; do
        if ! kill -0 "${replica_pid[$label]}" 2>/dev/null; then
            wait "${replica_pid[$label]}" 2>/dev/null || true
            log "$label exited; starting it again"
            start_replica "$label"
            write_state
        fi
    done
    kill -0 "$nginx_pid" 2>/dev/null || { echo "cluster: nginx exited (see $dir/logs/nginx-error.log)" >&2; exit 1; }
    if [ -n "${CLUSTER_PARENT_PID:-}" ] && ! kill -0 "$CLUSTER_PARENT_PID" 2>/dev/null; then exit 0; fi
    [ -e "$dir/stop" ] && exit 0
    sleep 0.5
done
