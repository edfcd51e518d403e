#!/usr/bin/env bash
# The near cache measured (docs/near-cache.md), all in one run so the figures share the machine's
# state: cache hits with the in-process L1 against hits without it (CACHE_L1_ENABLED=false), both at
# 32 connections and at 1, the nginx HTTP ceiling for a body of the same size, and the cross-instance
# freshness latency (a write through instance A, reads on instance B until fresh). Prints figures;
# asserts nothing.
#
#   bench/near-cache.sh              (about 2 minutes after the first seeding)
#
# Three instances of the packaged service (A and B with the L1, C without) share a Redis of their
# own on a free port and the small data set of bench/topology.sh (database $NEAR_DB, 2,000 users,
# 200,000 tasks). Parameters: NEAR_SECONDS (10 per wrk run), NEAR_WARMUP (10), NEAR_CONNECTIONS
# (32), NEAR_WORKING_SET (500 users), NEAR_ROUNDS (60 cross-instance writes), NEAR_RESULTS.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# shellcheck source=deploy/redis/lib.sh
. deploy/redis/lib.sh
# shellcheck source=bench/lib/service.sh
. bench/lib/service.sh
# shellcheck source=bench/lib/nginx.sh
. bench/lib/nginx.sh

USERS=2000
TASKS=200000
WINDOW=30
DURATION=${NEAR_SECONDS:-10}
WARMUP=${NEAR_WARMUP:-10}
CONNECTIONS=${NEAR_CONNECTIONS:-32}
WORKING_SET=${NEAR_WORKING_SET:-500}
ROUNDS=${NEAR_ROUNDS:-60}
DB=${NEAR_DB:-gad_topology}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
export PGHOST PGPORT PGUSER
WORK=bench/.work/near-cache
RUN=$WORK/run
RESULTS=${NEAR_RESULTS:-bench/results/near-cache.md}

log() { printf '[near-cache %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

find_tools java wrk redis-server redis-cli psql curl openssl
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "missing: nginx" >&2; exit 2; }
"$PY" -c 'import psycopg2' 2>/dev/null || { echo "missing: python3-psycopg2" >&2; exit 2; }
find_app
rm -rf "$RUN"
mkdir -p "$RUN" "$(dirname "$RESULTS")"

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_all "$RUN/redis"
}
trap cleanup EXIT

REDIS_PORT=$(free_port)
start_server "$RUN/redis" "$REDIS_PORT" >/dev/null
wait_until 10 "Redis on $REDIS_PORT" answers "$REDIS_PORT"
seed_db "$DB" "$USERS" "$TASKS" "$RUN"
mint efectivo "$RUN/tokens-all.txt" "1-$USERS"
mint supervisor "$RUN/tokens-supervisor.txt" 51
awk -v s=$((USERS / WORKING_SET)) -v n="$WORKING_SET" '($1 - 1) % s == 0 && c < n { print; c++ }' \
  "$RUN/tokens-all.txt" >"$RUN/tokens-hot.txt"

declare -A PORT_OF
for name in a b c; do
  PORT_OF[$name]=$(free_port)
  l1=true
  [ "$name" = c ] && l1=false
  start_instance "$RUN/service-$name.log" "${PORT_OF[$name]}" "$DB" \
    REDIS_HOST=127.0.0.1 REDIS_PORT="$REDIS_PORT" CACHE_PREFIX=gadnear: CACHE_L1_ENABLED=$l1
  PIDS+=("$STARTED_PID")
done
log "instances: a=${PORT_OF[a]} (L1) b=${PORT_OF[b]} (L1) c=${PORT_OF[c]} (no L1); Redis $REDIS_PORT"

# wrk_run NAME PORT CONNECTIONS SECONDS: hits over the working set; the JSON summary in $RUN/NAME.json
wrk_run() {
  BENCH_TOKENS="$RUN/tokens-hot.txt" BENCH_QUERY="days=$WINDOW" BENCH_OUT="$RUN/$1.json" BENCH_THREADS=1 \
    wrk -t1 -c"$3" -d"$4s" --timeout 5s -s bench/lib/stats.lua "http://127.0.0.1:$2" >"$RUN/$1.txt" 2>&1
}
summary() { # NAME: req/s p50 p99 errors
  "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1]));
l=r["latency_us"]; e=r["errors"]
print("%.0f %.3f %.2f %d" % (r["rps"], l["p50"] / 1000, l["p99"] / 1000, e["status"] + e["connect"] + e["read"] + e["write"] + e["timeout"]))' "$RUN/$1.json"
}
source_of() { # PORT: the _cache.source of one hit
  read -r uid token <"$RUN/tokens-hot.txt"
  curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$1/api/v1/stats/user/$uid?days=$WINDOW" \
    | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["_cache"].get("source"))'
}

for name in a c; do
  log "warming $name"
  wrk_run "warm-$name" "${PORT_OF[$name]}" "$CONNECTIONS" "$WARMUP"
done
SOURCE_A=$(source_of "${PORT_OF[a]}")
SOURCE_C=$(source_of "${PORT_OF[c]}")
log "sources of a hit: a=$SOURCE_A c=$SOURCE_C"

# one body of a real hit for nginx
read -r uid token <"$RUN/tokens-hot.txt"
mkdir -p "$RUN/nginx"
curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:${PORT_OF[c]}/api/v1/stats/user/$uid?days=$WINDOW" -o "$RUN/nginx/hit.json"
NGINX_PORT=$(free_port)
start_static_nginx "$ROOT/$RUN/nginx" "$NGINX_PORT"
PIDS+=("$NGINX_PID")

# interleaved, twice, so that drift of the machine falls on both alike
for round in 1 2; do
  for name in a c; do
    log "hits c=$CONNECTIONS on $name (round $round)"
    wrk_run "hits-$name-$round" "${PORT_OF[$name]}" "$CONNECTIONS" "$DURATION"
  done
  log "nginx c=$CONNECTIONS (round $round)"
  wrk_run "nginx-$round" "$NGINX_PORT" "$CONNECTIONS" "$DURATION"
done
for name in a c; do
  log "hits c=1 on $name"
  wrk_run "hits1-$name" "${PORT_OF[$name]}" 1 "$DURATION"
done

log "cross-instance freshness: $ROUNDS writes through a, reads on b"
"$PY" bench/lib/crossfresh.py "${PORT_OF[a]}" "${PORT_OF[b]}" "$RUN/tokens-hot.txt" "$RUN/tokens-supervisor.txt" \
  "host=$PGHOST port=$PGPORT user=$PGUSER dbname=$DB" "$WINDOW" "$ROUNDS" "$RUN/crossfresh.json" >"$RUN/crossfresh.txt"

l1_metrics() { curl -s "http://127.0.0.1:$1/q/metrics" | grep '^gad_cache_l1' | sed 's/^/    /'; }

{
  echo "# Near cache: measured $(date -u '+%F %H:%M') UTC, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo
  echo "Machine: $(nproc) cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg); $USERS users, $TASKS tasks;"
  echo "wrk -t1, hits over $WORKING_SET users (\`days=$WINDOW\`), ${DURATION} s per run after ${WARMUP} s of warm-up; every request carries an RS256 JWT."
  echo "Instances a and b with the L1 (\`CACHE_L1_ENABLED=true\`, the default), c without; one Redis of their own; nginx serving a real hit's body ($(wc -c <"$RUN/nginx/hit.json") bytes)."
  echo "Source of a hit after warm-up: a \`$SOURCE_A\`, c \`$SOURCE_C\`."
  echo
  echo "| run | connections | req/s | p50 ms | p99 ms | errors |"
  echo "|---|---:|---:|---:|---:|---:|"
  for round in 1 2; do
    for name in a c nginx; do
      file=hits-$name-$round; label="hits, L1 (a)"
      [ "$name" = c ] && label="hits, no L1 (c)"
      [ "$name" = nginx ] && file=nginx-$round && label="nginx, static body"
      read -r rps p50 p99 err < <(summary "$file")
      echo "| $label, round $round | $CONNECTIONS | $rps | $p50 | $p99 | $err |"
    done
  done
  for name in a c; do
    label="hits, L1 (a)"; [ "$name" = c ] && label="hits, no L1 (c)"
    read -r rps p50 p99 err < <(summary "hits1-$name")
    echo "| $label | 1 | $rps | $p50 | $p99 | $err |"
  done
  echo
  "$PY" - "$RUN" <<'PY'
import json, sys
run = sys.argv[1]
def rps(name):
    return json.load(open(f"{run}/{name}.json"))["rps"]
l1 = sum(rps(f"hits-a-{r}") for r in (1, 2)) / 2
no = sum(rps(f"hits-c-{r}") for r in (1, 2)) / 2
ng = sum(rps(f"nginx-{r}") for r in (1, 2)) / 2
p50 = json.load(open(f"{run}/hits1-a.json"))["latency_us"]["p50"] / 1000
x = json.load(open(f"{run}/crossfresh.json"))
print("| target (issue 14) | measured | |")
print("|---|---|---|")
print(f"| L1 hits ≥ 1.6 × no-L1 hits, c=32 | {l1 / no:.2f} × ({l1:,.0f} vs {no:,.0f} req/s, mean of two rounds) | {'met' if l1 / no >= 1.6 else '**missed**'} |")
print(f"| L1 hits ≥ 0.5 × nginx | {l1 / ng:.2f} × (nginx {ng:,.0f} req/s) | {'met' if l1 / ng >= 0.5 else '**missed**'} |")
print(f"| c=1 p50 ≤ 0.15 ms | {p50:.3f} ms | {'met' if p50 <= 0.15 else '**missed**'} |")
if "p95_ms" in x:
    print(f"| A→B fresh p95 ≤ 10 ms | staleness window p50 {x['p50_ms']:.2f} / p95 {x['p95_ms']:.2f} / max {x['max_ms']:.2f} ms over {x['rounds']} writes (A's 201 to the sending of B's first fresh read; to its answer, which computes the new value: p50 {x['answered_p50_ms']:.2f} / p95 {x['answered_p95_ms']:.2f} ms) | {'met' if x['p95_ms'] <= 10 else '**missed**'} |")
print(f"| stale reads | {x['stale_after_bound']} on b after {x['bound_ms']:.0f} ms; {x['own_instance_stale']} on a right after its own write | {'met' if x['stale_after_bound'] == 0 and x['own_instance_stale'] == 0 else '**missed**'} |")
print()
print(f"Source of b's read just before each write: {x['b_sources_before_write']}.")
PY
  echo
  echo "L1 metrics at the end:"
  echo
  for name in a b c; do
    echo "  $name:"
    l1_metrics "${PORT_OF[$name]}"
  done
} >"$RESULTS"
log "results in $RESULTS"
cat "$RESULTS"
