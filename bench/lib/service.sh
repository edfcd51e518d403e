#!/usr/bin/env bash
# Shared by bench/topology.sh and deploy/scale-out-demo.sh: the packaged service, its signing keys,
# a small seeded database and tokens. Sourced, not run. Expects ROOT (the repository) and WORK
# (a scratch directory under it) to be set, and PGHOST/PGPORT/PGUSER exported.

# find_tools TOOL...: exits when one is missing; sets PY to a python3 with jwt and cryptography
find_tools() {
  local tool candidate
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
  done
  PY=""
  for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import jwt, cryptography' 2>/dev/null; then
      PY=$candidate
      return 0
    fi
  done
  echo "missing: python3 with jwt and cryptography (Debian: python3-jwt)" >&2
  exit 2
}

# find_app: sets APP to the packaged service (built when missing), and signing keys in $WORK
find_app() {
  APP=target/quarkus-app
  [ -d app/target/quarkus-app ] && APP=app/target/quarkus-app
  if [ ! -f "$APP/quarkus-run.jar" ]; then
    echo "building the service" >&2
    ./mvnw -B -q package -DskipTests
    [ -d app/target/quarkus-app ] && APP=app/target/quarkus-app
  fi
  mkdir -p "$WORK"
  if [ ! -f "$WORK/privateKey.pem" ]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/privateKey.pem" 2>/dev/null
    openssl pkey -in "$WORK/privateKey.pem" -pubout -out "$WORK/publicKey.pem"
  fi
}

# start_instance LOG PORT DB [VAR=value...]: one service process in the background; sets
# STARTED_PID once it is ready. Service settings are the production ones but for the given variables.
start_instance() {
  local logfile=$1 port=$2 db=$3 pid
  shift 3
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use" >&2
    exit 1
  fi
  env DB_HOST="$PGHOST" DB_PORT="$PGPORT" DB_NAME="$db" DB_USER="$PGUSER" DB_PASSWORD= \
    MP_JWT_VERIFY_PUBLICKEY_LOCATION="$ROOT/$WORK/publicKey.pem" \
    SMALLRYE_JWT_SIGN_KEY_LOCATION="$ROOT/$WORK/privateKey.pem" \
    QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT="$port" MALLOC_ARENA_MAX=2 "$@" \
    bash -c 'cd "$1" && exec java $2 -jar quarkus-run.jar' _ "$APP" "${JAVA_OPTS:--XX:+UseSerialGC -Xmx64m -XX:NewRatio=1 -XX:SurvivorRatio=4}" >"$logfile" 2>&1 &
  pid=$!
  for _ in $(seq 1 1200); do
    if curl -fs -o /dev/null "http://127.0.0.1:$port/q/health/ready"; then
      # shellcheck disable=SC2034 # read by the caller
      STARTED_PID=$pid
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { echo "service exited; see $logfile" >&2; tail -20 "$logfile" >&2; exit 1; }
    sleep 0.1
  done
  echo "service not ready after 120 s; see $logfile" >&2
  exit 1
}

# seed_db DB USERS TASKS LOGDIR: migrates and seeds DB with bench/seed.sql, once a day per size
seed_db() {
  local db=$1 users=$2 tasks=$3 logdir=$4 signature current
  signature="gad-small users=$users tasks=$tasks seeded=$(date -u +%F)"
  current=$(psql -d postgres -tAc "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$db'")
  [ "$current" != "$signature" ] || return 0
  echo "seeding $db: $users users, $tasks tasks" >&2
  psql -q -d postgres -c "DROP DATABASE IF EXISTS \"$db\"" -c "CREATE DATABASE \"$db\""
  env DB_HOST="$PGHOST" DB_PORT="$PGPORT" DB_NAME="$db" DB_USER="$PGUSER" DB_PASSWORD= \
    MP_JWT_VERIFY_PUBLICKEY_LOCATION="$ROOT/$WORK/publicKey.pem" \
    DB_MIGRATE=true QUARKUS_INIT_AND_EXIT=true QUARKUS_HTTP_PORT=0 \
    bash -c 'cd "$1" && exec java -jar quarkus-run.jar' _ "$APP" >"$logdir/migrate.log" 2>&1
  psql -q -d "$db" -v users="$users" -v tasks="$tasks" -v days=400 -v zipf_s=1 -v zipf_q=10 -f bench/seed.sql
  psql -q -d postgres -c "COMMENT ON DATABASE \"$db\" IS '$signature'"
}

# mint GROUP OUT IDS...: "<id> <token>" lines signed with the keys in $WORK
mint() {
  local group=$1 out=$2
  shift 2
  "$PY" bench/lib/tokens.py "$WORK/privateKey.pem" gad-stats "$out" "$group" 7200 "$@" 2>/dev/null
}

# metric PORT SAMPLE: one sample of an instance's /q/metrics, e.g. 'gad_cache_requests_total{result="hit"}'
metric() {
  curl -s "http://127.0.0.1:$1/q/metrics" | awk -v s="$2" 'index($0, s) == 1 { v = $NF } END { printf "%d", v }'
}
