#!/usr/bin/env bash
# The cache on each Redis topology, and through failovers and resharding, measured with wrk
# against the packaged service on loopback. Prints figures; asserts nothing.
#
#   bench/topology.sh                 every scenario below, in this order
#   bench/topology.sh hits            hits and misses on standalone, Cluster and Sentinel, same run
#   bench/topology.sh failover-cluster   a Cluster master killed (DEBUG SEGFAULT) under hits
#   bench/topology.sh failover-sentinel  the Sentinel master killed under hits
#   bench/topology.sh reshard         Cluster slots migrated (MOVED/ASK) under hits
#
# Each event scenario runs $TOPO_EVENT_SECONDS (20) one-second wrk slices back to back, so every
# second has its own request rate, non-2xx count, p50/p99/max and cache hit share (from
# /q/metrics); the event starts after $TOPO_EVENT_AT (5) seconds. A probe reads one hot user every
# 100 ms and records when the first cache hit comes back after the promotion.
# The Redis processes (deploy/redis/*.sh) run on ports $TOPO_BASE_PORT.. (never 6379) and are
# stopped at the end; the data set is a small bench/seed.sql run in database $TOPO_DB.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# shellcheck source=deploy/redis/lib.sh
. deploy/redis/lib.sh
# shellcheck source=bench/lib/service.sh
. bench/lib/service.sh

USERS=${TOPO_USERS:-2000}
TASKS=${TOPO_TASKS:-200000}
WORKING_SET=${TOPO_WORKING_SET:-500}
CONNECTIONS=${TOPO_CONNECTIONS:-16}
SECONDS_PER_RUN=${TOPO_SECONDS:-10}
WARMUP=${TOPO_WARMUP:-15}
ROUNDS=${TOPO_ROUNDS:-2}
EVENT_SECONDS=${TOPO_EVENT_SECONDS:-20}
EVENT_AT=${TOPO_EVENT_AT:-5}
RESHARD_SLOTS=${TOPO_RESHARD_SLOTS:-4000}
BASE=${TOPO_BASE_PORT:-21500}
PORT=${TOPO_PORT:-28472}
DB=${TOPO_DB:-gad_topology}
PREFIX=gadtopo:
WINDOW=30
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
export PGHOST PGPORT PGUSER
JAVA_OPTS=${TOPO_JAVA_OPTS:--XX:+UseSerialGC -Xmx64m -XX:NewRatio=1 -XX:SurvivorRatio=4 -XX:MetaspaceSize=64m}
WORK=bench/.work/topology
RESULTS=${TOPO_RESULTS:-bench/results/topology.md}
STANDALONE_PORT=$BASE
CLUSTER_BASE=$((BASE + 10))
SENTINEL_BASE=$((BASE + 20))

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(hits failover-cluster failover-sentinel reshard)

log() { printf '[topology %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

find_tools java wrk redis-server redis-cli psql curl openssl
find_app
RUN=$WORK/run
rm -rf "$RUN"
mkdir -p "$RUN"

SVC_PID=""
SVC_LOG=""
PROBE_PID=""
cleanup() {
  [ -z "$PROBE_PID" ] || kill "$PROBE_PID" 2>/dev/null || true
  if [ -n "$SVC_PID" ]; then kill "$SVC_PID" 2>/dev/null || true; wait "$SVC_PID" 2>/dev/null || true; fi
  stop_all "$RUN/redis"
}
trap cleanup EXIT

# start_service LOG [VAR=value...]: the packaged service on $PORT with the given Redis settings
start_service() {
  SVC_LOG=$1
  shift
  start_instance "$SVC_LOG" "$PORT" "$DB" CACHE_PREFIX=$PREFIX "$@"
  SVC_PID=$STARTED_PID
}
stop_service() {
  kill "$SVC_PID"
  wait "$SVC_PID" 2>/dev/null || true
  SVC_PID=""
}

# ---- data set and tokens -------------------------------------------------------------------------
seed_db "$DB" "$USERS" "$TASKS" "$RUN"
mint efectivo "$RUN/tokens-all.txt" "1-$USERS"
step=$((USERS / WORKING_SET))
awk -v s="$step" -v n="$WORKING_SET" '($1 - 1) % s == 0 && c < n {print; c++}' "$RUN/tokens-all.txt" >"$RUN/tokens-hot.txt"
read -r PROBE_USER PROBE_TOKEN <"$RUN/tokens-hot.txt"

# ---- load ------------------------------------------------------------------------------------------
HIT="days=$WINDOW"
MISS="days=$WINDOW&use_cache=false"

wrk_json() { # OUT CONNECTIONS TOKENS QUERY SECONDS: one wrk run, its JSON summary in OUT
  BENCH_TOKENS="$RUN/$3" BENCH_QUERY="$4" BENCH_OUT="$1" BENCH_THREADS=1 \
    wrk -t1 -c"$2" -d"${5}s" --timeout 5s -s bench/lib/stats.lua "http://127.0.0.1:$PORT" >/dev/null 2>&1
}

counter() { # METRICS_FILE RESULT: gad_cache_requests_total{result=RESULT}
  awk -v r="result=\"$2\"" '$1 ~ /^gad_cache_requests_total/ && index($1, r) { v = $2 } END { printf "%d", v }' "$1"
}

# summary NAME FILE: "rps p50 p99 non2xx" of a wrk JSON summary
summary() {
  "$PY" - "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
e = r["errors"]
print(f'{r["rps"]:.0f} {r["latency_us"]["p50"] / 1000:.2f} {r["latency_us"]["p99"] / 1000:.2f} '
      f'{e["status"] + e["connect"] + e["read"] + e["write"] + e["timeout"]}')
PY
}

# cpu_ms: CPU the service has used so far (all threads), in ms
cpu_ms() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1000 / hz }' "/proc/$SVC_PID/stat"
}

# measured OUT TOKENS QUERY: one steady run; prints "rps p50 p99 non2xx cpu_us_per_request"
measured() {
  local c0 c1 requests
  c0=$(cpu_ms)
  wrk_json "$1" "$CONNECTIONS" "$2" "$3" "$SECONDS_PER_RUN"
  c1=$(cpu_ms)
  requests=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["requests"])' "$1")
  echo "$(summary x "$1") $(( (c1 - c0) * 1000 / (requests > 0 ? requests : 1) ))"
}

# steady NAME: hit and miss throughput of the running service. On a shared machine the request
# rate moves with the neighbours' load; the service's CPU per request moves much less.
steady() {
  local name=$1
  local file=${name// /-}
  file=${file//[()]/}
  wrk_json "$RUN/$file-warmup.json" "$CONNECTIONS" tokens-hot.txt "$HIT" "$WARMUP"
  read -r hrps hp50 hp99 herr hcpu < <(measured "$RUN/$file-hit.json" tokens-hot.txt "$HIT")
  wrk_json "$RUN/$file-warmup-miss.json" "$CONNECTIONS" tokens-all.txt "$MISS" "$((WARMUP / 2))"
  read -r mrps mp50 mp99 merr mcpu < <(measured "$RUN/$file-miss.json" tokens-all.txt "$MISS")
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$hrps" "$hp50" "$hp99" "$herr" "$hcpu" \
    "$mrps" "$mp50" "$mp99" "$merr" "$mcpu" >>"$RUN/steady.md"
  log "$name: hits $hrps req/s p99 $hp99 ms ${hcpu} us CPU/req, misses $mrps req/s p99 $mp99 ms ${mcpu} us CPU/req"
}

# probe OUT: every 100 ms, one read of a hot user: "t status seconds hit"
probe() {
  local t0=$1 out=$2 line
  while true; do
    line=$(curl -s -o "$RUN/probe.body" -w '%{http_code} %{time_total}' -m 5 \
      -H "Authorization: Bearer $PROBE_TOKEN" "http://127.0.0.1:$PORT/api/v1/stats/user/$PROBE_USER?$HIT" || echo "000 0")
    echo "$(since "$t0") $line $(grep -o '"hit":[a-z]*' "$RUN/probe.body" | cut -d: -f2)" >>"$out"
    sleep 0.1
  done
}

# under_event NAME EVENT_FUNCTION: one-second slices of hits with the event started at EVENT_AT
under_event() {
  local name=$1 event=$2 t0 s hits total r
  wrk_json "$RUN/$name-warmup.json" "$CONNECTIONS" tokens-hot.txt "$HIT" "$WARMUP"
  t0=$(now)
  echo "$t0" >"$RUN/$name-t0"
  probe "$t0" "$RUN/$name-probe.txt" &
  PROBE_PID=$!
  ( sleep "$EVENT_AT"; "$event" "$t0" ) >"$RUN/$name-event.txt" 2>&1 &
  local event_pid=$!
  echo "| slice end (s) | req/s | non-2xx | p50 ms | p99 ms | max ms | cache hits |" >"$RUN/$name-slices.md"
  echo "|---|---|---|---|---|---|---|" >>"$RUN/$name-slices.md"
  for s in $(seq 1 "$EVENT_SECONDS"); do
    curl -s "http://127.0.0.1:$PORT/q/metrics" >"$RUN/m-before"
    wrk_json "$RUN/$name-slice-$s.json" "$CONNECTIONS" tokens-hot.txt "$HIT" 1
    since "$t0" >>"$RUN/$name-slice-ends"
    echo >>"$RUN/$name-slice-ends"
    curl -s "http://127.0.0.1:$PORT/q/metrics" >"$RUN/m-after"
    hits=$(( $(counter "$RUN/m-after" hit) - $(counter "$RUN/m-before" hit) ))
    total=0
    for r in hit miss stale error bypass; do
      total=$(( total + $(counter "$RUN/m-after" "$r") - $(counter "$RUN/m-before" "$r") ))
    done
    "$PY" - "$RUN/$name-slice-$s.json" "$(since "$t0")" "$hits" "$total" >>"$RUN/$name-slices.md" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
e = r["errors"]
hits, total = int(sys.argv[3]), int(sys.argv[4])
share = f"{100 * hits / total:.0f} %" if total else "-"
print(f'| {sys.argv[2]} | {r["rps"]:.0f} | {e["status"] + e["connect"] + e["read"] + e["write"] + e["timeout"]} | '
      f'{r["latency_us"]["p50"] / 1000:.1f} | {r["latency_us"]["p99"] / 1000:.1f} | {r["latency_us"]["max"] / 1000:.1f} | {share} |')
PY
  done
  wait "$event_pid" || true
  kill "$PROBE_PID" 2>/dev/null || true
  wait "$PROBE_PID" 2>/dev/null || true
  PROBE_PID=""
  "$PY" - "$RUN" "$name" "$SVC_LOG" >>"$RUN/events.md" <<'PY'
import datetime, glob, json, re, sys
run, name, service_log = sys.argv[1], sys.argv[2], sys.argv[3]
t0 = float(open(f"{run}/{name}-t0").read())
slices = [json.load(open(f)) for f in sorted(glob.glob(f"{run}/{name}-slice-*.json"),
                                                key=lambda f: int(re.search(r"-(\d+)\.json$", f).group(1)))]
non2xx = sum(s["errors"]["status"] + s["errors"]["connect"] + s["errors"]["read"] + s["errors"]["write"]
             + s["errors"]["timeout"] for s in slices)
requests = sum(s["requests"] for s in slices)
event = {}
for line in open(f"{run}/{name}-event.txt"):
    if "=" in line:
        k, v = line.strip().split("=", 1)
        event[k] = v
event_at = float(event.get("killed_at", event.get("started_at", "nan")))
done = float(event.get("promoted_at", event.get("done_at", "nan")))
# the service's own view: cache errors and breaker transitions, relative to the load's start
errors, breaker = 0, []
for line in open(service_log):
    if not line.startswith("{"):
        continue
    entry = json.loads(line)
    t = datetime.datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00")).timestamp() - t0
    if t < 0:
        continue
    if entry["message"].startswith("cache error"):
        errors += 1
    if entry["message"].startswith("Redis circuit breaker"):
        breaker.append(f'{entry["message"].split()[-1]} {t:.1f}')
first_hit = None
worst = 0.0
for line in open(f"{run}/{name}-probe.txt"):
    parts = line.split()
    if len(parts) < 3:
        continue
    t, status, seconds = float(parts[0]), parts[1], float(parts[2])
    hit = len(parts) > 3 and parts[3] == "true"
    if t >= event_at:
        worst = max(worst, seconds)
    if t >= done and hit and first_hit is None:
        first_hit = t
# p99 of the slices that end after the event and start before 5 s after its end
ends = [float(x) for x in open(f"{run}/{name}-slice-ends").read().split()]
during = [s["latency_us"]["p99"] / 1000 for s, end in zip(slices, ends) if event_at <= end and end - 1 <= done + 5]
back = f"{first_hit - done:.2f} s" if first_hit is not None else "no hit seen"
print(f"| {name} | {requests} | {non2xx} | {event.get('detail', '')} at {event_at:.1f} s | {done - event_at:.2f} s | {back} | "
      f"{max(during) if during else float('nan'):.1f} ms | {worst * 1000:.0f} ms | {errors}; breaker {', '.join(breaker) or '-'} |")
PY
  log "$name: $(tail -1 "$RUN/events.md")"
}

# ---- topologies ----------------------------------------------------------------------------------
CLUSTER_ENV=()
SENTINEL_ENV=()
start_cluster() {
  deploy/redis/cluster.sh start "$RUN/redis" "$CLUSTER_BASE" >/dev/null
  CLUSTER_ENV=(QUARKUS_REDIS_CLIENT_TYPE=cluster "QUARKUS_REDIS_HOSTS=$(deploy/redis/cluster.sh hosts "$CLUSTER_BASE")")
}
start_sentinel() {
  deploy/redis/sentinel.sh start "$RUN/redis" "$SENTINEL_BASE" >/dev/null
  SENTINEL_ENV=(QUARKUS_REDIS_CLIENT_TYPE=sentinel "QUARKUS_REDIS_HOSTS=$(deploy/redis/sentinel.sh hosts "$SENTINEL_BASE")"
    QUARKUS_REDIS_MASTER_NAME=gadmaster QUARKUS_REDIS_ROLE=master)
}

# Events: each prints key=value lines (promoted_at / done_at relative to the load's start).
kill_cluster_master() {
  local t0=$1 slot owner victim replica
  # the master of the probe user's slot, and its replica
  slot=$(redis-cli -p "$CLUSTER_BASE" CLUSTER KEYSLOT "${PREFIX}gen:v2:{u$PROBE_USER}")
  owner=$(redis-cli -p "$CLUSTER_BASE" CLUSTER NODES | awk -v s="$slot" '$3 ~ /master/ {
      for (i = 9; i <= NF; i++) { n = split($i, r, "-"); if ((n == 1 && r[1] == s) || (n == 2 && s >= r[1] && s <= r[2])) print $1 } }')
  victim=$(redis-cli -p "$CLUSTER_BASE" CLUSTER NODES | awk -v id="$owner" '$1 == id { split($2, a, "@"); split(a[1], b, ":"); print b[2] }')
  replica=$(redis-cli -p "$CLUSTER_BASE" CLUSTER NODES | awk -v id="$owner" '$4 == id { split($2, a, "@"); split(a[1], b, ":"); print b[2] }')
  echo "killed_at=$(since "$t0")"
  redis-cli -p "$victim" DEBUG SEGFAULT >/dev/null 2>&1 || true
  until redis-cli -p "$replica" ROLE 2>/dev/null | head -n1 | grep -q master; do sleep 0.05; done
  echo "promoted_at=$(since "$t0")"
  echo "detail=master :$victim killed, replica :$replica promoted"
}
kill_sentinel_master() {
  local t0=$1 victim new
  victim=$(redis-cli -p $((SENTINEL_BASE + 2)) SENTINEL GET-MASTER-ADDR-BY-NAME gadmaster | tail -n1)
  echo "killed_at=$(since "$t0")"
  redis-cli -p "$victim" DEBUG SEGFAULT >/dev/null 2>&1 || true
  new=$victim
  while [ "$new" = "$victim" ]; do
    sleep 0.05
    new=$(redis-cli -p $((SENTINEL_BASE + 2)) SENTINEL GET-MASTER-ADDR-BY-NAME gadmaster | tail -n1)
  done
  echo "promoted_at=$(since "$t0")"
  echo "detail=master :$victim killed, :$new promoted"
}
reshard_cluster() {
  local t0=$1
  echo "started_at=$(since "$t0")"
  deploy/redis/cluster.sh reshard "$CLUSTER_BASE" "$RESHARD_SLOTS" >"$RUN/reshard.log" 2>&1
  echo "done_at=$(since "$t0")"
  echo "detail=$RESHARD_SLOTS slots migrated with their keys"
}

# ---- scenarios -----------------------------------------------------------------------------------
echo "| topology | hits req/s | hit p50 ms | hit p99 ms | hit non-2xx | hit CPU µs/req | misses req/s | miss p50 ms | miss p99 ms | miss non-2xx | miss CPU µs/req |" >"$RUN/steady.md"
echo "|---|---|---|---|---|---|---|---|---|---|---|" >>"$RUN/steady.md"
echo "| event | requests | non-2xx | what (s after the load started) | event to promotion / end | promotion / end to first hit | worst 1-s p99 | slowest probe | cache errors; breaker (s) |" >"$RUN/events.md"
echo "|---|---|---|---|---|---|---|---|---|" >>"$RUN/events.md"

for scenario in "${scenarios[@]}"; do
  case "$scenario" in
    hits)
      start_server "$RUN/redis" "$STANDALONE_PORT" >/dev/null
      wait_until 10 "standalone Redis" answers "$STANDALONE_PORT"
      start_cluster
      start_sentinel
      # rounds in turn, so a change of the neighbours' load hits every topology alike
      for round in $(seq 1 "$ROUNDS"); do
        start_service "$RUN/service-standalone-$round.log" REDIS_HOST=127.0.0.1 REDIS_PORT="$STANDALONE_PORT"
        steady "standalone (round $round)"
        stop_service
        start_service "$RUN/service-cluster-$round.log" "${CLUSTER_ENV[@]}"
        steady "cluster (round $round)"
        stop_service
        start_service "$RUN/service-sentinel-$round.log" "${SENTINEL_ENV[@]}"
        steady "sentinel (round $round)"
        stop_service
      done
      stop_all "$RUN/redis"
      ;;
    failover-cluster)
      start_cluster
      start_service "$RUN/service-failover-cluster.log" "${CLUSTER_ENV[@]}"
      under_event failover-cluster kill_cluster_master
      stop_service
      stop_all "$RUN/redis"
      ;;
    failover-sentinel)
      start_sentinel
      start_service "$RUN/service-failover-sentinel.log" "${SENTINEL_ENV[@]}"
      under_event failover-sentinel kill_sentinel_master
      stop_service
      stop_all "$RUN/redis"
      ;;
    reshard)
      start_cluster
      start_service "$RUN/service-reshard.log" "${CLUSTER_ENV[@]}"
      under_event reshard reshard_cluster
      stop_service
      stop_all "$RUN/redis"
      ;;
    *) echo "unknown scenario: $scenario" >&2; exit 2 ;;
  esac
done

{
  echo "# Redis topologies: measured $(date -u +'%F %H:%M UTC')"
  echo
  echo "Machine: $(nproc) cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg); $USERS users, $TASKS tasks;"
  echo "wrk -t1 -c$CONNECTIONS, hits over $WORKING_SET users; service: the default event loops (one per core), $JAVA_OPTS."
  echo
  if [ "$(wc -l <"$RUN/steady.md")" -gt 2 ]; then
    echo "## Steady state (${SECONDS_PER_RUN} s each, after ${WARMUP} s of warm-up)"
    echo
    cat "$RUN/steady.md"
    echo
  fi
  if [ "$(wc -l <"$RUN/events.md")" -gt 2 ]; then
    echo "## Events under load (${EVENT_SECONDS} one-second slices, event at ${EVENT_AT} s)"
    echo
    cat "$RUN/events.md"
    for f in "$RUN"/*-slices.md; do
      [ -f "$f" ] || continue
      echo
      echo "### $(basename "$f" -slices.md)"
      echo
      cat "$f"
    done
  fi
} >"$RESULTS"
cat "$RESULTS"
log "results in $RESULTS, raw outputs in $RUN"
