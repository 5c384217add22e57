#!/usr/bin/env bash
# Benchmarks/compare.sh SCENARIO BASE_BIN [RUNS]: one load scenario against two release builds, run
# in pairs (base and this one, the order turned each pair), each on fresh databases (SQLite, or PostgreSQL: see below):
# requests/s, p99, the CPU the measured service spent a request (its utime+stime over the run, from
# /proc), and its peak RSS; then each pair's change and their median.
# What the commits' and notes' "alternating" figures come from: runs of the same day, so that the
# machine's drift shows as spread rather than as a change.
#
#   SCENARIO  blog-list | blog-list-unshipped | blog-get | blog-create | auth-refresh | auth-login |
#             collector-ingest-10 | collector-ingest-100 | collector-ingest-1000 (events a request; the CPU is then an event's) |
#             collector-shipped (the blog's list with shipping on, and the collector's CPU a blog request:
#             what storing the event each request ships costs) | collector-stats (`GET /v1/stats?window=1h`
#             on 4 connections, as make bench, after 8 s of the blog's list with shipping on as its data) |
#             collector-stats-day (`GET /v1/stats?window=24h` over a day of a busy tenant's rollups:
#             5,720,000 rows, 10 routes with 400 distinct durations in each minute, about 130 requests a
#             second, written straight into the collector's database before the run; DAY_REQUESTS
#             requests (default 5) one after another with curl, not wrk for DURATION)
#   BASE_BIN  the release bin directory of the build to compare with, e.g. after
#             `git worktree add /tmp/base REV && (cd /tmp/base && swift build -c release)`:
#             /tmp/base/.build/release
#   RUNS      pairs of runs (default 2); DURATION seconds each (default 8)
#
# This build is `swift build -c release` of the checkout. Load: `wrk -t2 -c32`, as `make bench`; the
# collector and auth service are this build's in both, only the measured service changes.
#
# COMPARE_DATABASE=postgres runs the services on a throwaway PostgreSQL server instead (as `make bench`
# does: scripts/with-test-postgres.sh, fsync on), fresh databases each run, and adds the server's CPU
# a request (its processes' utime+stime: the postmaster and its backends), and its change pair by pair.
# COMPARE_COLLATION=en_US.utf8 (with COMPARE_DATABASE=postgres) makes those databases with that collation
# instead of the server's `C`, as most servers are made (`localedef -i en_US -f UTF-8 en_US.UTF-8`
# makes the locale where `locale -a` lacks it).
set -euo pipefail
cd "$(dirname "$0")/.."
database=${COMPARE_DATABASE:-sqlite}
case "$database" in
sqlite) ;;
postgres) [ -n "${TEST_POSTGRES_URL:-}" ] || POSTGRES_DURABLE=1 exec scripts/with-test-postgres.sh "$0" "$@" ;;
*) echo "compare: COMPARE_DATABASE must be sqlite or postgres, not '$database'" >&2; exit 2 ;;
esac
collation=${COMPARE_COLLATION:-}
if [ -n "$collation" ]; then
    [ "$database" = postgres ] || { echo "compare: COMPARE_COLLATION needs COMPARE_DATABASE=postgres" >&2; exit 2; }
    [[ "$collation" =~ ^[A-Za-z0-9_.@-]+$ ]] || { echo "compare: COMPARE_COLLATION '$collation' is not a locale name" >&2; exit 2; }
    # `locale -a` spells en_US.UTF-8 as en_US.utf8: compared without case and dashes.
    locale -a | tr -d '-' | grep -qxiF "${collation//-/}" || { echo "compare: no locale '$collation' on this machine (locale -a)" >&2; exit 2; }
fi

scenario=${1:?scenario}; base=${2:?base bin directory}; runs=${3:-2}; duration=${DURATION:-8}
case "$scenario" in
blog-list | blog-list-unshipped | blog-get | blog-create) service=blog-service ;;
auth-refresh | auth-login) service=auth-service ;;
collector-ingest-10 | collector-ingest-100 | collector-ingest-1000 | collector-shipped | collector-stats | collector-stats-day) service=observ-collector ;;
*) echo "compare: unknown scenario '$scenario'" >&2; exit 2 ;;
esac
[ -x "$base/$service" ] || { echo "compare: no $service in $base" >&2; exit 2; }
swift build -c release >&2
bin="$(swift build -c release --show-bin-path)"

ports=(18481 18482 18483)
auth="http://127.0.0.1:${ports[0]}"; blog="http://127.0.0.1:${ports[1]}"; collector="http://127.0.0.1:${ports[2]}"
ingest_key=compare-ingest-key-0123456789
work="$(mktemp -d /tmp/saas-compare.XXXXXX)"
pids=()
stop_all() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    pids=()
}
trap 'stop_all; rm -rf "$work"' EXIT
python3 Benchmarks/ingest-bodies.py "$work"

round=0
# A service's database for this run: a file, or a new database on the PostgreSQL server.
database_url() { # name
    if [ "$database" = postgres ]; then
        local collated=""
        [ -n "$collation" ] && collated=" TEMPLATE template0 LC_COLLATE '$collation' LC_CTYPE '$collation'"
        psql -q "${TEST_POSTGRES_URL%%\?*}" -c "CREATE DATABASE compare_${1//-/_}_$round$collated" >/dev/null
        echo "${TEST_POSTGRES_URL%%/postgres\?*}/compare_${1//-/_}_$round?sslmode=disable"
    else
        echo "sqlite:$work/$1.sqlite"
    fi
}
# The PostgreSQL server's CPU so far, in clock ticks: the postmaster and its children (each service's
# pooled connections last the run, so no backend's ticks are lost to its exit).
postgres_ticks() {
    local postmaster
    postmaster=$(head -n 1 "$(psql -Atq "${TEST_POSTGRES_URL%%\?*}" -c "SHOW data_directory")/postmaster.pid")
    for pid in "$postmaster" $(pgrep -P "$postmaster"); do awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || true; done |
        awk '{ sum += $1 } END { print sum + 0 }'
}

# A day of rollups for the tenant of access token $1, written into the collector's database of this run:
# 10 routes of 400 distinct durations (1 to 3 requests each) in each of the last 1,430 minutes.
seed_day() {
    local tenant minute=$(($(date +%s) / 60))
    tenant=$(python3 -c 'import base64, json, sys; p = sys.argv[1].split(".")[1]; print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["tid"])' "$1")
    if [ "$database" = postgres ]; then
        psql -q "${TEST_POSTGRES_URL%%/postgres\?*}/compare_observ_collector_$round?sslmode=disable" \
            -c "INSERT INTO request_rollups SELECT '$tenant', $minute - m, 'blog-service', '/v1/route' || r, d * 0.1, 1 + d % 3, 0
                FROM generate_series(1, 1430) m, generate_series(0, 9) r, generate_series(1, 400) d" -c "VACUUM ANALYZE request_rollups"
    else
        python3 - "$work/observ-collector.sqlite" "$tenant" "$minute" <<'PY'
import sqlite3, sys
database = sqlite3.connect(sys.argv[1], timeout=60)
database.execute("""
    WITH RECURSIVE m(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM m WHERE v < 1430),
    r(v) AS (SELECT 0 UNION ALL SELECT v + 1 FROM r WHERE v < 9),
    d(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM d WHERE v < 400)
    INSERT INTO request_rollups SELECT ?, ? - m.v, 'blog-service', '/v1/route' || r.v, d.v * 0.1, 1 + d.v % 3, 0 FROM m, r, d""",
    (sys.argv[2], int(sys.argv[3])))
database.commit()
PY
    fi
}

# N requests of URL one after another with curl, summed up as wrk's scripts print them:
# wrk|requests/s|events/s|p50 ms|p99 ms (the slowest)|errors|requests.
sequential_requests() { # N URL curl-arguments...
    local count=$1 url=$2; shift 2
    for _ in $(seq 1 "$count"); do curl -s --max-time 120 -o /dev/null -w '%{http_code} %{time_total}\n' "$@" "$url"; done |
        sort -k2 -n | awk -v n="$count" '
            { seconds[NR] = $2; total += $2; if ($1 != 200) errors++ }
            END { printf "wrk|%.3f|0|%.2f|%.2f|%d|%d\n", n / total, seconds[int((n + 1) / 2)] * 1000, seconds[n] * 1000, errors, n }'
}

start() { # name port executable env...
    local name=$1 port=$2 executable=$3; shift 3
    env LOG_LEVEL=warning JWT_ISSUER="$auth" AUTH_JWKS_URL="$auth/.well-known/jwks.json" COLLECTOR_URL="$collector" \
        PORT="$port" DATABASE_URL="$(database_url "$name")" "$@" "$executable" >>"$work/$name.log" 2>&1 &
    pids+=($!)
    eval "pid_${name//-/_}=$!"
    for _ in $(seq 1 200); do curl -fs --max-time 2 "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return; sleep 0.05; done
    echo "compare: $name did not start; its log:" >&2; cat "$work/$name.log" >&2; exit 1
}
json() { curl -fs --max-time 30 "$@" -H 'content-type: application/json'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# PostgreSQL: the earlier runs' databases dropped and their writes checkpointed before a run, so that
# neither their autovacuum nor the flushing of their pages lands in it. Without this an A/A run (the
# same binaries as base and this) read -8, -15, +8 and -22 % for ingest of 100 events: the second run
# of each pair paid for the first.
fresh_server() {
    [ "$database" = postgres ] || return 0
    local server="${TEST_POSTGRES_URL%%\?*}" name
    for name in $(psql -Atq "$server" -c "SELECT datname FROM pg_database WHERE datname LIKE 'compare\_%'"); do
        psql -q "$server" -c "DROP DATABASE $name WITH (FORCE)"
    done
    psql -q "$server" -c CHECKPOINT
}

one_run() { # label executable-of-the-measured-service
    local label=$1 measured=$2
    rm -f "$work"/*.sqlite* "$work"/keys.json
    fresh_server
    round=$((round + 1))
    local collector_executable="$bin/observ-collector"
    [ "$service" = observ-collector ] && collector_executable=$measured
    start observ-collector "${ports[2]}" "$collector_executable" INGEST_KEYS="blog-service:$ingest_key" \
        TENANT_EVENT_RATE=10000000 TENANT_EVENT_BURST=100000000
    local auth_executable="$bin/auth-service" blog_executable="$bin/blog-service"
    [ "$service" = auth-service ] && auth_executable=$measured
    [ "$service" = blog-service ] && blog_executable=$measured
    start auth-service "${ports[0]}" "$auth_executable" JWT_SIGNING_KEY_FILE="$work/keys.json" LOGIN_RATE_LIMIT=100000
    local shipping=(COLLECTOR_INGEST_KEY="$ingest_key")
    [ "$scenario" = blog-list-unshipped ] && shipping=()
    start blog-service "${ports[1]}" "$blog_executable" "${shipping[@]}"

    local login='{"tenant":"bench","email":"admin@bench.test","password":"bench-password"}'
    json "$auth/v1/tenants" -d '{"slug":"bench","name":"Bench","admin":{"email":"admin@bench.test","password":"bench-password","name":"Admin"}}' >/dev/null
    local token post
    token="$(json "$auth/v1/auth/login" -d "$login" | jq -r .access_token)"
    for i in $(seq 1 20); do
        post="$(json "$blog/v1/posts" -H "authorization: Bearer $token" -d "{\"title\":\"Post $i\",\"content\":\"$(printf 'Lorem ipsum %.0s' $(seq 1 40))\"}")"
    done
    echo '{"title":"Benchmark","content":"A post written under load."}' >"$work/post.json"
    local url script=request.lua load_env=(TOKEN="$token") events=1 threads=2 connections=32 timeout=2s
    case "$scenario" in
    blog-list | blog-list-unshipped | collector-shipped) url="$blog/v1/posts" ;;
    blog-get) url="$blog/v1/posts/$(echo "$post" | jq -r .id)" ;;
    blog-create) url="$blog/v1/posts"; load_env+=(METHOD=POST BODY_FILE="$work/post.json") ;;
    auth-refresh)
        for _ in $(seq 1 34); do json "$auth/v1/auth/login" -d "$login" | jq -r .refresh_token; done >"$work/refresh.txt"
        sleep 2   # as make bench: the logins' hash memory is unmapped a second after the last (Argon2Memory)
        url="$auth/v1/auth/refresh"; script=refresh.lua; load_env=(REFRESH_FILE="$work/refresh.txt" SESSIONS_PER_THREAD=17) ;;
    auth-login)  # four connections, as make bench: the hasher's queue, not the load generator, sets the pace
        echo "$login" >"$work/login.json"
        url="$auth/v1/auth/login"; connections=4; load_env=(METHOD=POST BODY_FILE="$work/login.json") ;;
    collector-stats)  # the tenant's requests of 8 s of the list as the rollups read, stored before the run
        env TOKEN="$token" wrk -t2 -c32 -d8s -s Benchmarks/wrk/request.lua "$blog/v1/posts" >/dev/null
        sleep 1   # the shipper's last batch
        url="$collector/v1/stats?window=1h"; threads=1; connections=4; timeout=60s ;;
    collector-stats-day)
        seed_day "$token"
        url="$collector/v1/stats?window=24h" ;;
    collector-ingest-*)
        events=${scenario#collector-ingest-}
        url="$collector/v1/events"; load_env=(TOKEN="$ingest_key" METHOD=POST BODY_FILE="$work/events$events.json" EVENTS="$events") ;;
    esac
    local pid before after result
    pid=$(eval echo "\$pid_${service//-/_}")
    echo 5 >"/proc/$pid/clear_refs"   # the peak RSS starts again from the current RSS, as in make bench
    before=$(ticks "$pid"); collector_before=$(ticks "$pid_observ_collector")
    local postgres_before=0 postgres_after=0
    [ "$database" = postgres ] && postgres_before=$(postgres_ticks)
    if [ "$scenario" = collector-stats-day ]; then
        # Requests of seconds each: under wrk, the one unfinished at the end of a run would count its CPU
        # and not itself.
        result="$(sequential_requests "${DAY_REQUESTS:-5}" "$url" -H "authorization: Bearer $token")"
    else
        result="$(env "${load_env[@]}" wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout "$timeout" --latency -s "Benchmarks/wrk/$script" "$url" | grep '^wrk|')"
    fi
    after=$(ticks "$pid"); collector_after=$(ticks "$pid_observ_collector")
    [ "$database" = postgres ] && postgres_after=$(postgres_ticks)
    local requests seconds=$duration
    IFS='|' read -r _ rps _ _ p99 errors requests <<<"$result"
    [ "$scenario" = collector-stats-day ] && seconds=$(awk -v n="$requests" -v r="$rps" 'BEGIN { print n / r }')
    # Clock ticks are hundredths of a second: µs of CPU a request = ticks × 10,000 ÷ seconds ÷ requests/s.
    per() { awk -v t="$1" -v d="$seconds" -v r="$rps" -v e="$events" 'BEGIN { printf "%.1f", t * 10000 / d / r / e }'; }
    local unit="a request" shipped=""
    [ "$events" -gt 1 ] && unit="an event ($(awk -v r="$rps" -v e="$events" 'BEGIN { printf "%.0f", r * e }') events/s)"
    # The blog's scenarios with shipping on: what storing each request's event costs the collector.
    [ "$service" = blog-service ] && [ "$scenario" != blog-list-unshipped ] &&
        shipped="  (the collector: $(per $((collector_after - collector_before))) µs)"
    [ "$database" = postgres ] && shipped+="  (PostgreSQL: $(per $((postgres_after - postgres_before))) µs)"
    printf '%-5s %10s req/s  p99 %7s ms  errors %s  %s µs of CPU %s%s  peak RSS %s MiB\n' "$label" "$rps" "$p99" "$errors" \
        "$(per $((after - before)))" "$unit" "$shipped" "$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")"
    local server=""   # PostgreSQL's CPU a request, on PostgreSQL
    [ "$database" = postgres ] && server=$(per $((postgres_after - postgres_before)))
    echo "$label $rps $(per $((after - before))) $server" >>"$work/results"
    stop_all
}

# Each pair's change (this against the base run of the same pair) and the median of the pairs: the
# machine drifts between pairs, so a change shows as pairs that agree, not as one pair.
summary() {
    awk '
        $1 == "base" { nb++; base_rps[nb] = $2; base_cpu[nb] = $3; base_server[nb] = $4 }
        $1 == "this" { nt++; this_rps[nt] = $2; this_cpu[nt] = $3; this_server[nt] = $4 }
        function median(a, n,    i, j, t) {
            for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        END {
            n = nb < nt ? nb : nt
            for (i = 1; i <= n; i++) {
                r[i] = (this_rps[i] / base_rps[i] - 1) * 100; c[i] = (this_cpu[i] / base_cpu[i] - 1) * 100
                if (base_server[i] > 0) { servers++; s[i] = (this_server[i] / base_server[i] - 1) * 100 }
            }
            if (n == 0) exit
            line = ""; for (i = 1; i <= n; i++) line = line sprintf("%s%+.0f %%", i > 1 ? ", " : "", r[i])
            printf "this against base, pair by pair: throughput %s (median %+.0f %%)", line, median(r, n)
            line = ""; for (i = 1; i <= n; i++) line = line sprintf("%s%+.0f %%", i > 1 ? ", " : "", c[i])
            printf "; CPU %s (median %+.0f %%)", line, median(c, n)
            if (servers == n) {
                line = ""; for (i = 1; i <= n; i++) line = line sprintf("%s%+.0f %%", i > 1 ? ", " : "", s[i])
                printf "; PostgreSQL'"'"'s CPU %s (median %+.0f %%)", line, median(s, n)
            }
            printf "\n"
        }' "$work/results"
}

echo "$scenario, $service on $database${collation:+ (databases collated $collation)}: base $base against this checkout ($(git rev-parse --short HEAD)), ${duration} s a run"
# The order turns each pair (base then this, this then base, …): on a machine that slows down or speeds
# up through the runs, one order kept for every pair would lean every pair the same way.
for pair in $(seq 1 "$runs"); do
    if [ $((pair % 2)) = 1 ]; then
        one_run base "$base/$service"; one_run this "$bin/$service"
    else
        one_run this "$bin/$service"; one_run base "$base/$service"
    fi
done
summary
