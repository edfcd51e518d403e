#!/bin/bash
# The training run of the image build (Dockerfile.jvm): makes the JDK 25 AOT cache app.aot for the
# aot-jar in the current directory. It starts the service with -XX:AOTCacheOutput=app.aot and the
# JVM flags given as arguments (those of the image's ENTRYPOINT: a cache is only used by a JVM with
# compatible flags), sends the requests that need neither PostgreSQL nor Redis (neither runs in an
# image build), then stops it; the JVM writes app.aot as it exits.
#
# What it trains: the whole start (configuration, CDI, Vert.x, HTTP, Micrometer, health, OpenAPI,
# the reactive clients), and the request paths of health, metrics, OpenAPI, token verification (a
# well-formed RS256 token whose signature does not verify: 401), input validation (400) and the
# failure paths of logins with the backends down. The cache that `./mvnw verify -Paot` trains with the integration tests covers the request
# paths with PostgreSQL and Redis too (logins, misses, hits, writes).
#
#   cd target/quarkus-app && ../../src/main/docker/aot-train.sh -XX:MaxRAMPercentage=75
set -euo pipefail
port=${TRAIN_PORT:-18089}
# A throwaway RSA public key, whose private key nobody kept, and a token "signed" with zeros: the
# service parses and checks it like any token and refuses it.
public_key=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAuwfs4WxxpAy71zOeFC2rxHIGmrNzJIgz5PZQKJaGQuHlS5AaWcF6Sh6YD0IZyO24XteKAx8l2SP0wpGvD8aU8iJmjefEiccEI9KyHugL+TV1DJFHXbCYk9P2PwZU6TpCSv47lfPOng5XzHmaIC0E3X1/DsByVQdg1lRkI+bcEhtDnAfR8kRARyflgfiJUDkc1BAzmJrDYLYmsjJg4qauxzqVs21+5Ks84dLPtg1dKRNnvbgDGy6CzG5dJ7VGOc2hyzcvSQPZdPjyzPVpCGRG5jzYAPLgwD2TsfNRiC+2UvUEnNlpBIdh2TFtq7zoxy+LBbpbszkzNqx9QpiqTuEdDQIDAQAB
token=eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJnYWQtc3RhdHMiLCJzdWIiOiIxIiwidXBuIjoidHJhaW5pbmdAZXhhbXBsZS5vcmciLCJncm91cHMiOlsiYWRtaW4iXSwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjQxMDI0NDQ4MDB9.$(printf 'A%.0s' {1..342})
# Backends that refuse at once (port 1): no login or statistics read can succeed here.
java -XX:AOTCacheOutput=app.aot "$@" \
  -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" \
  -Dquarkus.datasource.reactive.url=postgresql://127.0.0.1:1/training \
  -Dquarkus.redis.hosts=redis://127.0.0.1:1 \
  -Dmp.jwt.verify.publickey="$public_key" \
  -jar quarkus-run.jar &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT

# request METHOD PATH [BODY] [AUTHORIZATION]: one HTTP/1.0 request; prints the status code
# (bash's /dev/tcp: the image carries neither curl nor wget)
request() {
  local status body=${3:-} auth=""
  [ -z "${4:-}" ] || auth="Authorization: $4"$'\r\n'
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf '%s %s HTTP/1.0\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n%s' \
    "$1" "$2" "${#body}" "$auth" "$body" >&3
  IFS=' ' read -r -t 10 _ status _ <&3 || status=none
  cat <&3 >/dev/null || true
  exec 3<&-
  echo "$status"
}

for _ in $(seq 300); do
  [ "$(request GET /q/health/live 2>/dev/null)" = 200 ] && break
  kill -0 "$pid" || { echo "the service stopped during the training run" >&2; exit 1; }
  sleep 0.2
done
for i in $(seq 30); do
  request GET /q/health/ready >/dev/null
  request GET /q/health/started >/dev/null
  request GET /q/metrics >/dev/null
  request GET /api/v1/stats/user/1 >/dev/null
  request GET "/api/v1/stats/user/1?days=7" '' "Bearer $token" >/dev/null
  request GET /api/v1/tasks '' 'Bearer not.a.token' >/dev/null
  request POST /api/v1/tasks '{"titulo":' "Bearer $token" >/dev/null
  request POST /api/v1/auth/login '{"email":"x@example.org"}' >/dev/null
  request POST /api/v1/auth/login "{\"email\":\"training-$i@example.org\",\"password\":\"training-Passw0rd\"}" >/dev/null
done
request GET /q/openapi >/dev/null

kill "$pid"
wait "$pid" || true
[ -s app.aot ] || { echo "no AOT cache was written" >&2; exit 1; }
