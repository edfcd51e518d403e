#!/usr/bin/env bash
# Refresh ahead measured (docs/cache-design.md "Refresh ahead"): a short TTL (CACHE_TTL=20s) and
# hits at 32 connections cycling over 1,000 users, so every user is read more than once a second.
# After a warm-up that caches every user, it counts the requests answered as a miss (from the
# service's own metrics, before and after) and the aggregations per key per TTL. Then the same
# against an instance with refresh ahead switched off, for comparison. Prints figures; asserts nothing.
#
#   bench/refresh-ahead.sh              (about 3 minutes after the first seeding)
#
# One instance at a time of the packaged service on a Redis of its own (free port) and the small
# data set of bench/topology.sh (database $REFRESH_DB, 2,000 users, 200,000 tasks, bench/seed.sql).
# Parameters: REFRESH_SECONDS (60), REFRESH_WARMUP (10), REFRESH_CONNECTIONS (32),
# REFRESH_USERS (1000), REFRESH_TTL (20s), REFRESH_BASELINE (1: also run with refresh ahead off),
# REFRESH_RESULTS (bench/results/refresh-ahead.md), REFRESH_JSON (also each instance's figures as
# JSON, in REFRESH_JSON.on and REFRESH_JSON.off: bench/run.sh reads them).
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
DURATION=${REFRESH_SECONDS:-60}
WARMUP=${REFRESH_WARMUP:-10}
CONNECTIONS=${REFRESH_CONNECTIONS:-32}
HOT_USERS=${REFRESH_USERS:-1000}
TTL=${REFRESH_TTL:-20s}
BASELINE=${REFRESH_BASELINE:-1}
DB=${REFRESH_DB:-gad_topology}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
export PGHOST PGPORT PGUSER
WORK=bench/.work/refresh-ahead
RUN=$WORK/run
RESULTS=${REFRESH_RESULTS:-bench/results/refresh-ahead.md}

log() { printf '[refresh-ahead %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

find_tools java wrk redis-server redis-cli psql curl openssl
find_app
rm -rf "$RUN"
mkdir -p "$RUN" "$(dirname "$RESULTS")"

SVC_PID=""
cleanup() {
  if [ -n "$SVC_PID" ]; then kill "$SVC_PID" 2>/dev/null || true; wait "$SVC_PID" 2>/dev/null || true; fi
  stop_all "$RUN/redis"
}
trap cleanup EXIT

REDIS_PORT=$(free_port)
start_server "$RUN/redis" "$REDIS_PORT" >/dev/null
wait_until 10 "Redis on $REDIS_PORT" answers "$REDIS_PORT"
seed_db "$DB" "$USERS" "$TASKS" "$RUN"
mint efectivo "$RUN/tokens-all.txt" "1-$USERS"
head -n "$HOT_USERS" "$RUN/tokens-all.txt" >"$RUN/tokens-hot.txt"

# wrk_run NAME PORT SECONDS: hits cycling over the hot users; the JSON summary in $RUN/NAME.json
wrk_run() {
  BENCH_TOKENS="$RUN/tokens-hot.txt" BENCH_QUERY="days=$WINDOW" BENCH_OUT="$RUN/$1.json" BENCH_THREADS=1 BENCH_STATUS=1 \
    wrk -t1 -c"$CONNECTIONS" -d"$3s" --timeout 5s -s bench/lib/stats.lua "http://127.0.0.1:$2" >"$RUN/$1.txt" 2>&1
}

# counters PORT: "misses stale errors hits refreshed busy fresh invalidated failed deferred" of the instance
counters() {
  local m=() sample
  for sample in 'gad_cache_requests_total{result="miss"}' 'gad_cache_requests_total{result="stale"}' \
      'gad_cache_requests_total{result="error"}' 'gad_cache_requests_total{result="hit"}' \
      'gad_cache_refresh_ahead_total{result="refreshed"}' 'gad_cache_refresh_ahead_total{result="busy"}' \
      'gad_cache_refresh_ahead_total{result="fresh"}' 'gad_cache_refresh_ahead_total{result="invalidated"}' \
      'gad_cache_refresh_ahead_total{result="failed"}' 'gad_cache_refresh_ahead_total{result="deferred"}'; do
    m+=("$(metric "$1" "$sample")")
  done
  echo "${m[*]}"
}

# scenario NAME REFRESH_ENABLED: one instance, warm-up, the measured run; a table row in $RUN/NAME.row
scenario() {
  local name=$1 enabled=$2 port prefix
  port=$(free_port)
  prefix="gadrefresh$name:"
  start_instance "$RUN/service-$name.log" "$port" "$DB" \
    REDIS_HOST=127.0.0.1 REDIS_PORT="$REDIS_PORT" CACHE_PREFIX="$prefix" CACHE_TTL="$TTL" \
    GAD_CACHE_REFRESH_AHEAD_ENABLED="$enabled"
  SVC_PID=$STARTED_PID
  log "$name (refresh ahead $enabled): warm-up ${WARMUP} s, c=$CONNECTIONS over $HOT_USERS users"
  wrk_run "warm-$name" "$port" "$WARMUP"
  local cached
  cached=$(redis-cli -p "$REDIS_PORT" --scan --pattern "${prefix}stats:*" | wc -l)
  read -r -a before <<<"$(counters "$port")"
  log "$name: $cached of $HOT_USERS users cached; measuring ${DURATION} s"
  wrk_run "hits-$name" "$port" "$DURATION"
  read -r -a after <<<"$(counters "$port")"
  kill "$SVC_PID" 2>/dev/null || true
  wait "$SVC_PID" 2>/dev/null || true
  SVC_PID=""
  local d=() i
  for i in "${!after[@]}"; do d+=($(( after[i] - before[i] ))); done
  "$PY" - "$RUN/hits-$name.json" "$name" "$enabled" "$cached" "$HOT_USERS" "$DURATION" "${TTL%s}" "${d[@]}" >"$RUN/$name.row" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1]))
name, enabled, cached, users, seconds, ttl = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
miss, stale, error, hit, refreshed, busy, fresh, invalidated, failed, deferred = map(int, sys.argv[8:18])
statuses = r.get("statuses", {})
non_200 = sum(v for k, v in statuses.items() if k != "200")
per_user_gap_ms = 1000.0 * users / r["rps"] if r["rps"] else float("inf")
# the last bucket is the fraction of a second wrk ran past the last whole one: not a quiet second
per_second = r.get("ok_per_second") or [0]
quietest = min(per_second[:-1] or per_second)
aggregations = miss + stale + error + refreshed
per_key_per_ttl = aggregations / (users * seconds / ttl)
if os.environ.get("REFRESH_JSON"):
    with open(os.environ["REFRESH_JSON"] + "." + name, "w") as f:
        json.dump({"answered_as_miss": miss + stale + error, "per_key_per_ttl": round(per_key_per_ttl, 3),
                   "cached": cached, "users": users, "rps": r["rps"], "non_200": non_200}, f)
print(f"| {name} | {enabled} | {cached}/{users} | {r['rps']:.0f} | {quietest} | {per_user_gap_ms:.0f} | {miss + stale + error} "
      f"| {refreshed} | {busy}/{fresh}/{invalidated}/{failed}/{deferred} | {per_key_per_ttl:.2f} | {r['latency_us']['p99'] / 1000:.2f} | {non_200} |")
PY
  log "$name: $(cat "$RUN/$name.row")"
}

scenario on true
[ "$BASELINE" = 1 ] && scenario off false

{
  echo "# Refresh ahead: measured $(date -u '+%F %H:%M') UTC, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- app pom.xml 2>/dev/null || echo '+dirty')"
  echo
  echo "Machine: $(nproc) cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg); $USERS users, $TASKS tasks."
  echo "\`CACHE_TTL=$TTL\`; wrk -t1 -c$CONNECTIONS cycling over $HOT_USERS users (\`days=$WINDOW\`): ${WARMUP} s of warm-up, then ${DURATION} s measured."
  echo "Counts are the instance's own metrics over the measured run (\`gad_cache_requests_total\`, \`gad_cache_refresh_ahead_total\`)."
  echo "Answered as a miss: miss + stale + error (each one waited for an aggregation)."
  echo "Aggregations per key per TTL: (answered as a miss + refreshed) / ($HOT_USERS keys x ${DURATION} s / TTL); 1.00 is one per key per TTL."
  echo "Each user is read every (users / req/s) on average: the round-robin gap; quietest second: fewest 2xx answers in one whole second."
  echo
  echo "| instance | refresh ahead | cached after warm-up | req/s | quietest second | gap per user ms | answered as a miss | refreshed | busy/fresh/invalidated/failed/deferred | aggregations per key per TTL | p99 ms | non-200 |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"
  cat "$RUN"/on.row
  [ -f "$RUN/off.row" ] && cat "$RUN/off.row"
} >"$RESULTS"
cat "$RESULTS"
