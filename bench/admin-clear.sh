#!/usr/bin/env bash
# The admin endpoints on a large keyspace: plants KEYS (default 1,000,000) keys under a private
# prefix of the machine's Redis (127.0.0.1:6379), starts the packaged service with that prefix and
# times GET /api/v1/cache/stats (keys_count) and POST /api/v1/cache/clear, while
# `redis-cli --latency-history` records how long other clients wait. A key planted outside the
# prefix must survive. Uses the bench keys (bench/.work, made by bench/run.sh) and the bench database.
set -euo pipefail
cd "$(dirname "$0")/.."
KEYS=${KEYS:-1000000}
PREFIX=${PREFIX:-gadclear:}
PORT=${PORT:-28500}
W=bench/.work
[ -f "$W/privateKey.pem" ] || { echo "run bench/run.sh once first (keys in $W)" >&2; exit 2; }
[ -f app/target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
/usr/bin/python3 bench/lib/tokens.py "$W/privateKey.pem" "${JWT_ISSUER:-gad-stats}" "$W/admin-token.txt" admin 3600 1 2>/dev/null
TOKEN=$(awk '{print $2}' "$W/admin-token.txt")

awk -v n="$KEYS" -v p="$PREFIX" 'BEGIN { for (i = 0; i < n; i++) { k = p "stats:v1:{u" i "}:d30";
  printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n", length(k), k } }' | redis-cli --pipe | tail -1
redis-cli set outside:admin-clear:probe keep >/dev/null

DB_NAME=${BENCH_DB:-gad_bench} DB_USER=postgres CACHE_PREFIX=$PREFIX QUARKUS_HTTP_PORT=$PORT \
  MP_JWT_VERIFY_PUBLICKEY_LOCATION=$PWD/$W/publicKey.pem SMALLRYE_JWT_SIGN_KEY_LOCATION=$PWD/$W/privateKey.pem \
  java -jar app/target/quarkus-app/quarkus-run.jar > "$W/admin-clear-service.log" 2>&1 &
SVC=$!
LAT=""
trap 'kill $SVC 2>/dev/null; [ -n "$LAT" ] && kill $LAT 2>/dev/null; redis-cli del outside:admin-clear:probe >/dev/null' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/q/health/ready"; do sleep 0.2; done
redis-cli --latency-history -i 1 > "$W/admin-clear-latency.txt" 2>&1 &
LAT=$!
echo "stats:"; curl -s -w '\ntime %{time_total} s\n' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/cache/stats"
echo "clear:"; curl -s -w '\ntime %{time_total} s\n' -X POST -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/cache/clear"
sleep 1.5
echo "other clients meanwhile (redis-cli --latency-history: min max avg samples, ms):"
tr '\r' '\n' < "$W/admin-clear-latency.txt" | grep -v '^$' | tail -5
echo "key outside the prefix: $(redis-cli get outside:admin-clear:probe)"
