#!/usr/bin/env bash
# gad-stats benchmark harness: one command, see bench/README.md.
#
#   bench/run.sh                 full run (10,000 users, 1,000,000 tasks; a few minutes)
#   bench/run.sh --smoke         tiny data set, 1-2 s per scenario: checks the harness works
#   BENCH_DURATION=30 bench/run.sh --reseed
#   BENCH_APPCDS=1 bench/run.sh --build --readme   (the run behind bench/README.md's table)
#   BENCH_MAX_LOAD=4 BENCH_QUIET_WAIT=120 bench/run.sh   (a busy machine: wait less for quiet)
#   BENCH_TOPOLOGY=cluster bench/run.sh   (Redis Cluster or Sentinel, started by the harness with deploy/redis/)
#
# It seeds PostgreSQL (database $BENCH_DB, re-seeded only when the parameters or the day change),
# starts app/target/quarkus-app/quarkus-run.jar against it and the machine's Redis (keys under
# $BENCH_PREFIX only), drives it with wrk on loopback, measures the raw ceilings (redis-benchmark
# GET, pgbench running the aggregation query, nginx serving a body of the same size) and writes a
# table of every scenario next to its ceiling to $BENCH_RESULTS, then the overload scenario and a
# cold-start burst against the targets of issue #11. It prints figures; it never asserts speed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# shellcheck source=bench/lib/nginx.sh
. bench/lib/nginx.sh

# ---- parameters -------------------------------------------------------------------------------
USERS=${BENCH_USERS:-10000}
TASKS=${BENCH_TASKS:-1000000}
DAYS=${BENCH_DAYS:-400}                 # tasks spread over this many days
ZIPF_S=${BENCH_ZIPF_S:-1}
ZIPF_Q=${BENCH_ZIPF_Q:-10}
WINDOW=${BENCH_WINDOW:-30}              # the `days` query parameter
DURATION=${BENCH_DURATION:-15}          # seconds per measured scenario
WARMUP=${BENCH_WARMUP:-20}              # seconds of untimed load before the hit and miss scenarios (JIT)
# (20: after 10 s a cold JVM on the 2 shared cores could still be compiling; in two runs the first
# hit scenario gave 30,843 and 43,815 req/s while the later 32-connection overload phase gave
# 41,938 and 41,413)
CONNECTIONS=${BENCH_CONNECTIONS:-32}
WRK_THREADS=${BENCH_WRK_THREADS:-1}
WORKING_SET=${BENCH_WORKING_SET:-1000}  # users whose stats the hit scenarios read
WRITE_RATE=${BENCH_WRITE_RATE:-50}      # writes per second in the mixed scenario (half of them straight in SQL)
FRESH_BOUND_MS=${BENCH_FRESH_BOUND_MS:-1000}  # a SQL write still served stale this long after commit is a stale read
OVERLOAD_CONNECTIONS=${BENCH_OVERLOAD_CONNECTIONS:-512}  # the middle phase of the overload scenario
BURST=${BENCH_BURST:-200}               # concurrent requests for one cold key right after start
NGINX_PORT=${BENCH_NGINX_PORT:-0}       # the private nginx of the HTTP ceiling; 0 = a free loopback port
PORT=${BENCH_PORT:-28471}
DB=${BENCH_DB:-gad_bench}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
REDIS_HOST=${BENCH_REDIS_HOST:-127.0.0.1}
REDIS_PORT=${BENCH_REDIS_PORT:-6379}
# standalone: the Redis above; cluster (3 masters, 3 replicas) or sentinel (a master, a replica,
# three sentinels): started on loopback ports from BENCH_TOPOLOGY_PORT with deploy/redis/, stopped at the end
TOPOLOGY=${BENCH_TOPOLOGY:-standalone}
TOPOLOGY_PORT=${BENCH_TOPOLOGY_PORT:-22200}
case "$TOPOLOGY" in standalone|cluster|sentinel) ;; *) echo "BENCH_TOPOLOGY: standalone, cluster or sentinel" >&2; exit 2 ;; esac
PREFIX=${BENCH_PREFIX:-gadbench:}
# Container-like memory settings: what the JVM picks by itself in a container limited to ~256 MiB
# (SerialGC, heap 1/4 of the limit) with the image's young-generation split (docs/fast-start.md), plus returning freed native memory (glibc arenas, JIT arenas)
# to the OS. Without them the JVM sizes its heap from this 24 GiB machine (G1, up to 6 GiB).
# MetaspaceSize: the default 20 MB high-water mark made two full GCs ("Metadata GC Threshold",
# 30-75 ms) during start-up.
JAVA_OPTS=${BENCH_JAVA_OPTS:--XX:+UseSerialGC -Xmx64m -XX:NewRatio=1 -XX:SurvivorRatio=4 -XX:MetaspaceSize=64m -XX:TrimNativeHeapInterval=1000}
MALLOC_ARENAS=${BENCH_MALLOC_ARENA_MAX:-2}
APPCDS=${BENCH_APPCDS:-0}               # 1 = build with quarkus.package.jar.appcds.enabled and use the archive
MAX_LOAD=${BENCH_MAX_LOAD:-1.5}         # wait (up to BENCH_QUIET_WAIT s) for the 1-min load average to fall below
QUIET_WAIT=${BENCH_QUIET_WAIT:-300}
RESULTS=${BENCH_RESULTS:-bench/results/latest.md}
WORK=${BENCH_WORK:-bench/.work}
case "$WORK" in /*) ;; *) WORK="$ROOT/$WORK" ;; esac   # BENCH_WORK may be absolute or relative
RESEED=0
README_UPDATE=0
BUILD=auto
SMOKE=0

for arg in "$@"; do
  case "$arg" in
    --smoke) SMOKE=1 ;;
    --reseed) RESEED=1 ;;
    --build) BUILD=yes ;;
    --no-build) BUILD=no ;;
    --readme) README_UPDATE=1 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done
if [ "$SMOKE" = 1 ]; then
  USERS=${BENCH_USERS:-200}; TASKS=${BENCH_TASKS:-20000}; DURATION=${BENCH_DURATION:-2}
  WARMUP=${BENCH_WARMUP:-1}; WORKING_SET=${BENCH_WORKING_SET:-50}; DB=${BENCH_DB:-gad_bench_smoke}
  CONNECTIONS=${BENCH_CONNECTIONS:-4}; WRITE_RATE=${BENCH_WRITE_RATE:-20}
  RESULTS=${BENCH_RESULTS:-$WORK/smoke.md}; QUIET_WAIT=${BENCH_QUIET_WAIT:-0}
  OVERLOAD_CONNECTIONS=${BENCH_OVERLOAD_CONNECTIONS:-128}   # still past the admission limit (64)
fi
case "$PREFIX" in
  ""|gad:|*[!a-zA-Z0-9_:.-]*) echo "BENCH_PREFIX must be a bench-only prefix such as gadbench:" >&2; exit 2 ;;
esac
[ "$WORKING_SET" -le "$USERS" ] || WORKING_SET=$USERS

RUN="$WORK/run"
rm -rf "$RUN"; mkdir -p "$RUN"
# The figures this run is compared with ("c=32 hits no slower than before"), before they are replaced
cp "${BENCH_PREVIOUS:-bench/results/latest.md}" "$RUN/previous.md" 2>/dev/null || true
export PGHOST PGPORT PGUSER
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---- tools --------------------------------------------------------------------------------------
PY=""
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import jwt, cryptography, psycopg2' 2>/dev/null; then
    PY=$candidate; break
  fi
done
missing=()
for tool in java wrk redis-cli redis-benchmark psql pgbench openssl curl; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
[ -n "$PY" ] || missing+=("python3 with jwt, cryptography, psycopg2")
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || missing+=("nginx")
if [ ${#missing[@]} -gt 0 ]; then
  echo "missing: ${missing[*]}" >&2
  echo "install: apt-get install -y wrk redis-tools postgresql-client python3-jwt python3-psycopg2 curl nginx" >&2
  exit 2
fi

APP=app/target/quarkus-app
if [ "$APPCDS" = 1 ] && [ ! -f "$APP/app-cds.jsa" ] && [ "$BUILD" = auto ]; then BUILD=yes; fi
if [ "$BUILD" = yes ] || { [ "$BUILD" = auto ] && [ ! -f "$APP/quarkus-run.jar" ]; }; then
  log "building the service"
  if [ "$APPCDS" = 1 ]; then
    ./mvnw -B -q package -DskipTests -Dquarkus.package.jar.appcds.enabled=true
  else
    ./mvnw -B -q package -DskipTests
  fi
fi
if [ "$APPCDS" = 1 ]; then
  JAVA_OPTS="$JAVA_OPTS -XX:SharedArchiveFile=app-cds.jsa"
fi

# ---- keys and the stats query -------------------------------------------------------------------
mkdir -p "$WORK"
if [ ! -f "$WORK/privateKey.pem" ]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/privateKey.pem" 2>/dev/null
  openssl pkey -in "$WORK/privateKey.pem" -pubout -out "$WORK/publicKey.pem"
fi
# The exact SQL the service runs, taken from its source so the pgbench ceiling never drifts.
awk '/USER_STATS_SQL = """/{on=1; next} on && /""";/{exit} on' \
  app/src/main/java/com/gad/stats/stats/repository/StatsRepository.java > "$RUN/stats.sql"
grep -q '\$1' "$RUN/stats.sql" || { echo "could not extract USER_STATS_SQL from StatsRepository" >&2; exit 1; }

# ---- the service --------------------------------------------------------------------------------
SVC_PID=""
WRITER_PID=""
NGINX_PID=""
cleanup() {
  [ -n "$WRITER_PID" ] && kill "$WRITER_PID" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  if [ -n "$SVC_PID" ]; then kill "$SVC_PID" 2>/dev/null || true; wait "$SVC_PID" 2>/dev/null || true; fi
  if [ "$TOPOLOGY" != standalone ]; then "deploy/redis/$TOPOLOGY.sh" stop "$WORK/redis-$TOPOLOGY" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

# The service's Redis settings, and how redis-cli and redis-benchmark reach the same data
REDIS_ENV=(REDIS_HOST="$REDIS_HOST" REDIS_PORT="$REDIS_PORT")
CLI_ARGS=(-h "$REDIS_HOST" -p "$REDIS_PORT")
BENCHMARK_ARGS=(-h "$REDIS_HOST" -p "$REDIS_PORT")
if [ "$TOPOLOGY" != standalone ]; then
  log "starting Redis $TOPOLOGY on ports from $TOPOLOGY_PORT"
  "deploy/redis/$TOPOLOGY.sh" stop "$WORK/redis-$TOPOLOGY" >/dev/null 2>&1 || true
  "deploy/redis/$TOPOLOGY.sh" start "$WORK/redis-$TOPOLOGY" "$TOPOLOGY_PORT" >/dev/null
  REDIS_ENV=(QUARKUS_REDIS_CLIENT_TYPE="$TOPOLOGY" QUARKUS_REDIS_HOSTS="$("deploy/redis/$TOPOLOGY.sh" hosts "$TOPOLOGY_PORT")")
  if [ "$TOPOLOGY" = cluster ]; then
    CLI_ARGS=(-c -h 127.0.0.1 -p "$TOPOLOGY_PORT")
    BENCHMARK_ARGS=(--cluster -h 127.0.0.1 -p "$TOPOLOGY_PORT")
  else
    REDIS_ENV+=(QUARKUS_REDIS_MASTER_NAME="${SENTINEL_MASTER_NAME:-gadmaster}" QUARKUS_REDIS_ROLE=master)
    master=$(deploy/redis/sentinel.sh master "$TOPOLOGY_PORT")
    CLI_ARGS=(-h "${master%:*}" -p "${master##*:}")
    BENCHMARK_ARGS=("${CLI_ARGS[@]}")
  fi
fi

start_service() { # $1 = log file; sets SVC_PID, READY_MS and READY_NS (epoch)
  local t0 t1
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "port $PORT is already in use: set BENCH_PORT" >&2; exit 1
  fi
  t0=$(date +%s%N)
  env "${REDIS_ENV[@]}" DB_HOST=$PGHOST DB_PORT=$PGPORT DB_NAME=$DB DB_USER=$PGUSER DB_PASSWORD='' \
  CACHE_PREFIX=$PREFIX \
  MP_JWT_VERIFY_PUBLICKEY_LOCATION="$WORK/publicKey.pem" \
  SMALLRYE_JWT_SIGN_KEY_LOCATION="$WORK/privateKey.pem" \
  QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT=$PORT MALLOC_ARENA_MAX=$MALLOC_ARENAS \
    bash -c 'cd "$1" && exec java $2 -Xlog:gc:file="$3" -jar quarkus-run.jar' _ "$APP" "$JAVA_OPTS" "${1%.log}-gc.log" >"$1" 2>&1 &
  SVC_PID=$!
  for _ in $(seq 1 1200); do
    if curl -fs -o /dev/null "http://127.0.0.1:$PORT/q/health/ready"; then
      t1=$(date +%s%N); READY_MS=$(( (t1 - t0) / 1000000 )); READY_NS=$t1
      # CPU the JVM used to get there (all threads: JIT and GC included); less sensitive to a busy machine
      READY_CPU_MS=$(awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$SVC_PID/stat")
      return 0
    fi
    kill -0 "$SVC_PID" 2>/dev/null || { echo "service exited; see $1" >&2; tail -20 "$1" >&2; exit 1; }
    sleep 0.05
  done
  echo "service not ready after 60 s; see $1" >&2; exit 1
}
stop_service() {
  kill "$SVC_PID"; wait "$SVC_PID" 2>/dev/null || true; SVC_PID=""
}
rss_mb() { awk '/VmRSS/{printf "%.1f", $2/1024}' "/proc/$SVC_PID/status"; }
migrate() { # the production one-shot migration (docs/operations.md "Schema"): migrate, then exit
  env "${REDIS_ENV[@]}" DB_HOST=$PGHOST DB_PORT=$PGPORT DB_NAME=$DB DB_USER=$PGUSER DB_PASSWORD='' \
  CACHE_PREFIX=$PREFIX \
  MP_JWT_VERIFY_PUBLICKEY_LOCATION="$WORK/publicKey.pem" \
  SMALLRYE_JWT_SIGN_KEY_LOCATION="$WORK/privateKey.pem" \
  DB_MIGRATE=true QUARKUS_INIT_AND_EXIT=true QUARKUS_HTTP_PORT=0 \
    bash -c 'cd "$1" && exec java -jar quarkus-run.jar' _ "$APP" > "$RUN/migrate.log" 2>&1 \
    || { echo "migration failed; see $RUN/migrate.log" >&2; tail -20 "$RUN/migrate.log" >&2; exit 1; }
}

# ---- data set -----------------------------------------------------------------------------------
SIGNATURE="gad-bench users=$USERS tasks=$TASKS days=$DAYS zipf=$ZIPF_S/$ZIPF_Q seeded=$(date -u +%F)"
current=$(psql -d postgres -tAc "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$DB'")
if [ "$RESEED" = 1 ] || [ "$current" != "$SIGNATURE" ]; then
  log "seeding $DB: $USERS users, $TASKS tasks over $DAYS days"
  psql -q -d postgres -c "DROP DATABASE IF EXISTS \"$DB\"" -c "CREATE DATABASE \"$DB\""
  log "migrating the empty database"
  migrate
  t0=$(date +%s)
  psql -q -d "$DB" -v users="$USERS" -v tasks="$TASKS" -v days="$DAYS" \
       -v zipf_s="$ZIPF_S" -v zipf_q="$ZIPF_Q" -f bench/seed.sql
  echo $(( $(date +%s) - t0 )) > "$RUN/seed_seconds"
  psql -q -d postgres -c "COMMENT ON DATABASE \"$DB\" IS '$SIGNATURE'"
  log "seeded in $(cat "$RUN/seed_seconds") s"
else
  log "reusing $DB ($SIGNATURE); applying any new migration"
  migrate
fi
psql -tA -d "$DB" -F ' ' -c "SELECT count(*) FROM usuarios" -c "SELECT count(*) FROM tareas" \
     -c "SELECT count(*) FROM tareas WHERE deleted_at IS NULL AND created_at >= now() - make_interval(days => $WINDOW)" \
  | tr '\n' ' ' > "$RUN/dataset"
psql -tA -d "$DB" -F ' ' -c "SELECT delegado_usuario_id, count(*) FROM tareas WHERE deleted_at IS NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10" > "$RUN/heavy_users"

# ---- tokens -------------------------------------------------------------------------------------
log "minting tokens"
"$PY" bench/lib/tokens.py "$WORK/privateKey.pem" "${JWT_ISSUER:-gad-stats}" "$RUN/tokens-all.txt" efectivo 7200 "1-$USERS"
step=$(( USERS / WORKING_SET ))
awk -v s="$step" -v n="$WORKING_SET" '($1 - 1) % s == 0 && c < n {print; c++}' "$RUN/tokens-all.txt" > "$RUN/tokens-hot.txt"
awk 'NR==FNR {heavy[$1]=1; next} ($1 in heavy)' "$RUN/heavy_users" "$RUN/tokens-all.txt" > "$RUN/tokens-heavy.txt"

# ---- Redis: only our prefix ---------------------------------------------------------------------
rcli() { redis-cli "${CLI_ARGS[@]}" "$@"; }
scan_keys() { # the keys matching $1; SCAN walks one node, so on Cluster every master
  local node
  if [ "$TOPOLOGY" = cluster ]; then
    for node in $(deploy/redis/cluster.sh masters "$TOPOLOGY_PORT"); do
      redis-cli -h "${node%:*}" -p "${node##*:}" --scan --pattern "$1"
    done
  else
    rcli --scan --pattern "$1"
  fi
}
clear_prefix() {
  local node
  if [ "$TOPOLOGY" = cluster ]; then   # one UNLINK per key (keys of two users share no slot), to the master SCAN found it on
    for node in $(deploy/redis/cluster.sh masters "$TOPOLOGY_PORT"); do
      redis-cli -h "${node%:*}" -p "${node##*:}" --scan --pattern "${PREFIX}*" | sed 's/^/UNLINK /' \
        | redis-cli -h "${node%:*}" -p "${node##*:}" >/dev/null
    done
  else
    rcli --scan --pattern "${PREFIX}*" | xargs -r -n 500 redis-cli "${CLI_ARGS[@]}" unlink >/dev/null
  fi
}
clear_prefix

# ---- wait for a quiet machine (the cores are shared) ----------------------------------------------
waited=0
while awk -v max="$MAX_LOAD" '{exit !($1 >= max)}' /proc/loadavg && [ "$waited" -lt "$QUIET_WAIT" ]; do
  [ $((waited % 30)) -eq 0 ] && log "load average $(cut -d' ' -f1-3 /proc/loadavg): waiting for < $MAX_LOAD (at most ${QUIET_WAIT}s)"
  sleep 5; waited=$((waited + 5))
done
echo "waited=${waited}s load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)" > "$RUN/quiet.txt"

# ---- start, measured ----------------------------------------------------------------------------
log "starting the service"
start_service "$RUN/service.log"
ready_ms=$READY_MS
sleep 2
rss_idle=$(rss_mb)
started_in=$(grep -o 'started in [0-9.]*s' "$RUN/service.log" | head -1 | grep -o '[0-9][0-9.]*' || echo "")
log "started in ${started_in}s (ready after ${ready_ms} ms wall), RSS idle ${rss_idle} MB"
# The first requests after start: does the cold Redis connection make them cache_unavailable?
read -r first_id first_token < "$RUN/tokens-hot.txt"
for n in 1 2 3; do
  curl -s -H "Authorization: Bearer $first_token" \
    "http://127.0.0.1:$PORT/api/v1/stats/user/$first_id?days=$WINDOW" -o "$RUN/first-$n.json" \
    -w '%{http_code} %{time_total}\n' >> "$RUN/first-requests.txt"
done
curl -s "http://127.0.0.1:$PORT/q/health/ready" > "$RUN/ready.json" || true
cat > "$RUN/service.json" <<EOF
{"started_in_s": "${started_in}", "ready_wall_ms": ${ready_ms}, "ready_cpu_ms": ${READY_CPU_MS}, "rss_idle_mb": ${rss_idle}, "java_opts": "${JAVA_OPTS}", "malloc_arena_max": "${MALLOC_ARENAS}"}
EOF

metrics() { curl -s "http://127.0.0.1:$PORT/q/metrics" | grep '^gad_' > "$RUN/metrics-$1.txt" || true; }

wrk_run() { # name connections tokens query seconds [statuses (0|1) [target URL, not the service]]
  local name=$1 conns=$2 tokens=$3 query=$4 secs=$5 statuses=${6:-0} url=${7:-} threads=$WRK_THREADS t0
  [ "$threads" -le "$conns" ] || threads=$conns
  echo "$(cut -d' ' -f1 /proc/loadavg)" > "$RUN/load-$name.txt"
  [ -n "$url" ] || metrics "$name-before"
  t0=$(date +%s%N)
  BENCH_TOKENS="$RUN/$tokens" BENCH_QUERY="$query" BENCH_OUT="$RUN/wrk-$name.json" BENCH_THREADS=$threads \
  BENCH_STATUS=$statuses \
    wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 5s -s bench/lib/stats.lua "${url:-http://127.0.0.1:$PORT}" \
    > "$RUN/wrk-$name.txt" 2>&1
  echo "$t0 $(date +%s%N)" > "$RUN/time-$name.txt"   # wall clock of the wrk run (ns)
  [ -n "$url" ] || metrics "$name-after"
  log "$name: $(tail -1 "$RUN/wrk-$name.json")"
}

HIT="days=$WINDOW"
MISS="days=$WINDOW&use_cache=false"

# ---- scenario 1: cache hits ---------------------------------------------------------------------
log "warm-up (hits at the same concurrency: primes the working set of $WORKING_SET users, the JIT and the Redis pool)"
wrk_run warmup-hit "$CONNECTIONS" tokens-hot.txt "$HIT" "$WARMUP"
wrk_run hit-c$CONNECTIONS "$CONNECTIONS" tokens-hot.txt "$HIT" "$DURATION"
wrk_run hit-c1 1 tokens-hot.txt "$HIT" "$DURATION"

# ---- scenario 3: mixed reads and writes with invalidation ------------------------------------------
log "mixed: reads at $CONNECTIONS connections, $WRITE_RATE writes/s, half through the tasks API, half in SQL"
# The writer creates and deletes tasks as a supervisor (user 1) and moves them as their delegado.
"$PY" bench/lib/tokens.py "$WORK/privateKey.pem" "${JWT_ISSUER:-gad-stats}" "$RUN/tokens-supervisor.txt" supervisor 7200 1
"$PY" bench/lib/writer.py "$PORT" "$RUN/tokens-hot.txt" "$RUN/stats.sql" "dbname=$DB host=$PGHOST port=$PGPORT user=$PGUSER" \
  "$WINDOW" "$DURATION" "$WRITE_RATE" "$RUN/writer.json" "$RUN/tokens-supervisor.txt" "$FRESH_BOUND_MS" > "$RUN/writer.txt" 2>&1 &
WRITER_PID=$!
wrk_run mixed-c$CONNECTIONS "$CONNECTIONS" tokens-hot.txt "$HIT" "$DURATION"
wait "$WRITER_PID" || log "writer failed: $(tail -3 "$RUN/writer.txt")"
WRITER_PID=""

# ---- scenario 2: misses -------------------------------------------------------------------------
log "warm-up (misses)"
wrk_run warmup-miss "$CONNECTIONS" tokens-all.txt "$MISS" "$WARMUP"
wrk_run miss-c$CONNECTIONS "$CONNECTIONS" tokens-all.txt "$MISS" "$DURATION"
wrk_run miss-c1 1 tokens-all.txt "$MISS" "$DURATION"
wrk_run miss-heavy-c1 1 tokens-heavy.txt "$MISS" "$DURATION"

rss_after=$(rss_mb)
sleep 5
rss_settled=$(rss_mb)
log "RSS after load ${rss_after} MB, 5 s later ${rss_settled} MB"
echo "{\"rss_after_mb\": $rss_after, \"rss_settled_mb\": $rss_settled}" > "$RUN/service-after.json"

# ---- scenario 4: overload (issue #11) -------------------------------------------------------------
# Hits at the usual concurrency, then far past the admission limit, then the usual again, each
# with wrk counting statuses and 2xx per second; the service's counters are read between phases.
# The warm-up re-caches the users whose values the mixed scenario invalidated (values live 300 s:
# those of the first warm-up do not expire before the last phase at the default durations). A
# second warm-up at the overload concurrency compiles what runs only there (admission control's
# queue, the hand-over of turns between event loops), as every scenario is warmed up at the
# concurrency it measures: without it the first phase ran before any overload and the last after
# one, and the last was a third faster (2026-12-07: 17,884 vs 23,777 2xx/s).
log "overload: hits at $CONNECTIONS, then $OVERLOAD_CONNECTIONS, then $CONNECTIONS connections, ${DURATION} s each"
wrk_run warmup-overload "$CONNECTIONS" tokens-hot.txt "$HIT" "$WARMUP"
wrk_run warmup-overload-queue "$OVERLOAD_CONNECTIONS" tokens-hot.txt "$HIT" "$WARMUP"
# One real hit: the body the nginx ceiling serves
mkdir -p "$RUN/nginx"
curl -s -H "Authorization: Bearer $first_token" "http://127.0.0.1:$PORT/api/v1/stats/user/$first_id?days=$WINDOW" \
  -o "$RUN/nginx/hit.json"
grep -q '"hit":true' "$RUN/nginx/hit.json" || log "the body saved for nginx is not a hit: $(head -c 200 "$RUN/nginx/hit.json")"
wc -c < "$RUN/nginx/hit.json" > "$RUN/hit_body_size"
wrk_run overload-1 "$CONNECTIONS" tokens-hot.txt "$HIT" "$DURATION" 1
wrk_run overload-2 "$OVERLOAD_CONNECTIONS" tokens-hot.txt "$HIT" "$DURATION" 1
wrk_run overload-3 "$CONNECTIONS" tokens-hot.txt "$HIT" "$DURATION" 1
curl -s "http://127.0.0.1:$PORT/q/metrics" > "$RUN/metrics-final.txt" || true
stop_service

# ---- ceilings -----------------------------------------------------------------------------------
# The value the service cached for the first user, whatever the key's format version
first_key=$(scan_keys "${PREFIX}stats:*{u${first_id}}:d${WINDOW}" | head -1 || true)
first_key=${first_key:-"${PREFIX}stats:?:{u${first_id}}:d${WINDOW}"}
rcli --raw GET "$first_key" > /dev/null
value_size=$(rcli STRLEN "$first_key")
echo "$value_size" > "$RUN/value_size"
redis_bench() { # name connections requests
  echo "$(cut -d' ' -f1 /proc/loadavg)" > "$RUN/load-$1.txt"
  if [ "$TOPOLOGY" = cluster ]; then
    # a named key lives on one master, and --cluster sends to every master: values of the same
    # size written first under redis-benchmark's {tag} keys, one slot per master, then read
    redis-benchmark "${BENCHMARK_ARGS[@]}" -c "$2" -n "$3" -d "$value_size" -t set,get --csv 2>/dev/null \
      | grep -E '^"(test|GET)"' > "$RUN/$1.csv"
  else
    redis-benchmark "${BENCHMARK_ARGS[@]}" -c "$2" -n "$3" --csv GET "$first_key" > "$RUN/$1.csv" 2>/dev/null
  fi
  log "$1: $(tail -1 "$RUN/$1.csv")"
}
if [ "$value_size" -gt 0 ]; then
  redis_bench redis-c$CONNECTIONS "$CONNECTIONS" $(( DURATION * 40000 ))
  redis_bench redis-c1 1 $(( DURATION * 8000 ))
else
  log "no cached value under $first_key: skipping redis-benchmark"
fi

pg_script() { # file uid-expression
  { echo "\\set days $WINDOW"; echo "$2"; sed -e 's/\$1/:uid/g' -e 's/\$2/:days/g' "$RUN/stats.sql"; echo ";"; } > "$1"
}
pg_script "$RUN/pgbench-all.sql" "\\set uid random(1, $USERS)"
heavy_case="\\set r random(1, $(wc -l < "$RUN/heavy_users"))"$'\n'"\\set uid CASE"
i=0
while read -r uid _; do i=$((i + 1)); heavy_case="$heavy_case WHEN :r = $i THEN $uid"; done < "$RUN/heavy_users"
pg_script "$RUN/pgbench-heavy.sql" "$heavy_case ELSE 1 END"
pg_bench() { # name connections script
  local jobs=2
  [ "$2" -ge 2 ] || jobs=1
  echo "$(cut -d' ' -f1 /proc/loadavg)" > "$RUN/load-$1.txt"
  pgbench -n -M prepared -c "$2" -j "$jobs" -T "$DURATION" -f "$3" -l --log-prefix="$RUN/$1-log" "$DB" \
    > "$RUN/$1.txt" 2>&1
  log "$1: $(grep -E '^tps' "$RUN/$1.txt")"
}
pg_bench pgbench-c$CONNECTIONS "$CONNECTIONS" "$RUN/pgbench-all.sql"
pg_bench pgbench-c1 1 "$RUN/pgbench-all.sql"
pg_bench pgbench-heavy-c1 1 "$RUN/pgbench-heavy.sql"

# The HTTP ceiling: a private nginx serving the saved hit body (bench/lib/nginx.sh), to the same
# wrk script, tokens and connections as the overload scenario.
start_nginx() {
  [ "$NGINX_PORT" != 0 ] || NGINX_PORT=$(free_port)
  start_static_nginx "$RUN/nginx" "$NGINX_PORT"
}
if [ -s "$RUN/nginx/hit.json" ] && start_nginx; then
  "$NGINX" -v > "$RUN/nginx-version.txt" 2>&1 || true
  wrk_run nginx-c$CONNECTIONS "$CONNECTIONS" tokens-hot.txt "$HIT" "$DURATION" 1 "http://127.0.0.1:$NGINX_PORT"
  wrk_run nginx-c$OVERLOAD_CONNECTIONS "$OVERLOAD_CONNECTIONS" tokens-hot.txt "$HIT" "$DURATION" 1 "http://127.0.0.1:$NGINX_PORT"
  kill "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null || true; NGINX_PID=""
else
  log "no nginx ceiling"
fi
clear_prefix

# ---- cold-start burst (issue #11) -------------------------------------------------------------------
# A fresh JVM and nothing cached, then at once $BURST concurrent requests for one key (the heaviest
# user: the longest aggregation, the widest window for a stampede). The process started with no
# aggregation, so its counter after the burst is the burst's.
cold_id=$(head -1 "$RUN/heavy_users" | cut -d' ' -f1)
cold_token=$(awk -v id="$cold_id" '$1 == id {print $2}' "$RUN/tokens-all.txt")
log "cold start: $BURST concurrent requests for user $cold_id right after readiness"
start_service "$RUN/service-cold.log"
"$PY" bench/lib/burst.py "$PORT" "$cold_id" "$cold_token" "$WINDOW" "$BURST" "$READY_NS" "$RUN/burst.json" \
  > "$RUN/burst.txt" 2>&1 || log "burst failed: $(tail -3 "$RUN/burst.txt")"
metrics burst-after
log "burst: $(tail -1 "$RUN/burst.txt"); $(grep '^gad_stats_aggregation_seconds_count' "$RUN/metrics-burst-after.txt")"
stop_service
clear_prefix

# ---- refresh ahead (issue #24) ----------------------------------------------------------------------
# bench/refresh-ahead.sh with refresh ahead on only: CACHE_TTL=20s, hits at 32 connections over
# 1,000 users for 60 s, on a Redis and a data set of its own. The report reads its figures.
if [ "${BENCH_REFRESH_AHEAD:-1}" = 1 ]; then
  log "refresh ahead: bench/refresh-ahead.sh (its own Redis and data set)"
  if [ "$SMOKE" = 1 ]; then
    export REFRESH_SECONDS=${REFRESH_SECONDS:-4} REFRESH_WARMUP=${REFRESH_WARMUP:-2} REFRESH_TTL=${REFRESH_TTL:-2s} \
      REFRESH_USERS=${REFRESH_USERS:-100} REFRESH_CONNECTIONS=${REFRESH_CONNECTIONS:-4}
  fi
  REFRESH_BASELINE=0 REFRESH_RESULTS="$RUN/refresh-ahead.md" REFRESH_JSON="$RUN/refresh-ahead.json" \
    bash bench/refresh-ahead.sh > "$RUN/refresh-ahead.log" 2>&1 \
    || log "refresh ahead failed: $(tail -3 "$RUN/refresh-ahead.log")"
fi

# ---- report -------------------------------------------------------------------------------------
{
  echo "nproc=$(nproc)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "mem=$(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel=$(uname -r)"
  echo "java=$(java -version 2>&1 | head -1)"
  echo "postgres=$(psql -tAc 'SHOW server_version' -d postgres)"
  echo "redis=$(rcli INFO server | grep -m1 redis_version | cut -d: -f2 | tr -d '\r')"
  echo "topology=$TOPOLOGY"
  echo "near_cache=$([ "${CACHE_L1_ENABLED:-true}" = false ] && echo off || echo on)"
  echo "wrk=$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  echo "date=$(date -u +'%F %H:%M UTC')"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- app pom.xml 2>/dev/null || echo '+dirty')"
  echo "nginx=$(sed 's/^nginx version: //' "$RUN/nginx-version.txt" 2>/dev/null)"
  echo "others=$(ps -eo pcpu=,comm= --sort=-pcpu | awk '$1 > 10 {printf "%s(%s%%) ", $2, $1}')"
} > "$RUN/machine.txt"
cat > "$RUN/params.txt" <<EOF
users=$USERS tasks=$TASKS days=$DAYS zipf_s=$ZIPF_S zipf_q=$ZIPF_Q window=$WINDOW duration=$DURATION warmup=$WARMUP connections=$CONNECTIONS overload_connections=$OVERLOAD_CONNECTIONS burst=$BURST wrk_threads=$WRK_THREADS working_set=$WORKING_SET write_rate=$WRITE_RATE fresh_bound_ms=$FRESH_BOUND_MS max_load=$MAX_LOAD quiet_wait=$QUIET_WAIT smoke=$SMOKE
EOF
mkdir -p "$(dirname "$RESULTS")"
"$PY" bench/lib/report.py "$RUN" "$CONNECTIONS" "$OVERLOAD_CONNECTIONS" > "$RESULTS"
cat "$RESULTS"
log "results written to $RESULTS (raw outputs in $RUN)"
if [ "$README_UPDATE" = 1 ] && [ "$SMOKE" = 0 ]; then
  "$PY" bench/lib/readme-table.py bench/README.md "$RESULTS" && log "bench/README.md's latest results updated"
fi
