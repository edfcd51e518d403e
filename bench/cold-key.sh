#!/usr/bin/env bash
# One cold key on Redis Cluster, measured (issue #22): three instances of the packaged service
# behind HAProxy, started afresh for each run (so their first requests find no open connection to
# the key's shard), then 300 requests for one key never cached, in 5 waves of 60 concurrent, through
# the balancer. Counts the aggregations of all three instances together (gad_stats_aggregation_
# seconds_count), COLD_RUNS (5) runs in a row, each on another user. Then Redis stopped (every
# node), the same load on a new user: each instance answers from PostgreSQL, one aggregation each
# at most. Production settings; prints figures, asserts nothing.
#
#   bench/cold-key.sh          (about 2 minutes after the first seeding)
#
# The small data set of bench/topology.sh (database $COLD_DB); Cluster nodes on $COLD_BASE_PORT..+5.
# Results: $COLD_RESULTS (bench/results/cold-key.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# shellcheck source=bench/lib/small.sh
. bench/lib/small.sh

RUNS=${COLD_RUNS:-5}
WAVES=5
CONCURRENT=60
DB=${COLD_DB:-gad_topology}
BASE=${COLD_BASE_PORT:-21300}
WORK=bench/.work/cold-key
RUN=$WORK/run
RESULTS=${COLD_RESULTS:-bench/results/cold-key.md}

log() { printf '[cold-key %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

find_tools java redis-server redis-cli psql curl openssl haproxy
find_app
rm -rf "$RUN"
mkdir -p "$RUN" "$(dirname "$RESULTS")"

PIDS=()
HAPROXY_PID=""
stop_instances() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
cleanup() {
  stop_instances
  if [ -n "$HAPROXY_PID" ]; then kill "$HAPROXY_PID" 2>/dev/null || true; fi
  deploy/redis/cluster.sh stop "$RUN/redis" >/dev/null 2>&1 || true
}
trap cleanup EXIT

seed_db "$DB" "$USERS" "$TASKS" "$RUN"
deploy/redis/cluster.sh start "$RUN/redis" "$BASE" >/dev/null
HOSTS=$(deploy/redis/cluster.sh hosts "$BASE")
PORTS=("$(free_port)" "$(free_port)" "$(free_port)")
while [ "${PORTS[1]}" = "${PORTS[0]}" ] || [ "${PORTS[2]}" = "${PORTS[0]}" ] || [ "${PORTS[2]}" = "${PORTS[1]}" ]; do
  PORTS=("$(free_port)" "$(free_port)" "$(free_port)")
done
LB=$(free_port)
cat >"$RUN/haproxy.cfg" <<CFG
global
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend api
  bind 127.0.0.1:$LB
  default_backend instances
backend instances
  balance roundrobin
  server i1 127.0.0.1:${PORTS[0]}
  server i2 127.0.0.1:${PORTS[1]}
  server i3 127.0.0.1:${PORTS[2]}
CFG
haproxy -f "$RUN/haproxy.cfg" >"$RUN/haproxy.log" 2>&1 &
HAPROXY_PID=$!

# the heaviest users first: their aggregation is the slowest, the widest window for a stampede
psql -d "$DB" -tAc "SELECT delegado_usuario_id FROM tareas WHERE deleted_at IS NULL
  AND inicio_programado > now() - interval '30 days' GROUP BY 1 ORDER BY count(*) DESC LIMIT $((RUNS + 1))" >"$RUN/users.txt"
mapfile -t COLD_USERS <"$RUN/users.txt"
mint efectivo "$RUN/tokens.txt" "${COLD_USERS[@]}"

start_all() {
  local i
  for i in 0 1 2; do
    start_instance "$RUN/service-$1-i$((i + 1)).log" "${PORTS[$i]}" "$DB" QUARKUS_REDIS_CLIENT_TYPE=cluster \
      "QUARKUS_REDIS_HOSTS=$HOSTS" CACHE_PREFIX="gadcold:"
    PIDS+=("$STARTED_PID")
  done
}

# summed SAMPLE: a counter's sample summed over the three instances
summed() {
  local sum=0 port
  for port in "${PORTS[@]}"; do sum=$((sum + $(metric "$port" "$1"))); done
  echo "$sum"
}
aggregations() { summed 'gad_stats_aggregation_seconds_count'; }
# what explains an aggregation past the first: a lock holder slower than the wait, or a Redis error
explained() { echo "$(summed 'gad_cache_lock_wait_expired_total') $(summed 'gad_cache_requests_total{result="error"}')"; }

# one_run NAME USER_LINE: the waves through the balancer; a table row in $RUN/rows
one_run() {
  local name=$1 id token before after wave
  read -r id token <<<"$2"
  before=$(aggregations)
  read -r expired_before errors_before <<<"$(explained)"
  for wave in $(seq 1 "$WAVES"); do
    "$PY" bench/lib/burst.py "$LB" "$id" "$token" 30 "$CONCURRENT" "$(date +%s%N)" "$RUN/$name-$wave.json" >/dev/null
  done
  after=$(aggregations)
  read -r expired_after errors_after <<<"$(explained)"
  "$PY" - "$name" "$id" "$((after - before))" "$((expired_after - expired_before))" "$((errors_after - errors_before))" \
    "$RUN"/"$name"-*.json >>"$RUN/rows" <<'PY'
import collections, json, sys
name, uid, aggregations, expired, errors = sys.argv[1:6]
statuses, answers, latencies = collections.Counter(), collections.Counter(), []
for f in sys.argv[6:]:
    r = json.load(open(f))
    statuses.update(r.get("statuses", {}))
    answers.update(r.get("sources", {}))
    latencies += [r.get("latency_ms_max") or 0]
print(f"| {name} | {uid} | {sum(statuses.values())} | {dict(statuses)} | {dict(answers)} | {max(latencies):.1f} | **{aggregations}** | {expired} | {errors} |")
PY
  log "$(tail -1 "$RUN/rows")"
}

: >"$RUN/rows"
for run in $(seq 1 "$RUNS"); do
  log "run $run: three fresh instances on Cluster"
  start_all "run$run"
  one_run "cold key, run $run" "$(sed -n "${run}p" "$RUN/tokens.txt")"
  stop_instances
done
log "Redis stopped: every Cluster node"
start_all redis-down
deploy/redis/cluster.sh stop "$RUN/redis" >/dev/null
one_run "Redis stopped" "$(sed -n "$((RUNS + 1))p" "$RUN/tokens.txt")"
stop_instances

{
  echo "# One cold key on Redis Cluster: measured $(date -u '+%F %H:%M') UTC, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo
  echo "Machine: $(nproc) cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg). \`bench/cold-key.sh\`: three instances"
  echo "of the packaged service behind HAProxy (round robin), on a Redis Cluster of 3 masters and 3 replicas,"
  echo "started afresh for each run; $((WAVES * CONCURRENT)) requests for one key never cached ($WAVES waves of $CONCURRENT at once,"
  echo "\`days=30\`, the heaviest users). Aggregations: \`gad_stats_aggregation_seconds_count\` of all three, before and after."
  echo "Target: 1 aggregation per run; with Redis stopped, at most 3 (one per instance)."
  echo
  echo "Lock waits expired: misses that waited \`CacheAside.LOCK_WAIT\` for another instance's load and then"
  echo "loaded themselves (\`gad_cache_lock_wait_expired_total\`); cache errors: \`gad_cache_requests_total{result=\"error\"}\`."
  echo
  echo "| run | user | requests | statuses | answers | slowest ms | aggregations | lock waits expired | cache errors |"
  echo "|---|---:|---:|---|---|---:|---:|---:|---:|"
  cat "$RUN/rows"
} >"$RESULTS"
cat "$RESULTS"
