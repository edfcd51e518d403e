#!/usr/bin/env bash
# The HTTP ceiling, shared by bench/run.sh and bench/near-cache.sh. Sourced, not run.
#
# start_static_nginx DIR PORT: a private nginx (own config, pid and logs under DIR, never the
# system service) on 127.0.0.1:PORT serving DIR/hit.json for every path, so the same wrk script,
# tokens and connections as the service scenarios can be pointed at it. No access log; keep-alive
# connections are never closed by a request count (wrk, like the service, keeps them open).
# Sets NGINX_PID; returns 1 (and NGINX_PID empty) when nginx does not answer.
start_static_nginx() {
  local dir=$1 port=$2 nginx
  nginx=$(command -v nginx || echo /usr/sbin/nginx)
  mkdir -p "$dir/tmp"
  cat > "$dir/nginx.conf" <<NGINX_CONF
daemon off;
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  server_tokens off;
  keepalive_requests 100000000;
  keepalive_timeout 75s;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$port;
    root $dir;
    default_type application/json;
    etag off;
    location / { try_files /hit.json =404; }
  }
}
NGINX_CONF
  "$nginx" -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" > "$dir/stdout.log" 2>&1 &
  NGINX_PID=$!
  for _ in $(seq 1 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/" && return 0
    kill -0 "$NGINX_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "nginx did not start: $(tail -3 "$dir/error.log" "$dir/stdout.log" 2>/dev/null)" >&2
  NGINX_PID=""
  return 1
}

# free_port: a free loopback TCP port
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
