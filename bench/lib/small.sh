#!/usr/bin/env bash
# Shared by the scripts that drive the packaged service on the small data set of bench/topology.sh
# (bench/slow-redis.sh, bench/cold-key.sh): the helpers they use and the data set's size. Sourced,
# not run, from the repository root with ROOT set.
# shellcheck source=deploy/redis/lib.sh
. deploy/redis/lib.sh
# shellcheck source=bench/lib/service.sh
. bench/lib/service.sh
# shellcheck source=bench/lib/nginx.sh
. bench/lib/nginx.sh   # free_port

# shellcheck disable=SC2034 # read by the scripts that source this
USERS=2000
# shellcheck disable=SC2034
TASKS=200000
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
export PGHOST PGPORT PGUSER
