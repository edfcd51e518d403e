#!/usr/bin/env bash
# Redis Sentinel on loopback: a master, a replica and three sentinels of Debian's redis-server.
#
#   deploy/redis/sentinel.sh start DIR BASE_PORT   master BASE_PORT, replica BASE_PORT+1,
#                                                  sentinels BASE_PORT+2..BASE_PORT+4
#   deploy/redis/sentinel.sh stop DIR              ends the processes started under DIR
#   deploy/redis/sentinel.sh hosts BASE_PORT       the QUARKUS_REDIS_HOSTS value (the sentinels)
#   deploy/redis/sentinel.sh master BASE_PORT      host:port of the current master, as the sentinels say
#
# The master set is named $SENTINEL_MASTER_NAME (default gadmaster), quorum 2. A master silent
# for $SENTINEL_DOWN_AFTER ms (default 2000; Redis's default is 30000) is failed over. `start`
# returns once the replica is in sync and every sentinel knows the replica and the two others.
# Nothing is persisted.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=deploy/redis/lib.sh
. "$here/lib.sh"

MASTER_NAME=${SENTINEL_MASTER_NAME:-gadmaster}
DOWN_AFTER=${SENTINEL_DOWN_AFTER:-2000}

usage() {
  sed -n '2,14p' "$0" >&2
  exit 2
}

sentinel_ports() {
  seq $(($1 + 2)) $(($1 + 4))
}

replica_in_sync() {
  redis-cli -p "$1" INFO replication | grep -q '^master_link_status:up'
}

sentinels_agree() {
  local base=$1 port
  for port in $(sentinel_ports "$base"); do
    redis-cli -p "$port" SENTINEL MASTER "$MASTER_NAME" | paste - - | grep -qP '^num-slaves\t1$' || return 1
    redis-cli -p "$port" SENTINEL MASTER "$MASTER_NAME" | paste - - | grep -qP '^num-other-sentinels\t2$' || return 1
  done
}

start() {
  local dir=$1 base=$2 port
  require_redis
  # shellcheck disable=SC2046 # one word per port
  refuse_default_port $(seq "$base" $((base + 4)))
  for port in $(seq "$base" $((base + 4))); do
    port_free "$port" || { echo "port $port is in use" >&2; return 1; }
  done
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  # a start that fails half-way leaves nothing running
  trap 'stop_all "$dir"' ERR
  start_server "$dir" "$base"
  start_server "$dir" $((base + 1)) --replicaof 127.0.0.1 "$base"
  for port in $(sentinel_ports "$base"); do
    mkdir -p "$dir/$port"
    # sentinels rewrite their configuration file as they learn the topology
    cat >"$dir/$port/sentinel.conf" <<CONF
port $port
bind 127.0.0.1
daemonize yes
dir $dir/$port
pidfile $dir/$port/sentinel.pid
logfile $dir/$port/sentinel.log
sentinel monitor $MASTER_NAME 127.0.0.1 $base 2
sentinel down-after-milliseconds $MASTER_NAME $DOWN_AFTER
sentinel failover-timeout $MASTER_NAME 10000
sentinel parallel-syncs $MASTER_NAME 1
CONF
    redis-server "$dir/$port/sentinel.conf" --sentinel
  done
  wait_until 15 "replica $((base + 1)) in sync" replica_in_sync $((base + 1))
  wait_until 30 "sentinels agreeing on the topology" sentinels_agree "$base"
  trap - ERR
  echo "sentinel up: $(hosts "$base") master-name $MASTER_NAME"
}

hosts() {
  local port out=()
  for port in $(sentinel_ports "$1"); do
    out+=("redis://127.0.0.1:$port")
  done
  (IFS=,; echo "${out[*]}")
}

master() {
  local port
  for port in $(sentinel_ports "$1"); do
    if answers "$port"; then
      redis-cli -p "$port" SENTINEL GET-MASTER-ADDR-BY-NAME "$MASTER_NAME" | paste -sd:
      return 0
    fi
  done
  return 1
}

case "${1:-}" in
  start) [ $# -eq 3 ] || usage; start "$2" "$3" ;;
  stop) [ $# -eq 2 ] || usage; stop_all "$2" ;;
  hosts) [ $# -eq 2 ] || usage; hosts "$2" ;;
  master) [ $# -eq 2 ] || usage; master "$2" ;;
  *) usage ;;
esac
