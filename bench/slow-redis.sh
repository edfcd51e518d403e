#!/usr/bin/env bash
# A slow Redis, measured (docs/failure-behaviour.md): Redis answers, but every chunk, both ways,
# takes DELAY_MS (1,000) through a delaying proxy. After a warm-up through the same proxy without
# delay, SLOW_REQUESTS (30) sequential statistics reads of one user with the cache on, then as many
# with use_cache=false (the database read the fallback costs). Prints each latency and the
# breaker's state, the worst, and the median of the reads made once the breaker was open beside the
# use_cache=false median. Production settings; prints figures, asserts nothing.
#
#   bench/slow-redis.sh          (about a minute after the first seeding)
#
# The packaged service on a Redis of its own (free port) and the small data set of
# bench/topology.sh (database $SLOW_DB). Parameters: SLOW_DELAY_MS (1000), SLOW_REQUESTS (30),
# SLOW_RESULTS (bench/results/slow-redis.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# shellcheck source=bench/lib/small.sh
. bench/lib/small.sh

DELAY_MS=${SLOW_DELAY_MS:-1000}
REQUESTS=${SLOW_REQUESTS:-30}
DB=${SLOW_DB:-gad_topology}
WORK=bench/.work/slow-redis
RUN=$WORK/run
RESULTS=${SLOW_RESULTS:-bench/results/slow-redis.md}

log() { printf '[slow-redis %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

find_tools java redis-server redis-cli psql curl openssl
find_app
rm -rf "$RUN"
mkdir -p "$RUN" "$(dirname "$RESULTS")"

SVC_PID=""
PROXY_PID=""
stop_proxy() {
  if [ -n "$PROXY_PID" ]; then kill "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true; PROXY_PID=""; fi
}
cleanup() {
  if [ -n "$SVC_PID" ]; then kill "$SVC_PID" 2>/dev/null || true; wait "$SVC_PID" 2>/dev/null || true; fi
  stop_proxy
  stop_all "$RUN/redis"
}
trap cleanup EXIT

# start_proxy DELAY_MS: the proxy on $PROXY_PORT in front of $REDIS_PORT
start_proxy() {
  "$PY" bench/lib/delay_proxy.py "$PROXY_PORT" "$REDIS_PORT" "$1" >"$RUN/proxy-$1.log" 2>&1 &
  PROXY_PID=$!
  wait_until 10 "the proxy on $PROXY_PORT" answers "$PROXY_PORT"
}

REDIS_PORT=$(free_port)
start_server "$RUN/redis" "$REDIS_PORT" >/dev/null
wait_until 10 "Redis on $REDIS_PORT" answers "$REDIS_PORT"
seed_db "$DB" "$USERS" "$TASKS" "$RUN"
mint efectivo "$RUN/tokens.txt" 1-200
PROXY_PORT=$(free_port)
start_proxy 0

port=$(free_port)
start_instance "$RUN/service.log" "$port" "$DB" REDIS_HOST=127.0.0.1 REDIS_PORT="$PROXY_PORT" CACHE_PREFIX="gadslow:"
SVC_PID=$STARTED_PID

# get TOKEN_LINE QUERY: "<ms> <status>" of one statistics read
get() {
  local id token
  read -r id token <<<"$1"
  curl -s -o /dev/null -w '%{time_total} %{http_code}\n' -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$port/api/v1/stats/user/$id?$2" | awk '{ printf "%.1f %s\n", $1 * 1000, $2 }'
}

log "warm-up through the proxy without delay: every read path, 200 users, 3 rounds"
for _ in 1 2 3; do
  while read -r line; do
    get "$line" "days=30" >/dev/null
    get "$line" "days=30&use_cache=false" >/dev/null
  done <"$RUN/tokens.txt"
done

log "the proxy now holds every chunk $DELAY_MS ms (its pooled connections are dropped and made again through it)"
stop_proxy
start_proxy "$DELAY_MS"
# the fault is in place: a PING through the proxy takes the delay twice (there and back)
ping_start=$(date +%s%N)
redis-cli -p "$PROXY_PORT" PING >/dev/null
ping_ms=$(( ($(date +%s%N) - ping_start) / 1000000 ))
log "a PING through the proxy took $ping_ms ms"
reader=$(sed -n 7p "$RUN/tokens.txt")
: >"$RUN/cached.txt"
for i in $(seq 1 "$REQUESTS"); do
  read -r ms status <<<"$(get "$reader" "days=30")"
  echo "$i $ms $status $(metric "$port" 'gad_cache_circuit_state')" >>"$RUN/cached.txt"
done
: >"$RUN/database.txt"
for i in $(seq 1 "$REQUESTS"); do
  get "$reader" "days=30&use_cache=false" >>"$RUN/database.txt"
done
excused=$(metric "$port" 'gad_cache_deadline_excused_total')

"$PY" - "$RUN/cached.txt" "$RUN/database.txt" "$DELAY_MS" "$REQUESTS" "$excused" >"$RESULTS.tmp" <<'PY'
import statistics, sys
cached = [line.split() for line in open(sys.argv[1])]
database = [float(line.split()[0]) for line in open(sys.argv[2])]
delay, count, excused = sys.argv[3], int(sys.argv[4]), sys.argv[5]
times = [float(c[1]) for c in cached]
open_times = [float(c[1]) for c in cached if c[3] == "1"]
non200 = sum(1 for c in cached if c[2] != "200") + 0
print(f"| reads, cache on | {count} | {max(times):.1f} | {statistics.median(times):.1f} | "
      f"{len(open_times)} | {statistics.median(open_times) if open_times else float('nan'):.1f} | {non200} |")
print(f"| reads, `use_cache=false` | {count} | {max(database):.1f} | {statistics.median(database):.1f} | | | |")
if open_times:
    print(f"\nBreaker open: median {statistics.median(open_times):.1f} ms against {statistics.median(database):.1f} ms for a plain"
          f" database read (difference {statistics.median(open_times) - statistics.median(database):+.1f} ms).")
print(f"\nDeadlines excused (this process busy) during the run: {excused}.")
print("\nEach read, cache on (ms, status, breaker: 0 closed, 1 open, 2 half-open):\n")
print(", ".join(f"{c[1]} ({c[2]}, {c[3]})" for c in cached))
PY
{
  echo "# A slow Redis: measured $(date -u '+%F %H:%M') UTC, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo
  echo "Machine: $(nproc) cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg). \`bench/slow-redis.sh\`:"
  echo "every chunk to and from Redis held $DELAY_MS ms by a proxy (a PING through it: $ping_ms ms); production settings;"
  echo "$REQUESTS sequential reads of one cached user, then $REQUESTS with \`use_cache=false\`."
  echo
  echo "| reads | count | worst ms | median ms | with the breaker open | their median ms | non-200 |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  cat "$RESULTS.tmp"
} >"$RESULTS"
rm -f "$RESULTS.tmp"
cat "$RESULTS"
