#!/usr/bin/env bash
# Start-up time and memory of the packaged JVM application (app/target/quarkus-app), measured the way
# docs/operations.md "Native build" reports them. Starts the jar RUNS times (default 5), each
# time until /q/health/ready answers 200, and prints per run:
#   started   Quarkus' own "started in" figure
#   ready_ms  wall time from exec to the first 200 of /q/health/ready
#   cpu_s     CPU time (user+sys) the process used until then: the figure least disturbed by
#             other load on the machine
#   rss_mb    resident set size at ready, and after 100 requests to the statistics endpoint
# then the median of each column. Extra arguments go to the JVM or the native binary, e.g.
# -XX:SharedArchiveFile=app-cds.jsa for an archive built with -Dquarkus.package.jar.appcds.enabled.
#
# Needs PostgreSQL with the schema and Redis; configure them as for production:
#   DB_HOST DB_PORT DB_NAME DB_USER DB_PASSWORD REDIS_HOST REDIS_PORT CACHE_PREFIX
#   MP_JWT_VERIFY_PUBLICKEY_LOCATION SMALLRYE_JWT_SIGN_KEY_LOCATION  (defaults: the test keys)
# and USER_ID, an existing user whose statistics the 100 requests read (default 1).
# A native binary can be measured the same way with APP=app/target/*-runner.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
PORT=${PORT:-18080}
APP=$(realpath "${APP:-app/target/quarkus-app/quarkus-run.jar}")
export MP_JWT_VERIFY_PUBLICKEY_LOCATION=${MP_JWT_VERIFY_PUBLICKEY_LOCATION:-$PWD/app/src/test/resources/publicKey.pem}
export SMALLRYE_JWT_SIGN_KEY_LOCATION=${SMALLRYE_JWT_SIGN_KEY_LOCATION:-$PWD/app/src/test/resources/privateKey.pem}
export QUARKUS_HTTP_PORT=$PORT
clk=$(getconf CLK_TCK)
USER_ID=${USER_ID:-1}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
# An administrator token for USER_ID, signed with the configured signing key (RS256).
mint_token() {
  local now header payload
  now=$(date +%s)
  header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
  payload=$(printf '{"iss":"%s","sub":"%s","upn":"measure@gad.local","groups":["admin"],"iat":%d,"exp":%d}' \
    "${JWT_ISSUER:-gad-stats}" "$USER_ID" "$now" $((now + 600)) | b64url)
  printf '%s.%s.%s' "$header" "$payload" \
    "$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$SMALLRYE_JWT_SIGN_KEY_LOCATION" | b64url)"
}
TOKEN=$(mint_token)
results=$(mktemp)
trap 'rm -f "$results"' EXIT

for run in $(seq "$RUNS"); do
  log=$(mktemp)
  t0=$(date +%s%N)
  # from the application's directory, as the container images run it (an AppCDS archive
  # records the class path relative to it)
  if [[ $APP == *.jar ]]; then
    (cd "$(dirname "$APP")" && exec java "$@" -jar "$(basename "$APP")") >"$log" 2>&1 &
  else
    "$APP" "$@" >"$log" 2>&1 &
  fi
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$PORT/q/health/ready"; do
    kill -0 "$pid" 2>/dev/null || { echo "the application stopped:" >&2; tail -20 "$log" >&2; exit 1; }
    sleep 0.01
  done
  t1=$(date +%s%N)
  read -r utime stime < <(awk '{print $14, $15}' "/proc/$pid/stat")
  rss_ready=$(awk '/VmRSS/{print int($2/1024)}' "/proc/$pid/status")
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/api/v1/stats/user/$USER_ID" -H "Authorization: Bearer $TOKEN"
  done
  rss_load=$(awk '/VmRSS/{print int($2/1024)}' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  started=$(grep -o 'started in [0-9.]*s' "$log" | head -1 | grep -o '[0-9.]*' || echo '?')
  rm -f "$log"
  line="$started $(( (t1 - t0) / 1000000 )) $(awk -v u="$utime" -v s="$stime" -v c="$clk" 'BEGIN{printf "%.2f", (u+s)/c}') $rss_ready $rss_load"
  echo "$line" >>"$results"
  read -r f1 f2 f3 f4 f5 <<<"$line"
  printf 'run %d: started %ss  ready_ms %s  cpu_s %s  rss_mb %s (after 100 requests %s)\n' "$run" "$f1" "$f2" "$f3" "$f4" "$f5"
done
median() { sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
printf 'median: started %ss  ready_ms %s  cpu_s %s  rss_mb %s (after 100 requests %s)\n' \
  "$(cut -d' ' -f1 "$results" | median)" "$(cut -d' ' -f2 "$results" | median)" \
  "$(cut -d' ' -f3 "$results" | median)" "$(cut -d' ' -f4 "$results" | median)" "$(cut -d' ' -f5 "$results" | median)"
