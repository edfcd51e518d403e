#!/usr/bin/env bash
# Shared by cluster.sh and sentinel.sh: Redis processes of Debian's redis-server on loopback,
# one directory per process under the topology's directory (config, pid, log, data).
# Sourced, not run.

# Never the machine's own Redis.
refuse_default_port() {
  local port
  for port in "$@"; do
    if [ "$port" = 6379 ]; then
      echo "refusing to use port 6379 (the machine's Redis)" >&2
      exit 2
    fi
  done
}

require_redis() {
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    echo "redis-server and redis-cli are needed (Debian: apt-get install redis-server redis-tools)" >&2
    exit 2
  fi
}

# port_free PORT: nothing listens on 127.0.0.1:PORT
port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# start_server DIR PORT [redis-server options...]: a daemonized redis-server, data kept nowhere.
# DEBUG is allowed from loopback so failover drills can crash a node (DEBUG SEGFAULT).
start_server() {
  local dir=$1 port=$2
  shift 2
  if ! port_free "$port"; then
    echo "port $port is already in use" >&2
    return 1
  fi
  # a node starts empty: no cluster state or data left by an earlier run in this directory
  rm -rf "${dir:?}/$port"
  mkdir -p "$dir/$port"
  # redis-server changes into --dir before it opens the other files: absolute paths only
  dir=$(cd "$dir" && pwd)
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes \
    --dir "$dir/$port" --pidfile "$dir/$port/redis.pid" --logfile "$dir/$port/redis.log" \
    --save "" --appendonly no --enable-debug-command local "$@"
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_until() {
  local seconds=$1 what=$2 deadline
  shift 2
  deadline=$(( $(date +%s) + seconds ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "timed out after ${seconds}s waiting for: $what" >&2
      return 1
    fi
    sleep 0.2
  done
}

answers() {
  [ "$(redis-cli -p "$1" PING 2>/dev/null)" = PONG ]
}

# stop_all DIR: ends every process whose pid file is under DIR (SIGTERM, then SIGKILL after 10 s).
stop_all() {
  local dir=$1 pidfile pid pids=()
  for pidfile in "$dir"/*/redis.pid "$dir"/*/sentinel.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
    rm -f "$pidfile"
  done
  local i
  for pid in "${pids[@]}"; do
    for i in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
      [ "$i" -lt 50 ] || kill -9 "$pid" 2>/dev/null || true
    done
  done
}
