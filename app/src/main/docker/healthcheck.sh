#!/bin/bash
# Container health check without curl or wget (the native images carry neither): exits 0 when
# GET /q/health/<ready|live|started> on the local HTTP port answers 200. Kubernetes probes use
# httpGet instead; this serves docker-compose and plain container runtimes.
#   HEALTHCHECK CMD ["/work/healthcheck", "ready"]
set -u
exec 3<>"/dev/tcp/127.0.0.1/${QUARKUS_HTTP_PORT:-8080}" || exit 1
printf 'GET /q/health/%s HTTP/1.0\r\nHost: localhost\r\n\r\n' "${1:-ready}" >&3
IFS= read -r -t 5 status <&3 || exit 1
[[ $status == HTTP/1.?\ 200* ]]
