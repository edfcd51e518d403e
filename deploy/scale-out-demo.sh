#!/usr/bin/env bash
# Three instances of the packaged service behind HAProxy, one Redis, and a real Prometheus that
# scrapes them with deploy/prometheus (its rules unchanged), all on loopback. Prints the evidence:
#   1. a cold key read by many clients at once, through the load balancer, costs one aggregation
#      in all three instances together;
#   2. an invalidation (endpoint or task write) made through one instance is seen by the others;
#   3. every query of the Grafana dashboard returns data from this Prometheus;
#   4. Redis down: the alert rules go pending, then firing, read through Prometheus' HTTP API,
#      while the clients keep getting 200 from PostgreSQL.
#
#   deploy/scale-out-demo.sh            (about 5 minutes; DEMO_FIRING_WAIT=0 skips waiting for firing)
#
# Needs haproxy, prometheus, redis-server, wrk, psql, curl and python3-jwt (Debian packages) and
# the machine's PostgreSQL. Ports from $DEMO_BASE_PORT (21700: Redis; +10..+13 the balancer and
# instances; Prometheus on $DEMO_PROMETHEUS_PORT, 29091). Everything it starts is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# shellcheck source=deploy/redis/lib.sh
. deploy/redis/lib.sh
# shellcheck source=bench/lib/service.sh
. bench/lib/service.sh

BASE=${DEMO_BASE_PORT:-21700}
REDIS_PORT=$BASE
LB_PORT=$((BASE + 10))
INSTANCE_PORTS=($((BASE + 11)) $((BASE + 12)) $((BASE + 13)))
PROM_PORT=${DEMO_PROMETHEUS_PORT:-29091}
FIRING_WAIT=${DEMO_FIRING_WAIT:-200}
DB=${DEMO_DB:-gad_topology}
USERS=2000
TASKS=200000
PREFIX=gaddemo:
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
export PGHOST PGPORT PGUSER
WORK=bench/.work/scale-out-demo
RUN=$WORK/run
OUT=${DEMO_RESULTS:-bench/results/scale-out-demo.txt}

find_tools java wrk redis-server redis-cli psql curl openssl haproxy prometheus
find_app
rm -rf "$RUN"
mkdir -p "$RUN" "$(dirname "$OUT")"
: >"$OUT"

say() { printf '%s\n' "$*" | tee -a "$OUT"; }
section() { say ""; say "== $*"; }

PIDS=()
LOAD_FLAG=$RUN/load.on
cleanup() {
  rm -f "$LOAD_FLAG"
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  stop_all "$RUN/redis"
}
trap cleanup EXIT

# ---- Redis, data, three instances, the balancer, Prometheus ---------------------------------------
start_server "$RUN/redis" "$REDIS_PORT" >/dev/null
wait_until 10 "Redis on $REDIS_PORT" answers "$REDIS_PORT"
seed_db "$DB" "$USERS" "$TASKS" "$RUN"
for i in 0 1 2; do
  start_instance "$RUN/instance-$i.log" "${INSTANCE_PORTS[$i]}" "$DB" CACHE_PREFIX=$PREFIX \
    REDIS_HOST=127.0.0.1 REDIS_PORT="$REDIS_PORT"
  PIDS+=("$STARTED_PID")
done

cat >"$RUN/haproxy.cfg" <<EOF
global
  maxconn 2048
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
frontend api
  bind 127.0.0.1:$LB_PORT
  default_backend gad
backend gad
  balance roundrobin
  option httpchk GET /q/health/ready
  server a 127.0.0.1:${INSTANCE_PORTS[0]} check inter 2s
  server b 127.0.0.1:${INSTANCE_PORTS[1]} check inter 2s
  server c 127.0.0.1:${INSTANCE_PORTS[2]} check inter 2s
EOF
haproxy -f "$RUN/haproxy.cfg" -db >"$RUN/haproxy.log" 2>&1 &
PIDS+=($!)

# deploy/prometheus/prometheus.yml with the three instances as targets and short intervals, so
# the demo does not wait minutes for samples; the rule files are used as they are.
targets="\"127.0.0.1:${INSTANCE_PORTS[0]}\", \"127.0.0.1:${INSTANCE_PORTS[1]}\", \"127.0.0.1:${INSTANCE_PORTS[2]}\""
sed -e "s|scrape_interval: 15s|scrape_interval: 2s|" -e "s|evaluation_interval: 30s|evaluation_interval: 5s|" \
    -e "s|rules/\\*.yml|$ROOT/deploy/prometheus/rules/*.yml|" -e "s|\\[\"api:8080\"\\]|[$targets]|" \
    deploy/prometheus/prometheus.yml >"$RUN/prometheus.yml"
promtool check config "$RUN/prometheus.yml" >/dev/null
prometheus --config.file="$RUN/prometheus.yml" --storage.tsdb.path="$RUN/prometheus-data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$RUN/prometheus.log" 2>&1 &
PIDS+=($!)
PROM="http://127.0.0.1:$PROM_PORT"

query() { # PROMQL: the JSON reply of an instant query
  curl -s --get "$PROM/api/v1/query" --data-urlencode "query=$1"
}
targets_up() {
  [ "$(query 'sum(up{job="gad-stats"})' | "$PY" -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')" = 3 ]
}
lb_ready() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$LB_PORT/q/health/ready")" = 200 ]
}
wait_until 60 "Prometheus scraping the three instances" targets_up
wait_until 30 "HAProxy" lb_ready

# ---- tokens and background load ---------------------------------------------------------------------
mint efectivo "$RUN/tokens-all.txt" "1-$USERS"
mint supervisor "$RUN/tokens-supervisor.txt" 51
read -r _ SUPERVISOR <"$RUN/tokens-supervisor.txt"
HEAVY=$(psql -d "$DB" -tAc "SELECT delegado_usuario_id FROM tareas WHERE deleted_at IS NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
# the background load reads 200 users, never the two users the evidence below is about
awk -v h="$HEAVY" '$1 % 10 == 2 && $1 != h && $1 != 3 && c < 200 { print; c++ }' "$RUN/tokens-all.txt" >"$RUN/tokens-load.txt"
awk -v h="$HEAVY" '$1 == h' "$RUN/tokens-all.txt" >"$RUN/tokens-heavy.txt"
read -r WATCHED WATCHED_TOKEN < <(awk '$1 == 3' "$RUN/tokens-all.txt")

# load_on / load_off: 4 clients reading 200 users through the balancer, in 5-second wrk runs
LOAD_PID=""
load_on() {
  touch "$LOAD_FLAG"
  (
    while [ -f "$LOAD_FLAG" ]; do
      BENCH_TOKENS="$RUN/tokens-load.txt" BENCH_QUERY="days=30" BENCH_OUT="$(mktemp "$RUN/load-XXXXXX.json")" BENCH_THREADS=1 \
        wrk -t1 -c4 -d5s --timeout 5s -s bench/lib/stats.lua "http://127.0.0.1:$LB_PORT" >/dev/null 2>&1 || true
    done
  ) &
  LOAD_PID=$!
  PIDS+=("$LOAD_PID")
}
load_off() {
  rm -f "$LOAD_FLAG"
  wait "$LOAD_PID" 2>/dev/null || true
}

sum_metric() { # SAMPLE: summed over the three instances
  local total=0 port
  for port in "${INSTANCE_PORTS[@]}"; do
    total=$((total + $(metric "$port" "$1")))
  done
  echo "$total"
}
per_instance() { # SAMPLE: "a=.. b=.. c=.."
  local out="" name=(a b c) i
  for i in 0 1 2; do
    out="$out ${name[$i]}=$(metric "${INSTANCE_PORTS[$i]}" "$1")"
  done
  echo "${out# }"
}
cat >"$RUN/cache_of.py" <<'PY'
import json, sys
reply = json.load(sys.stdin)
cache = reply["_cache"]
print("total=%s hit=%s reason=%s" % (reply["total"], str(cache["hit"]).lower(), cache.get("reason", "-")))
PY
cache_of() { # PORT USER TOKEN: the _cache member and the total of one read
  curl -s -H "Authorization: Bearer $3" "http://127.0.0.1:$1/api/v1/stats/user/$2?days=30" | "$PY" "$RUN/cache_of.py"
}

cat >"$RUN/dashboard.py" <<'PY'
import json, sys, urllib.parse, urllib.request
dashboard, prom = json.load(open(sys.argv[1])), sys.argv[2]
empty = 0
total = 0
for panel in dashboard["panels"]:
    for target in panel.get("targets", []):
        expr = target["expr"].replace('job=~"$job"', 'job=~"gad-stats"').replace("$__rate_interval", "1m")
        url = prom + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        reply = json.load(urllib.request.urlopen(url))
        series = reply["data"]["result"] if reply["status"] == "success" else []
        total += 1
        empty += not series
        print(f'{len(series):3d} series  {panel["title"]}: {expr[:90]}')
print(f"{total - empty} of {total} queries returned data")
PY
dashboard_queries() {
  "$PY" "$RUN/dashboard.py" deploy/grafana/dashboards/gad-stats.json "$PROM" | tee -a "$OUT"
}

# ---- 1. one cold key, many clients, three instances --------------------------------------------------
# 20 s of reads first: the three JVMs compile the request path and open their pools
load_on
sleep 20
load_off
section "1. A cold key read by 24 clients at once through the balancer (user $HEAVY, the one with the most tasks)"
AGG=gad_stats_aggregation_seconds_count
before=$(sum_metric "$AGG")
before_each=$(per_instance "$AGG")
BENCH_TOKENS="$RUN/tokens-heavy.txt" BENCH_QUERY="days=30" BENCH_OUT="$RUN/cold.json" BENCH_THREADS=1 \
  wrk -t1 -c24 -d3s --timeout 10s -s bench/lib/stats.lua "http://127.0.0.1:$LB_PORT" >/dev/null 2>&1
sleep 1
after=$(sum_metric "$AGG")
say "requests: $("$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["requests"], "non-2xx:", r["errors"]["status"])' "$RUN/cold.json")"
say "aggregations per instance before: $before_each"
say "aggregations per instance after:  $(per_instance "$AGG")"
say "aggregations for the cold key, all instances together: $((after - before))"
say "cache results per instance: hit $(per_instance 'gad_cache_requests_total{result="hit"}'), miss $(per_instance 'gad_cache_requests_total{result="miss"}')"

# ---- 2. invalidation through one instance, seen by the others -----------------------------------------
section "2. Invalidation made through one instance, read through the others (user $WATCHED)"
for i in 0 1 2; do
  cache_of "${INSTANCE_PORTS[$i]}" "$WATCHED" "$WATCHED_TOKEN" >/dev/null
done
say "cached everywhere:           a: $(cache_of "${INSTANCE_PORTS[0]}" "$WATCHED" "$WATCHED_TOKEN") | c: $(cache_of "${INSTANCE_PORTS[2]}" "$WATCHED" "$WATCHED_TOKEN")"
psql -q -d "$DB" -c "INSERT INTO tareas (codigo, titulo, tipo, prioridad, estado, delegado_usuario_id, creado_por_usuario_id)
                     VALUES ('DEMO-' || md5(random()::text), 'Demo', 'patrullaje', 3, 'programada', $WATCHED, 51)"
say "a task added with SQL, no API call: a: $(cache_of "${INSTANCE_PORTS[0]}" "$WATCHED" "$WATCHED_TOKEN") | c: $(cache_of "${INSTANCE_PORTS[2]}" "$WATCHED" "$WATCHED_TOKEN")"
say "POST /api/v1/stats/invalidate/user/$WATCHED through instance b: $(curl -s -X POST -H "Authorization: Bearer $WATCHED_TOKEN" \
  "http://127.0.0.1:${INSTANCE_PORTS[1]}/api/v1/stats/invalidate/user/$WATCHED")"
say "after b's invalidation:       a: $(cache_of "${INSTANCE_PORTS[0]}" "$WATCHED" "$WATCHED_TOKEN") | c: $(cache_of "${INSTANCE_PORTS[2]}" "$WATCHED" "$WATCHED_TOKEN")"
created=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $SUPERVISOR" -H 'Content-Type: application/json' \
  -d "{\"titulo\":\"Demo\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":$WATCHED}" "http://127.0.0.1:${INSTANCE_PORTS[0]}/api/v1/tasks")
say "POST /api/v1/tasks for user $WATCHED through instance a: $created"
say "after a's task write:         c: $(cache_of "${INSTANCE_PORTS[2]}" "$WATCHED" "$WATCHED_TOKEN") | b: $(cache_of "${INSTANCE_PORTS[1]}" "$WATCHED" "$WATCHED_TOKEN")"
psql -q -d "$DB" -c "DELETE FROM tareas WHERE titulo = 'Demo' AND delegado_usuario_id = $WATCHED"

# ---- 3. the Grafana dashboard's queries against this Prometheus -------------------------------------------
load_on
section "3. Grafana dashboard queries (deploy/grafana/dashboards/gad-stats.json) against Prometheus"
sleep 30
dashboard_queries
# ---- 4. Redis down: alerts through Prometheus' HTTP API, answers still 200 ---------------------------------
section "4. Redis down while clients read through the balancer"
cat >"$RUN/alerts.py" <<'PY'
import json, sys
alerts = json.load(sys.stdin)["data"]["alerts"]
print("; ".join(sorted("%s{instance=%s} %s since %s" % (a["labels"]["alertname"], a["labels"].get("instance", "-"),
                                                     a["state"], a["activeAt"][11:19]) for a in alerts)) or "none")
PY
alerts() {
  curl -s "$PROM/api/v1/alerts" | "$PY" "$RUN/alerts.py"
}
say "alerts before: $(alerts)"
t0=$(date +%s)
stop_all "$RUN/redis"
say "$(date -u +%H:%M:%S) Redis stopped"
seen_pending=""
seen_firing=""
while [ $(( $(date +%s) - t0 )) -lt $(( FIRING_WAIT > 60 ? FIRING_WAIT : 60 )) ]; do
  sleep 5
  state=$(alerts)
  if [ -z "$seen_pending" ] && grep -q pending <<<"$state"; then
    seen_pending=1
    say "+$(( $(date +%s) - t0 ))s $state"
  fi
  if [ -z "$seen_firing" ] && grep -q firing <<<"$state"; then
    seen_firing=1
    say "+$(( $(date +%s) - t0 ))s $state"
    break
  fi
  [ "$FIRING_WAIT" -gt 0 ] || [ -z "$seen_pending" ] || break
done
say "dashboard queries while Redis is down:"
dashboard_queries
say "alert rules as Prometheus evaluates them:"
curl -s "$PROM/api/v1/rules?type=alert" | "$PY" -c '
import json, sys
for group in json.load(sys.stdin)["data"]["groups"]:
    for rule in group["rules"]:
        print("  %s: %s" % (rule["name"], rule["state"]))' | tee -a "$OUT"
start_server "$RUN/redis" "$REDIS_PORT" >/dev/null
say "$(date -u +%H:%M:%S) Redis started again"
sleep 30
say "+30s: $(alerts)"
say "cache results per instance over the demo: hit $(per_instance 'gad_cache_requests_total{result="hit"}'), error $(per_instance 'gad_cache_requests_total{result="error"}')"
load_off
"$PY" - "$RUN" <<'PY' | tee -a "$OUT"
import glob, json, sys
runs = [json.load(open(f)) for f in glob.glob(sys.argv[1] + "/load-*.json") if open(f).read().strip()]
requests = sum(r["requests"] for r in runs)
bad = sum(r["errors"]["status"] + r["errors"]["connect"] + r["errors"]["read"] + r["errors"]["timeout"] for r in runs)
print(f"background load through the balancer, whole demo: {requests} requests, {bad} non-2xx or failed")
PY
say "results in $OUT"
