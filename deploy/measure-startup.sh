#!/usr/bin/env bash
# Start-up time and memory of the packaged service in its JVM forms, started in turns (one start of
# each form per round, the order rotating), so that the load of this shared machine falls on all of
# them alike; then the median of each figure per form. See docs/fast-start.md.
#
#   deploy/measure-startup.sh --build            build the forms first (a few minutes), then measure
#   deploy/measure-startup.sh [FORM...]          measure what app/target/startup/ and app/target/quarkus-app hold
#
# Forms (default: plain appcds aot):
#   plain    the fast-jar on JDK 17: `java -jar quarkus-run.jar`, no flags
#   appcds   the fast-jar on JDK 17 with the AppCDS archive Quarkus makes at build
#            (quarkus.package.jar.aot.type=app-cds): -XX:SharedArchiveFile=app-cds.jsa
#   aot      the aot-jar on JDK 25 with the AOT cache trained by the integration tests
#            (`./mvnw verify -Paot`, in app/target/quarkus-app): -XX:AOTCache=app.aot
#   plain25  the fast-jar on JDK 25, no flags (what the JDK alone changes)
#   native   the native executable $NATIVE (app/target/*-runner), when one was built elsewhere
#
# Per start:
#   started    Quarkus' own "started in"
#   ready_ms   wall time from exec to the first 200 of /q/health/ready
#   cpu_s      CPU time (user+sys, all threads) until then: the figure least disturbed by other load
#   rss_mb     resident set size at ready
#   classes    classes loaded at ready (jstat)
#   load_ms    then the short load, $LOAD_REQUESTS requests one after the other: logins, statistics
#              (a miss, then hits, per user), task writes (which invalidate); load_ms is its duration
#   cpu_load_s, rss_load_mb: CPU time and RSS after it
#   load       the 1-minute load average when the start began
#
# Environment: ROUNDS (5), LOAD_REQUESTS (100), JAVA_OPTS (added to every JVM form, e.g. the container
# flags of docs/fast-start.md), JDK17, JDK25 (their homes), PORT (18080), NATIVE.
# PostgreSQL: PGHOST, PGPORT, PGUSER (127.0.0.1, 5432, postgres, trust); the script uses its own
# database DB (gad_startup): created when missing, migrated once by a start with DB_MIGRATE=true,
# seeded with 20 users (startup-N@gad.local) and their tasks. The measured starts run the production
# profile without migrations. Redis: a redis-server of its own on a free port, emptied before every
# start (every run sees misses first), stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROUNDS=${ROUNDS:-5}
LOAD_REQUESTS=${LOAD_REQUESTS:-100}
PORT=${PORT:-18080}
JAVA_OPTS=${JAVA_OPTS:-}
JDK17=${JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}
JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
OUT=${STARTUP_DIR:-app/target/startup}
DB=${DB:-gad_startup}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
PASSWORD=startup-Passw0rd
KEYS=$ROOT/app/src/test/resources   # the test key pair: tokens here are minted by this script

build=0
forms=()
for arg in "$@"; do
  case $arg in
    --build) build=1 ;;
    plain|appcds|aot|plain25|native) forms+=("$arg") ;;
    -h|--help) sed -n '2,36p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done
[ ${#forms[@]} -gt 0 ] || forms=(plain appcds aot)
[ -z "${NATIVE:-}" ] || NATIVE=$(realpath "$NATIVE")
for jdk in "$JDK17" "$JDK25"; do
  [ -x "$jdk/bin/java" ] || { echo "no JDK at $jdk (set JDK17 / JDK25)" >&2; exit 2; }
done

# ---- build ------------------------------------------------------------------------------------
if [ $build = 1 ]; then
  mkdir -p "$OUT"
  echo "building the fast-jar with an AppCDS archive on JDK 17 (log: $OUT/build-appcds.log)"
  JAVA_HOME=$JDK17 ./mvnw -B package -DskipTests -Dquarkus.package.jar.type=fast-jar \
    -Dquarkus.package.jar.aot.enabled=true -Dquarkus.package.jar.aot.type=app-cds >"$OUT/build-appcds.log" 2>&1 \
    || { tail -30 "$OUT/build-appcds.log" >&2; exit 1; }
  # cp -a: the AppCDS archive checks the jars' sizes and modification times
  rm -rf "$OUT/appcds-jar"; cp -a app/target/quarkus-app "$OUT/appcds-jar"
  echo "building the fast-jar on JDK 17, as ./mvnw package does (log: $OUT/build-fast.log)"
  JAVA_HOME=$JDK17 ./mvnw -B package -DskipTests >"$OUT/build-fast.log" 2>&1 || { tail -30 "$OUT/build-fast.log" >&2; exit 1; }
  rm -rf "$OUT/fast-jar"; cp -a app/target/quarkus-app "$OUT/fast-jar"
  # Last, and used where it was made: the AOT cache refers to the files of its training run by
  # the paths of the training run (an aot-jar started from a copy read its files from app/target/quarkus-app).
  echo "building the aot-jar on JDK 25 and training it with the integration tests (log: $OUT/build-aot.log)"
  JAVA_HOME=$JDK25 ./mvnw -B verify -Paot -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false >"$OUT/build-aot.log" 2>&1 \
    || { tail -30 "$OUT/build-aot.log" >&2; exit 1; }
fi

# form -> directory, JVM and flags
app_dir() { case $1 in aot) echo app/target/quarkus-app ;; appcds) echo "$OUT/appcds-jar" ;; native) dirname "${NATIVE:-app/target/x}" ;; *) echo "$OUT/fast-jar" ;; esac; }
java_of() { case $1 in aot|plain25) echo "$JDK25/bin/java" ;; *) echo "$JDK17/bin/java" ;; esac; }
flags_of() { case $1 in appcds) echo "-XX:SharedArchiveFile=app-cds.jsa" ;; aot) echo "-XX:AOTCache=app.aot" ;; esac; }
for form in "${forms[@]}"; do
  case $form in
    native) [ -x "${NATIVE:-}" ] || { echo "native: set NATIVE to the executable (app/target/*-runner)" >&2; exit 2; } ;;
    appcds) [ -f "$OUT/appcds-jar/app-cds.jsa" ] || { echo "no $OUT/appcds-jar/app-cds.jsa: run with --build" >&2; exit 2; } ;;
    aot) [ -f app/target/quarkus-app/app.aot ] || { echo "no app/target/quarkus-app/app.aot: run with --build (or ./mvnw verify -Paot on JDK 25)" >&2; exit 2; } ;;
    *) [ -f "$OUT/fast-jar/quarkus-run.jar" ] || { echo "no $OUT/fast-jar: run with --build" >&2; exit 2; } ;;
  esac
done

# ---- Redis of our own, database ---------------------------------------------------------------
redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis_dir=$(mktemp -d)
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --dir "$redis_dir" \
  --daemonize yes --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log"
results=$(mktemp)
app_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  [ -f "$redis_dir/redis.pid" ] && kill "$(cat "$redis_dir/redis.pid")" 2>/dev/null || true
  rm -rf "$redis_dir" "$results"
}
trap cleanup EXIT
until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.1; done

psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 || psql -d postgres -qc "CREATE DATABASE $DB"

export DB_HOST=$PGHOST DB_PORT=$PGPORT DB_NAME=$DB DB_USER=$PGUSER DB_PASSWORD=""
export REDIS_HOST=127.0.0.1 REDIS_PORT=$redis_port QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT=$PORT
export MP_JWT_VERIFY_PUBLICKEY_LOCATION=$KEYS/publicKey.pem SMALLRYE_JWT_SIGN_KEY_LOCATION=$KEYS/privateKey.pem
unset DB_MIGRATE

# start FORM LOG [JVM flags...]: runs the form from its directory, as the container images do (an
# AppCDS archive or AOT cache records the class path relative to it); sets app_pid
start() {
  local form=$1 log=$2; shift 2
  local dir; dir=$(app_dir "$form")
  if [ "$form" = native ]; then
    (cd "$dir" && exec "$NATIVE" "$@") >"$log" 2>&1 &
  else
    # shellcheck disable=SC2046 # one word per flag
    (cd "$dir" && exec "$(java_of "$form")" $(flags_of "$form") $JAVA_OPTS "$@" -jar quarkus-run.jar) >"$log" 2>&1 &
  fi
  app_pid=$!
}
wait_ready() { # wait_ready LOG: until /q/health/ready answers 200
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/q/health/ready")" = 200 ]; do
    kill -0 "$app_pid" 2>/dev/null || { echo "the application stopped:" >&2; tail -20 "$1" >&2; exit 1; }
    sleep 0.01
  done
}
stop() { kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; app_pid=""; }

echo "migrating database $DB once (DB_MIGRATE=true)"
log=$(mktemp)
DB_MIGRATE=true start "${forms[0]}" "$log"
wait_ready "$log"
stop
rm -f "$log"
if [ "$(psql -d "$DB" -tAc "SELECT count(*) FROM usuarios WHERE email LIKE 'startup-%'")" = 0 ]; then
  echo "seeding 20 users and their tasks"
  psql -d "$DB" -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION IF NOT EXISTS pgcrypto;
WITH pw AS (SELECT crypt('$PASSWORD', gen_salt('bf', 10)) AS hash)
INSERT INTO usuarios (email, nombre, nivel, hashed_password)
SELECT 'startup-' || g || '@gad.local', 'Startup ' || g, CASE g WHEN 1 THEN 3 WHEN 2 THEN 2 ELSE 1 END, pw.hash
FROM generate_series(1, 20) g, pw;
INSERT INTO tareas (codigo, titulo, tipo, estado, delegado_usuario_id, creado_por_usuario_id, inicio_real, fin_real, created_at)
SELECT 'startup-' || u.id || '-' || g, 'Tarea ' || g, 'patrullaje',
       (ARRAY['programada', 'en_curso', 'finalizada', 'cancelada'])[1 + g % 4], u.id, u.id,
       now() - g * interval '5 hours', CASE WHEN g % 4 = 2 THEN now() - g * interval '5 hours' + interval '2 hours' END,
       now() - g * interval '6 hours'
FROM usuarios u, generate_series(1, 50) g WHERE u.email LIKE 'startup-%';
SQL
fi
mapfile -t users < <(psql -d "$DB" -tAc "SELECT id FROM usuarios WHERE email LIKE 'startup-%' ORDER BY id")

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
# token SUBJECT ROLE: an RS256 token as the service's login issues them, signed with the test key
token() {
  local now header payload
  now=$(date +%s)
  header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
  payload=$(printf '{"iss":"%s","sub":"%s","upn":"startup@gad.local","groups":["%s"],"iat":%d,"exp":%d}' \
    "${JWT_ISSUER:-gad-stats}" "$1" "$2" "$now" $((now + 3600)) | b64url)
  printf '%s.%s.%s' "$header" "$payload" \
    "$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$SMALLRYE_JWT_SIGN_KEY_LOCATION" | b64url)"
}
ADMIN=$(token "${users[0]}" admin)
SUPERVISOR=$(token "${users[1]}" supervisor)

# The short load: every 50th request a login (of a different user each time, below the per-account
# limit), every 10th a task write for a user, the rest statistics of the 20 users in turn (the first
# read of each user a miss, then hits, and a miss again after a write). Prints the failed requests.
load() {
  local i failed=0 code user url=http://127.0.0.1:$PORT/api/v1
  for ((i = 0; i < LOAD_REQUESTS; i++)); do
    user=${users[i % ${#users[@]}]}
    if ((i % 50 == 25)); then
      code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
        -d "{\"email\":\"startup-$((3 + (RANDOM % 18)))@gad.local\",\"password\":\"$PASSWORD\"}" "$url/auth/login")
    elif ((i % 10 == 9)); then
      code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $SUPERVISOR" -H 'Content-Type: application/json' \
        -d "{\"titulo\":\"Carga\",\"tipo\":\"vigilancia\",\"delegado_usuario_id\":$user}" "$url/tasks")
    else
      code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN" "$url/stats/user/$user")
    fi
    [[ $code == 2?? ]] || failed=$((failed + 1))
  done
  echo "$failed"
}

proc_cpu() { awk -v c="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / c}' "/proc/$1/stat"; }
proc_rss() { awk '/VmRSS/{print int($2 / 1024)}' "/proc/$1/status"; }
classes() { # loaded classes, read from the JVM's performance counters (no attach)
  [ "$1" = native ] && { echo -; return; }
  "$(dirname "$(java_of "$1")")/jstat" -class "$app_pid" 2>/dev/null | awk 'NR == 2 {print $1}' || echo -
}

echo "forms: ${forms[*]}; $ROUNDS rounds; JAVA_OPTS='${JAVA_OPTS}'"
for form in "${forms[@]}"; do
  [ "$form" = native ] || echo "  $form: $(java_of "$form") ($("$(java_of "$form")" -version 2>&1 | head -1)) $(flags_of "$form")"
done
echo "before: $(uptime)"
printf '%-8s %5s %8s %8s %6s %6s %7s %7s %10s %11s %5s\n' form round started ready_ms cpu_s rss_mb classes load_ms cpu_load_s rss_load_mb load
for ((round = 1; round <= ROUNDS; round++)); do
  for ((k = 0; k < ${#forms[@]}; k++)); do
    form=${forms[(k + round - 1) % ${#forms[@]}]}
    redis-cli -p "$redis_port" flushall >/dev/null
    log=$(mktemp)
    loadavg=$(cut -d' ' -f1 /proc/loadavg)
    t0=$(date +%s%N)
    start "$form" "$log"
    wait_ready "$log"
    t1=$(date +%s%N)
    cpu=$(proc_cpu "$app_pid")
    rss=$(proc_rss "$app_pid")
    ncls=$(classes "$form")
    failed=$(load)
    t2=$(date +%s%N)
    cpu_load=$(proc_cpu "$app_pid")
    rss_load=$(proc_rss "$app_pid")
    stop
    # A cache or archive the JVM could not use is reported on its output; never measure without it.
    if grep -E '\[(warning|error) *\]\[(aot|cds)' "$log" | grep -v 'Skipping' | head -3 | grep . >&2; then
      echo "$form: the JVM did not use its cache or archive (above); rebuild with --build" >&2
      exit 1
    fi
    [ "$failed" = 0 ] || echo "$form: $failed of $LOAD_REQUESTS requests failed" >&2
    started=$(grep -o 'started in [0-9.]*s' "$log" | head -1 | grep -o '[0-9.]*' || echo '?')
    rm -f "$log"
    line="$form $round $started $(((t1 - t0) / 1000000)) $cpu $rss $ncls $(((t2 - t1) / 1000000)) $cpu_load $rss_load $loadavg"
    echo "$line" >>"$results"
    # shellcheck disable=SC2086 # one column a word
    printf '%-8s %5s %8s %8s %6s %6s %7s %7s %10s %11s %5s\n' $line
  done
done
echo "after: $(uptime)"

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
col() { awk -v f="$1" -v c="$2" '$1 == f {print $c}' "$results"; }
echo
echo "medians of $ROUNDS starts (started in: min-max)"
printf '| form | started in | ready (exec to first 200) | CPU until ready | RSS at ready | classes | CPU after load | RSS after load |\n|---|---|---|---|---|---|---|---|\n'
for form in "${forms[@]}"; do
  printf '| %s | %s s (%s-%s) | %s ms | %s s | %s MB | %s | %s s | %s MB |\n' "$form" \
    "$(col "$form" 3 | median)" "$(col "$form" 3 | sort -n | head -1)" "$(col "$form" 3 | sort -n | tail -1)" \
    "$(col "$form" 4 | median)" "$(col "$form" 5 | median)" "$(col "$form" 6 | median)" \
    "$([ "$form" = native ] && echo - || col "$form" 7 | median)" "$(col "$form" 9 | median)" "$(col "$form" 10 | median)"
done
