#!/usr/bin/env bash
# A real Redis Cluster on loopback: 3 masters + 3 replicas of Debian's redis-server.
#
#   deploy/redis/cluster.sh start DIR BASE_PORT   nodes on BASE_PORT..BASE_PORT+5 (bus: +10000)
#   deploy/redis/cluster.sh stop DIR              ends the processes started under DIR
#   deploy/redis/cluster.sh hosts BASE_PORT       the QUARKUS_REDIS_HOSTS value for it
#   deploy/redis/cluster.sh reshard BASE_PORT N   moves N slots from one master to another (live)
#   deploy/redis/cluster.sh masters BASE_PORT     host:port of each master, one per line
#
# Pick BASE_PORT so that BASE_PORT+10005 stays below the ephemeral range (32768 on Linux).
# Nothing is persisted. CLUSTER_NODE_TIMEOUT (ms, default 2000; Redis's default is 15000) sets
# how soon a silent master is failed over. `start` returns once every node reports cluster_state:ok,
# knows all six nodes and every replica is in sync.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=deploy/redis/lib.sh
. "$here/lib.sh"

NODE_TIMEOUT=${CLUSTER_NODE_TIMEOUT:-2000}

usage() {
  sed -n '2,14p' "$0" >&2
  exit 2
}

ports_of() {
  local base=$1
  seq "$base" $((base + 5))
}

cluster_ready() {
  local base=$1 port info
  for port in $(ports_of "$base"); do
    info=$(redis-cli -p "$port" CLUSTER INFO) || return 1
    grep -q '^cluster_state:ok' <<<"$info" || return 1
    grep -q '^cluster_known_nodes:6' <<<"$info" || return 1
    if redis-cli -p "$port" ROLE | head -n1 | grep -q slave; then
      [ "$(redis-cli -p "$port" ROLE | sed -n 4p)" = connected ] || return 1
    fi
  done
}

start() {
  local dir=$1 base=$2 port nodes=()
  require_redis
  # shellcheck disable=SC2046 # one word per port
  refuse_default_port $(ports_of "$base")
  for port in $(ports_of "$base"); do
    # the cluster bus listens on port + 10000
    port_free "$port" && port_free $((port + 10000)) || { echo "port $port or $((port + 10000)) is in use" >&2; return 1; }
  done
  mkdir -p "$dir"
  # a start that fails half-way leaves nothing running
  trap 'stop_all "$dir"' ERR
  for port in $(ports_of "$base"); do
    start_server "$dir" "$port" --cluster-enabled yes --cluster-config-file nodes.conf \
      --cluster-node-timeout "$NODE_TIMEOUT" --cluster-require-full-coverage no
    nodes+=("127.0.0.1:$port")
  done
  for port in $(ports_of "$base"); do
    wait_until 15 "node $port" answers "$port"
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 \
    || { cat "$dir/create.log" >&2; return 1; }
  wait_until 30 "cluster state ok on every node" cluster_ready "$base"
  trap - ERR
  echo "cluster up: $(hosts "$base")"
}

hosts() {
  local base=$1 port out=()
  for port in $(ports_of "$base"); do
    out+=("redis://127.0.0.1:$port")
  done
  (IFS=,; echo "${out[*]}")
}

# masters BASE: the current masters, as any live node sees them
masters() {
  local base=$1 port
  for port in $(ports_of "$base"); do
    if answers "$port"; then
      redis-cli -p "$port" CLUSTER NODES | awk '$3 ~ /master/ && $3 !~ /fail/ && NF > 8 { split($2, a, "@"); print a[1] }'
      return 0
    fi
  done
  return 1
}

node_id() {
  redis-cli -p "$1" CLUSTER MYID
}

# reshard BASE SLOTS: moves SLOTS slots from the first master to the second, key by key (MIGRATE),
# while clients keep running: they meet ASK and MOVED redirections meanwhile.
reshard() {
  local base=$1 slots=$2 from to any
  mapfile -t ms < <(masters "$base")
  from=$(node_id "${ms[0]##*:}")
  to=$(node_id "${ms[1]##*:}")
  any=${ms[0]}
  redis-cli --cluster reshard "$any" --cluster-from "$from" --cluster-to "$to" \
    --cluster-slots "$slots" --cluster-yes --cluster-pipeline 100 >/dev/null
  # keys and slots per master (check's exit status also counts warnings such as replicas on one host)
  redis-cli --cluster check "$any" | grep -E ' keys \| [0-9]+ slots' || true
}

case "${1:-}" in
  start) [ $# -eq 3 ] || usage; start "$2" "$3" ;;
  stop) [ $# -eq 2 ] || usage; stop_all "$2" ;;
  hosts) [ $# -eq 2 ] || usage; hosts "$2" ;;
  masters) [ $# -eq 2 ] || usage; masters "$2" ;;
  reshard) [ $# -eq 3 ] || usage; reshard "$2" "$3" ;;
  *) usage ;;
esac
