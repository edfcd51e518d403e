#!/usr/bin/env python3
"""Consistency checker of gad-stats, in the spirit of Jepsen: run by bench/consistency/run.sh.

It starts everything it needs (its own database on the machine's PostgreSQL, its own Redis
topology, three instances of the packaged service behind HAProxy, TCP proxies it can break),
drives writers (tasks API and straight SQL) and readers (statistics) through the load balancer
while a nemesis injects faults, then checks every read against the history of each user's figures
that the database itself recorded. See docs/consistency.md.
"""
import argparse
import bisect
import datetime
import http.client
import json
import multiprocessing
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import traceback

import jwt
import psycopg2
from cryptography.hazmat.primitives import serialization

FIELDS = ("total", "completadas", "en_progreso", "programadas", "canceladas", "pausadas",
          "promedio_duracion_horas", "productividad_diaria")
DAYS = 365                      # the window never moves during a run: every task is younger than 30 days
JAVA_OPTS = os.environ.get("CONSISTENCY_JAVA_OPTS",
                           "-XX:+UseSerialGC -Xmx64m -XX:NewRatio=1 -XX:SurvivorRatio=4")   # bench/lib/service.sh
SENTINEL_MASTER = "gadmaster"
LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


def env_ms(name, default):
    return float(os.environ.get(name, default)) / 1000.0


# Bounds (seconds) a read may lag a committed change by, from the product's documentation.
SQL_BOUND = env_ms("CONSISTENCY_SQL_BOUND_MS", 1000)          # docs/database-invalidation.md (bench: stale after 1 s)
API_BOUND = env_ms("CONSISTENCY_API_BOUND_MS", 1000)          # docs/near-cache.md: another instance, one push hop
FAILOVER_BOUND = env_ms("CONSISTENCY_FAILOVER_BOUND_MS", 2000)  # after the new master is promoted (issue target, near-cache silent-link bound)
QUIET_BEFORE = env_ms("CONSISTENCY_QUIET_BEFORE_MS", 2000)      # writers paused this long before a failover's kill
QUIET_AFTER = env_ms("CONSISTENCY_QUIET_AFTER_MS", 3000)        # writers stay paused this long after a failover's bound
UNKNOWN_ACK = env_ms("CONSISTENCY_UNKNOWN_ACK_MS", 5000)      # a change whose writer saw no answer: its commit lies within this of the log time

T0 = time.time()


def log(msg):
    print(f"[consistency {datetime.datetime.now().strftime('%H:%M:%S')} +{time.time() - T0:5.1f}s] {msg}",
          file=sys.stderr, flush=True)


def sh(*args, check=True, capture=True, timeout=120, env=None):
    r = subprocess.run(list(args), capture_output=capture, text=True, timeout=timeout, env=env)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({r.returncode}): {r.stderr.strip()[-500:]}")
    return r.stdout if capture else ""


def port_free(port):
    """Nothing listens on 127.0.0.1:port (a connect test: TIME_WAIT leftovers do not count)."""
    with socket.socket() as s:
        s.settimeout(1)
        try:
            s.connect(("127.0.0.1", port))
            return False
        except OSError:
            return True


def rcli(port, *args, timeout=5):
    r = subprocess.run(["redis-cli", "-p", str(port), *[str(a) for a in args]], capture_output=True, text=True,
                       timeout=timeout)
    return r.stdout.strip() if r.returncode == 0 else None


def redis_info(port, section="replication"):
    out = rcli(port, "INFO", section) or ""
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def wait_for(what, predicate, timeout, interval=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if predicate():
                return True
        except Exception:   # a predicate that cannot answer yet is a "no"
            pass
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


# ---------------------------------------------------------------------------------------------
# The world: database, Redis topology, proxies, instances, load balancer
# ---------------------------------------------------------------------------------------------
class World:
    def __init__(self, args):
        self.args = args
        self.root = args.root
        self.work = args.work
        self.app = os.path.join(self.root, "app/target/quarkus-app")
        self.topology = args.topology
        self.db = args.db
        self.pg = dict(host="127.0.0.1", port=5432, user="postgres", dbname=self.db)
        self.users = list(range(2, 2 + args.users))
        self.children = []          # Popen objects we started (proxies, haproxy)
        self.instances = {}         # name -> dict(port, proc, log, skew)
        self.redis_dir = os.path.join(self.work, "redis")
        self.pick_ports()

    # ports: Redis BASE..BASE+5 (Cluster bus +10000), then the proxies, the LB and the instances
    def pick_ports(self):
        rnd = random.Random(os.getpid())
        for _ in range(200):
            base = rnd.randrange(20000, 22000, 20)
            ports = list(range(base, base + 13)) + [p + 10000 for p in range(base, base + 6)]
            if 6379 not in ports and all(port_free(p) for p in ports):
                self.base = base
                self.pg_proxy_port = base + 6
                self.repl_proxy_port = base + 7
                self.lb_port = base + 8
                self.instance_ports = {"i1": base + 9, "i2": base + 10, "i3": base + 11}
                return
        raise RuntimeError("no free port range found")

    def pg_connect(self, via_proxy=False, dbname=None):
        conn = psycopg2.connect(host="127.0.0.1", port=self.pg_proxy_port if via_proxy else 5432, user="postgres",
                                dbname=dbname or self.db, connect_timeout=5, application_name="gad-consistency")
        return conn

    # ---- database
    def setup_database(self):
        log(f"database {self.db}: create, migrate (DB_MIGRATE, QUARKUS_INIT_AND_EXIT), seed, install the history")
        admin = self.pg_connect(dbname="postgres")
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (self.db,))
            cur.execute(f'DROP DATABASE IF EXISTS "{self.db}"')
            cur.execute(f'CREATE DATABASE "{self.db}"')
        admin.close()
        env = dict(os.environ, DB_HOST="127.0.0.1", DB_PORT="5432", DB_NAME=self.db, DB_USER="postgres",
                   DB_PASSWORD="", MP_JWT_VERIFY_PUBLICKEY_LOCATION=f"{self.work}/publicKey.pem",
                   DB_MIGRATE="true", QUARKUS_INIT_AND_EXIT="true", QUARKUS_HTTP_PORT="0")
        with open(f"{self.work}/migrate.log", "w") as out:
            r = subprocess.run(["java", "-jar", "quarkus-run.jar"], cwd=self.app, env=env, stdout=out,
                               stderr=subprocess.STDOUT, timeout=300)
        if r.returncode != 0:
            raise RuntimeError(f"migration failed, see {self.work}/migrate.log")
        conn = self.pg_connect()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("""INSERT INTO usuarios (id, email, nombre, apellido, nivel, hashed_password)
                           SELECT g, 'check' || g || '@consistency.gad.local', 'Check' || g, 'Consistency',
                                  CASE WHEN g = 1 THEN 2 ELSE 1 END,
                                  '$2a$10$benchbenchbenchbenchbeuZ1mB0Jr3Zq8gQ6oJpQ6o1k7yq9wHyG'
                             FROM generate_series(1, %s) g""", (1 + len(self.users),))
            cur.execute("SELECT setval(pg_get_serial_sequence('usuarios', 'id'), (SELECT max(id) FROM usuarios))")
            # a few tasks per user, all younger than 30 days, some finished (so durations count)
            cur.execute("""INSERT INTO tareas (codigo, titulo, tipo, estado, delegado_usuario_id, creado_por_usuario_id,
                                               inicio_real, fin_real, created_at, updated_at)
                           SELECT 'CKS-' || u || '-' || k, 'seed', 'patrullaje',
                                  (ARRAY['programada','en_curso','finalizada','cancelada','pausada'])[1 + mod(u + k, 5)],
                                  u, 1,
                                  CASE WHEN mod(u + k, 5) IN (1, 2, 4) THEN now() - make_interval(days => k, hours => 5) END,
                                  CASE WHEN mod(u + k, 5) = 2 THEN now() - make_interval(days => k, hours => 5 - mod(u, 4)) END,
                                  now() - make_interval(days => k), now()
                             FROM generate_series(2, %s) u, generate_series(1, 3 + mod(u, 5)) k""",
                        (1 + len(self.users),))
            src = open(os.path.join(self.root, "app/src/main/java/com/gad/stats/stats/repository/StatsRepository.java")).read()
            stats_sql = re.search(r'USER_STATS_SQL = """(.*?)""";', src, re.S).group(1)
            self.stats_sql = stats_sql
            history = open(os.path.join(self.root, "bench/consistency/history.sql")).read()
            fn_sql = stats_sql.replace("$1", "p_uid").replace("$2", str(DAYS))
            cur.execute(history.replace("/*STATS_SQL*/", fn_sql))
            cur.execute("SELECT count(*) FROM (SELECT consistency_log_user(id, NULL) FROM usuarios WHERE id > 1) s")
        conn.close()

    # ---- Redis
    def redis_args(self, port):
        d = os.path.join(self.redis_dir, str(port))
        args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--daemonize", "yes", "--dir", d,
                "--pidfile", f"{d}/redis.pid", "--logfile", f"{d}/redis.log", "--save", "", "--appendonly", "no",
                "--enable-debug-command", "local"]
        if self.topology == "cluster":
            args += ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout",
                     os.environ.get("CLUSTER_NODE_TIMEOUT", "2000"), "--cluster-require-full-coverage", "no"]
        return args

    def redis_pid(self, port):
        with open(os.path.join(self.redis_dir, str(port), "redis.pid")) as f:
            return int(f.read().strip())

    def data_ports(self):
        n = {"standalone": 1, "sentinel": 2, "cluster": 6}[self.topology]
        return list(range(self.base, self.base + n))

    def setup_redis(self):
        log(f"Redis {self.topology} on ports {self.base}..")
        os.makedirs(self.redis_dir, exist_ok=True)
        if self.topology == "standalone":
            sh("bash", "-c", f'. "{self.root}/deploy/redis/lib.sh" && start_server "$1" "$2"', "_",
               self.redis_dir, str(self.base))
            wait_for("Redis", lambda: rcli(self.base, "PING") == "PONG", 10)
            self.redis_env = {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(self.base)}
        elif self.topology == "sentinel":
            sh(f"{self.root}/deploy/redis/sentinel.sh", "start", self.redis_dir, str(self.base), timeout=120)
            hosts = sh(f"{self.root}/deploy/redis/sentinel.sh", "hosts", str(self.base)).strip()
            self.redis_env = {"QUARKUS_REDIS_CLIENT_TYPE": "sentinel", "QUARKUS_REDIS_HOSTS": hosts,
                              "QUARKUS_REDIS_MASTER_NAME": SENTINEL_MASTER, "QUARKUS_REDIS_ROLE": "master"}
        else:
            sh(f"{self.root}/deploy/redis/cluster.sh", "start", self.redis_dir, str(self.base), timeout=120)
            hosts = sh(f"{self.root}/deploy/redis/cluster.sh", "hosts", str(self.base)).strip()
            self.redis_env = {"QUARKUS_REDIS_CLIENT_TYPE": "cluster", "QUARKUS_REDIS_HOSTS": hosts}

    def sentinel_master_port(self):
        for port in range(self.base + 2, self.base + 5):
            out = rcli(port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", SENTINEL_MASTER)
            if out:
                return int(out.split()[-1])
        raise RuntimeError("no sentinel answers")

    def cluster_nodes(self):
        for port in self.data_ports():
            out = rcli(port, "CLUSTER", "NODES")
            if out:
                nodes = []
                for line in out.splitlines():
                    f = line.split()
                    nodes.append({"id": f[0], "port": int(f[1].split("@")[0].split(":")[1]), "flags": f[2],
                                  "master": f[3], "slots": f[8:]})
                return nodes
        raise RuntimeError("no cluster node answers")

    # ---- proxies and load balancer
    def start_proxy(self, listen, target, name, refuse=3.0):
        status = f"{self.work}/{name}.status"
        if os.path.exists(status):
            os.remove(status)
        proc = subprocess.Popen([sys.executable, os.path.join(self.root, "bench/consistency/proxy.py"), str(listen),
                                 str(target), status, str(refuse)], stdout=subprocess.DEVNULL,
                                stderr=open(f"{self.work}/{name}.log", "a"))
        self.children.append(proc)
        wait_for(f"proxy {name}", lambda: os.path.exists(status), 10)
        return proc, status

    def setup_pg_proxy(self):
        self.pg_proxy, self.pg_proxy_status = self.start_proxy(self.pg_proxy_port, 5432, "pg-proxy")

    def setup_lb(self):
        cfg = f"{self.work}/haproxy.cfg"
        servers = "\n".join(f"  server {n} 127.0.0.1:{p} check" for n, p in self.instance_ports.items())
        with open(cfg, "w") as f:
            f.write(f"""global
  maxconn 4000
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 15s
  retries 2
  option redispatch
frontend consistency
  bind 127.0.0.1:{self.lb_port}
  default_backend instances
backend instances
  balance roundrobin
  option httpchk GET /q/health/ready
  timeout check 2s
  default-server inter 1s fall 3 rise 1
  http-response set-header X-Served-By %[srv_name]
{servers}
""")
        proc = subprocess.Popen(["haproxy", "-f", cfg, "-db"], stdout=open(f"{self.work}/haproxy.log", "w"),
                                stderr=subprocess.STDOUT)
        self.children.append(proc)
        self.haproxy = proc
        wait_for("HAProxy", lambda: not port_free(self.lb_port), 10)

    # ---- instances
    def instance_env(self, name, skew=None):
        env = dict(os.environ, DB_HOST="127.0.0.1", DB_PORT=str(self.pg_proxy_port), DB_NAME=self.db,
                   DB_USER="postgres", DB_PASSWORD="",
                   MP_JWT_VERIFY_PUBLICKEY_LOCATION=f"{self.work}/publicKey.pem",
                   SMALLRYE_JWT_SIGN_KEY_LOCATION=f"{self.work}/privateKey.pem",
                   QUARKUS_HTTP_HOST="127.0.0.1", QUARKUS_HTTP_PORT=str(self.instance_ports[name]),
                   MALLOC_ARENA_MAX="2", **self.redis_env)
        if skew:
            # the wall clock only: the JVM's monotonic clock (timeouts, the near cache's TTLs) stays real
            env.update(LD_PRELOAD=LIBFAKETIME, FAKETIME=skew, FAKETIME_DONT_FAKE_MONOTONIC="1",
                       FAKETIME_NO_CACHE="0")
        return env

    def start_instance(self, name, skew=None, wait=True, timeout=180):
        port = self.instance_ports[name]
        if not port_free(port):
            wait_for(f"port {port} free", lambda: port_free(port), 15)
        logfile = f"{self.work}/{name}.log"
        out = open(logfile, "a")
        out.write(f"\n==== start {datetime.datetime.now().isoformat()} skew={skew}\n")
        out.flush()
        proc = subprocess.Popen(["java", *JAVA_OPTS.split(), "-jar", "quarkus-run.jar"], cwd=self.app,
                                env=self.instance_env(name, skew), stdout=out, stderr=subprocess.STDOUT)
        self.instances[name] = {"port": port, "proc": proc, "log": logfile, "skew": skew}
        if wait:
            self.wait_ready(name, timeout)
        return proc

    def ready(self, name):
        c = http.client.HTTPConnection("127.0.0.1", self.instance_ports[name], timeout=2)
        try:
            c.request("GET", "/q/health/ready")
            return c.getresponse().status == 200
        finally:
            c.close()

    def wait_ready(self, name, timeout=180):
        proc = self.instances[name]["proc"]

        def up():
            if proc.poll() is not None:
                raise RuntimeError(f"instance {name} exited ({proc.returncode}); see {self.instances[name]['log']}")
            return self.ready(name)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if up():
                    return
            except RuntimeError:
                raise
            except Exception:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"instance {name} not ready after {timeout}s")

    def stop_instance(self, name, sig=signal.SIGTERM):
        proc = self.instances[name]["proc"]
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def listener_pids(self):
        conn = self.pg_connect()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("""SELECT pid FROM pg_stat_activity
                            WHERE datname = %s AND application_name = 'gad-stats-listener'""", (self.db,))
            pids = [r[0] for r in cur.fetchall()]
        conn.close()
        return pids

    def teardown(self):
        for name in list(self.instances):
            try:
                self.stop_instance(name)
            except Exception:
                pass
        for proc in self.children:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        subprocess.run([f"{self.root}/deploy/redis/cluster.sh", "stop", self.redis_dir], capture_output=True)


# ---------------------------------------------------------------------------------------------
# Clients (separate processes, so the GIL does not serialise them)
# ---------------------------------------------------------------------------------------------
class Http:
    def __init__(self, port):
        self.port = port
        self.conn = None

    def call(self, method, path, token, body=None, timeout=10):
        payload = b"" if body is None else json.dumps(body).encode()
        headers = {"Authorization": "Bearer " + token, "Content-Length": str(len(payload))}
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            self.conn.request(method, path, body=payload, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
            if resp.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return resp.status, data, resp.getheader("X-Served-By", "?")
        except (OSError, http.client.HTTPException) as e:
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return 0, str(e).encode(), "?"


def figures_of(body):
    """The compared part of a statistics body: counts, and both decimals in hundredths."""
    return [int(body[f]) for f in FIELDS[:6]] + [int(round(float(body[f]) * 100)) for f in FIELDS[6:]]


def read_stats(client, http_, token, uid, out):
    t0 = time.time()
    status, data, served = http_.call("GET", f"/api/v1/stats/user/{uid}?days={DAYS}", token)
    t1 = time.time()
    rec = {"c": client, "u": uid, "s": t0, "e": t1, "st": status, "i": served}
    if status == 200:
        body = json.loads(data)
        rec["f"] = figures_of(body)
        cache = body.get("_cache", {})
        rec["src"] = cache.get("source") or cache.get("reason") or ("hit" if cache.get("hit") else "?")
    out.write(json.dumps(rec) + "\n")
    return rec


def paced(stop, rate, quiet=None):
    """Yields at `rate` per second until stop is set; never while quiet is set (writers only)."""
    interval = 1.0 / rate if rate > 0 else 0
    nxt = time.time()
    while not stop.is_set():
        now = time.time()
        if now < nxt or (quiet is not None and quiet.is_set()):
            time.sleep(min(max(nxt - now, 0.01), 0.2))
            continue
        nxt = max(nxt + interval, now - 1)
        yield


def reader_main(client, lb_port, token, users, rate, max_reads, out_file, stop):
    random.seed(client)
    http_ = Http(lb_port)
    n = 0
    with open(out_file, "w") as out:
        for _ in paced(stop, rate):
            read_stats(client, http_, token, random.choice(users), out)
            n += 1
            if n >= max_reads:
                break


PHASE_SECONDS = float(os.environ.get("CONSISTENCY_WRITE_PHASE_SECONDS", "6"))


def writable(users):
    """The users written now: a third of them, turn by turn, PHASE_SECONDS each. Each user is then left
    alone for two phases while still read, so a lost invalidation is not healed at once by the next write."""
    phase = int(time.time() / PHASE_SECONDS) % 3
    return set(users[phase::3])


NEXT_ESTADO = {"programada": ["en_curso", "cancelada"], "en_curso": ["pausada", "finalizada"],
               "pausada": ["en_curso", "cancelada"]}


def api_writer_main(client, lb_port, token, users, rate, out_file, stop, quiet):
    rnd = random.Random(client)
    http_ = Http(lb_port)
    tasks = []          # [codigo, id, estado, uid] of live tasks this writer created and may change
    seq = 0
    with open(out_file, "w") as out:
        for _ in paced(stop, rate, quiet):
            seq += 1
            now_users = writable(users)
            mine = [t for t in tasks if t[3] in now_users]
            movable = [t for t in mine if t[2] in NEXT_ESTADO]
            r = rnd.random()
            if movable and r < 0.45:
                task = rnd.choice(movable)
                new = rnd.choice(NEXT_ESTADO[task[2]])
                kind, method, path, body = "patch", "PATCH", f"/api/v1/tasks/{task[1]}", {"estado": new}
            elif mine and r < 0.6:
                task = rnd.choice(mine)
                kind, method, path, body = "delete", "DELETE", f"/api/v1/tasks/{task[1]}", None
            else:
                uid = rnd.choice(sorted(now_users))
                task = [f"CKA-{client}-{seq}", None, "programada", uid]
                kind, method, path = "create", "POST", "/api/v1/tasks"
                body = {"codigo": task[0], "titulo": "consistency", "tipo": "patrullaje", "delegado_usuario_id": uid}
            t0 = time.time()
            status, data, served = http_.call(method, path, token, body)
            t1 = time.time()
            outcome = "ok" if 200 <= status < 300 else ("fail" if 400 <= status < 500 else "unknown")
            out.write(json.dumps({"c": client, "w": "api", "k": kind, "codigo": task[0], "u": task[3], "s": t0,
                                  "e": t1, "st": status, "i": served, "o": outcome}) + "\n")
            if outcome == "ok":
                if kind == "create":
                    task[1] = json.loads(data)["id"]
                    tasks.append(task)
                elif kind == "patch":
                    task[2] = body["estado"]
                else:
                    tasks.remove(task)
                read_stats(client, http_, token, task[3], out)   # read-your-writes
            elif outcome == "unknown" and kind != "create":
                tasks.remove(task)   # its state is unknown: never touched again
            out.flush()


def sql_writer_main(client, pg_port, db, lb_port, token, users, rate, out_file, stop, quiet):
    rnd = random.Random(client)
    http_ = Http(lb_port)
    conn = None
    tasks = []          # [codigo, estado, uid]
    seq = 0
    with open(out_file, "w") as out:
        for _ in paced(stop, rate, quiet):
            seq += 1
            if conn is None:
                try:
                    conn = psycopg2.connect(host="127.0.0.1", port=pg_port, user="postgres", dbname=db,
                                            connect_timeout=3, application_name="gad-consistency-writer")
                except psycopg2.Error:
                    conn = None
                    continue
            now_users = writable(users)
            mine = [t for t in tasks if t[2] in now_users]
            movable = [t for t in mine if t[1] in NEXT_ESTADO]
            r = rnd.random()
            if movable and r < 0.45:
                task = rnd.choice(movable)
                new = rnd.choice(NEXT_ESTADO[task[1]])
                kind = "update"
                stmt = ("UPDATE tareas SET estado = %s, inicio_real = CASE WHEN %s IN ('en_curso', 'pausada', 'finalizada')"
                        " THEN coalesce(inicio_real, now() - make_interval(mins => %s)) ELSE inicio_real END,"
                        " fin_real = CASE WHEN %s = 'finalizada' THEN now() END, updated_at = now() WHERE codigo = %s")
                params = (new, new, rnd.randrange(1, 600), new, task[0])
            elif mine and r < 0.6:
                task = rnd.choice(mine)
                kind, new = "delete", None
                stmt, params = "UPDATE tareas SET deleted_at = now(), updated_at = now() WHERE codigo = %s", (task[0],)
            else:
                uid = rnd.choice(sorted(now_users))
                task = [f"CKQ-{client}-{seq}", "programada", uid]
                kind, new = "insert", None
                stmt = ("INSERT INTO tareas (codigo, titulo, tipo, delegado_usuario_id, creado_por_usuario_id)"
                        " VALUES (%s, 'consistency sql', 'patrullaje', %s, 1)")
                params = (task[0], uid)
            t0 = time.time()
            txid, outcome = None, "fail"
            try:
                with conn.cursor() as cur:
                    cur.execute(stmt, params)
                    cur.execute("SELECT txid_current()")
                    txid = cur.fetchone()[0]
                outcome = "unknown"       # from here on, a failure may or may not have committed
                conn.commit()
                outcome = "ok"
            except psycopg2.Error:
                try:
                    conn.close()
                except psycopg2.Error:
                    pass
                conn = None
            t1 = time.time()
            out.write(json.dumps({"c": client, "w": "sql", "k": kind, "codigo": task[0], "u": task[-1], "s": t0,
                                  "e": t1, "txid": txid, "o": outcome}) + "\n")
            if outcome == "ok":
                if kind == "insert":
                    tasks.append(task)
                elif kind == "update":
                    task[1] = new
                else:
                    tasks.remove(task)
                read_stats(client, http_, token, task[-1], out)
            elif outcome == "unknown" and kind != "insert":
                tasks.remove(task)
            out.flush()


# ---------------------------------------------------------------------------------------------
# Nemesis: every fault checks that it happened, and says until when the documentation lets reads lag
# ---------------------------------------------------------------------------------------------
class FaultFailed(Exception):
    pass


class Nemesis:
    def __init__(self, world):
        self.w = world
        self.faults = []            # dicts: kind, start, end, recovered, ok, detail, relax (seconds) or None
        self.kill_rotation = 0
        self.skew_rotation = 0

    def kinds(self):
        k = ["skewed-clock", "near-cache-link-cut", "listener-terminated"]
        if self.w.topology == "sentinel":
            k.append("sentinel-failover-lost-replication")
        if self.w.topology == "cluster":
            k.append("cluster-shard-failover")
        k += ["instance-kill-restart", "redis-kill-restart", "postgres-restart"]
        return k

    def run(self, kind):
        fault = {"kind": kind, "start": time.time(), "ok": False, "detail": "", "relax": None}
        log(f"nemesis: {kind}")
        try:
            getattr(self, kind.replace("-", "_"))(fault)
            fault["ok"] = fault.get("ok", True) if fault.get("not_applicable") else True
        except Exception as e:   # the fault could not be injected or not be shown to have happened
            fault["ok"] = False
            fault["detail"] = (fault["detail"] + "; " if fault["detail"] else "") + f"FAILED: {e}"
            log(f"nemesis: {kind} failed: {e}\n{traceback.format_exc()}")
        fault["end"] = time.time()
        fault.setdefault("recovered", fault["end"])
        self.faults.append(fault)
        log(f"nemesis: {kind} done in {fault['end'] - fault['start']:.1f}s: {fault['detail']}")
        return fault

    # -- one instance on a skewed wall clock (libfaketime, monotonic clock left real)
    def skewed_clock(self, f):
        if not os.path.exists(LIBFAKETIME):
            raise FaultFailed("libfaketime missing (apt-get install faketime)")
        skew = ["+30s", "-30s"][self.skew_rotation % 2]
        self.skew_rotation += 1
        # SIGKILL, so that this is also an instance killed and started again (one JVM start fewer)
        proc = self.w.instances["i3"]["proc"]
        pid = proc.pid
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        if pid_alive(pid):
            raise FaultFailed(f"i3 (pid {pid}) still alive after SIGKILL")
        dead_at = time.time()
        self.w.start_instance("i3", skew=skew, timeout=300)
        self.faults.append({"kind": "instance-kill-restart", "start": f["start"], "end": time.time(), "ok": True,
                            "relax": None, "detail": f"i3 (pid {pid}) killed, ready again on a skewed clock after "
                                                     f"{time.time() - dead_at:.1f}s"})
        cpu0 = cpu_seconds(self.w.instances["i3"]["proc"].pid)
        # check: a computed answer of i3 carries its clock in calculated_at
        token = self.w.token
        c = http.client.HTTPConnection("127.0.0.1", self.w.instance_ports["i3"], timeout=60)
        sent = time.time()
        c.request("GET", f"/api/v1/stats/user/{self.w.users[0]}?days={DAYS}&use_cache=false",
                  headers={"Authorization": "Bearer " + token})
        body = json.loads(c.getresponse().read())
        answered = time.time()
        c.close()
        at = datetime.datetime.fromisoformat(body["calculated_at"].replace("Z", "+00:00")).timestamp()
        # computed somewhere between sending and the answer: the offset lies in [at - answered, at - sent]
        want = 30 if skew.startswith("+") else -30
        if not at - answered - 2 <= want <= at - sent + 2:
            raise FaultFailed(f"i3's clock is {at - answered:+.1f}s to {at - sent:+.1f}s off, not {want:+d}s")
        offset = at - (sent + answered) / 2
        time.sleep(5)
        busy = (cpu_seconds(self.w.instances["i3"]["proc"].pid) - cpu0) / 5
        f["detail"] = (f"i3 restarted with its wall clock {offset:+.1f}s off (calculated_at of a computed answer); "
                       f"it used {busy * 100:.0f} % of a core in the next 5 s")

    # -- the near-cache link cut: CLIENT KILL of the tracking and subscriber connections
    def near_cache_link_cut(self, f):
        if self.w.topology == "cluster":
            # one link per master: cut those of one master, in turn
            masters = [n for n in self.w.cluster_nodes() if "master" in n["flags"] and "fail" not in n["flags"] and n["slots"]]
            port = masters[len(self.faults) % len(masters)]["port"]
        else:
            port = self.w.sentinel_master_port() if self.w.topology == "sentinel" else self.w.base
        def tracking():
            clients = [dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
                       for line in (rcli(port, "CLIENT", "LIST") or "").splitlines()]
            return [c for c in clients if "t" in c.get("flags", "")], clients
        trackers, clients = tracking()
        # the tracking connections and the subscribers their invalidations are redirected to
        victims = {c["id"] for c in trackers} | {c.get("redir") for c in trackers if c.get("redir") not in (None, "-1", "0")}
        tracker_ids = {c["id"] for c in trackers}
        killed = {cid for cid in victims if rcli(port, "CLIENT", "KILL", "ID", cid) == "1"}
        if not trackers or not tracker_ids <= killed:
            raise FaultFailed(f"{len(trackers)} tracking connections found, {len(tracker_ids & killed)} of them killed")
        running = len(trackers)
        killed = len(killed)

        def links_back():
            now = {c["id"] for c in tracking()[0]}
            return len(now - victims) >= running
        try:
            wait_for("the near-cache links made again", links_back, 60)
            back = "links made again"
        except TimeoutError:
            back = "links not all back within 60 s"
        f["detail"] = f"{killed} connections ({len(trackers)} tracking, their subscribers) killed on :{port}; {back}"

    # -- the database listener's backend terminated
    def listener_terminated(self, f):
        before = set(self.w.listener_pids())
        if not before:
            raise FaultFailed("no gad-stats-listener backend in pg_stat_activity")
        conn = self.w.pg_connect()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE datname = %s AND application_name = 'gad-stats-listener'", (self.w.db,))
            terminated = cur.fetchone()[0]
        conn.close()
        if terminated == 0:
            raise FaultFailed("pg_terminate_backend terminated nothing")
        running = len(before)
        wait_for("every listener back", lambda: len(set(self.w.listener_pids()) - before) >= running, 90)
        f["recovered"] = time.time()
        f["relax"] = SQL_BOUND
        f["detail"] = f"{terminated} listener backends terminated; {running} new ones LISTENing after {f['recovered'] - f['start']:.1f}s"

    # -- PostgreSQL "restart": every connection of the instances and the SQL writers reset, refused 3 s
    def postgres_restart(self, f):
        before = json.load(open(self.w.pg_proxy_status))
        listeners = set(self.w.listener_pids())
        self.w.pg_proxy.send_signal(signal.SIGHUP)
        wait_for("the proxy reset", lambda: json.load(open(self.w.pg_proxy_status))["resets"] > before["resets"], 5)
        after = json.load(open(self.w.pg_proxy_status))
        cut = after["reset_connections"] - before["reset_connections"]
        if cut == 0:
            raise FaultFailed("the database proxy had no connection to reset")
        wait_for("the proxy accepting again", lambda: not json.load(open(self.w.pg_proxy_status))["refusing"], 10)
        running = len(listeners)
        wait_for("every listener back", lambda: len(set(self.w.listener_pids()) - listeners) >= running, 90)
        f["recovered"] = time.time()
        f["relax"] = SQL_BOUND
        f["detail"] = (f"{cut} connections reset, refused for 3 s; listeners back after "
                       f"{f['recovered'] - f['start']:.1f}s (the machine's PostgreSQL itself is never restarted)")

    # -- an instance killed (SIGKILL) and started again
    def instance_kill_restart(self, f):
        name = ["i1", "i2"][self.kill_rotation % 2]   # i3 is the skewed one
        self.kill_rotation += 1
        proc = self.w.instances[name]["proc"]
        pid = proc.pid
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        if pid_alive(pid):
            raise FaultFailed(f"{name} (pid {pid}) still alive after SIGKILL")
        dead_at = time.time()
        self.w.start_instance(name)
        f["detail"] = f"{name} (pid {pid}) killed, ready again after {time.time() - dead_at:.1f}s"

    def restart_redis(self, port, replicaof=None):
        args = self.w.redis_args(port)
        if replicaof:
            args += ["--replicaof", "127.0.0.1", str(replicaof)]
        subprocess.run(args, check=True, capture_output=True)
        wait_for(f"Redis :{port} back", lambda: rcli(port, "PING") == "PONG", 15)

    def kill_redis(self, port):
        pid = self.w.redis_pid(port)
        os.kill(pid, signal.SIGKILL)
        wait_for(f"Redis :{port} (pid {pid}) dead", lambda: not pid_alive(pid), 10, 0.02)
        return pid

    # -- a Redis node killed (SIGKILL) and restarted: standalone loses everything; Sentinel and
    #    Cluster fail over (without lost replication) and the node comes back as a replica
    def redis_kill_restart(self, f):
        if self.w.topology == "standalone":
            pid = self.kill_redis(self.w.base)
            time.sleep(1)
            self.restart_redis(self.w.base)
            f["detail"] = f"Redis :{self.w.base} (pid {pid}) killed, restarted empty 1 s later"
            return
        if self.w.topology == "sentinel":
            old = self.w.sentinel_master_port()
            pid = self.kill_redis(old)
            wait_for("a new master", lambda: self.w.sentinel_master_port() != old, 60, 0.05)
            new = self.w.sentinel_master_port()
            f["recovered"] = time.time()
            f["relax"] = FAILOVER_BOUND
            self.restart_redis(old, replicaof=new)
            wait_for("the old master in sync", lambda: redis_info(old).get("master_link_status") == "up", 30)
            f["detail"] = (f"master :{old} (pid {pid}) killed, :{new} promoted after "
                           f"{f['recovered'] - f['start']:.1f}s, :{old} back as its replica")
            return
        f.update(self.cluster_failover(f, "a master killed (redis-kill-restart)"))

    def cluster_failover(self, f, what):
        nodes = self.w.cluster_nodes()
        masters = [n for n in nodes if "master" in n["flags"] and "fail" not in n["flags"] and n["slots"]]
        victim = masters[len(self.w.nemesis.faults) % len(masters)]
        replica = next(n for n in nodes if n["master"] == victim["id"] and "fail" not in n["flags"])
        pid = self.kill_redis(victim["port"])
        wait_for(f"replica :{replica['port']} promoted",
                 lambda: (rcli(replica["port"], "ROLE") or "").startswith("master"), 60, 0.05)
        recovered = time.time()
        self.restart_redis(victim["port"])
        wait_for(f":{victim['port']} back as a replica",
                 lambda: redis_info(victim["port"]).get("master_link_status") == "up", 60)
        return {"recovered": recovered, "relax": FAILOVER_BOUND,
                "detail": f"{what}: master :{victim['port']} (pid {pid}) killed, replica :{replica['port']} promoted "
                          f"after {recovered - f['start']:.1f}s, :{victim['port']} back as its replica"}

    # -- Cluster shard failover with lost replication: the replica is stopped (SIGSTOP), the link
    #    between it and its master is filled with junk so that what the master sends next stays in
    #    the master's own output buffer, writes go on, then the master dies (SIGKILL) and the replica
    #    is resumed: it receives the junk, never the writes, and is promoted
    def cluster_shard_failover(self, f):
        w = self.w
        nodes = w.cluster_nodes()
        masters = [n for n in nodes if "master" in n["flags"] and "fail" not in n["flags"] and n["slots"]]
        victim = masters[len(self.faults) % len(masters)]
        replica = next(n for n in nodes if n["master"] == victim["id"] and "fail" not in n["flags"])
        vport, rport = victim["port"], replica["port"]
        junk = f"{w.work}/junk.bin"
        if not os.path.exists(junk):
            with open(junk, "wb") as out:
                out.write(b"j" * (8 << 20))
        tag = next(f"junk{i}" for i in range(100000)
                   if self._owns(vport, int(rcli(vport, "CLUSTER", "KEYSLOT", f"{{junk{i}}}")), victim["slots"]))
        rpid = w.redis_pid(rport)
        f["start"] = time.time()
        os.kill(rpid, signal.SIGSTOP)
        try:
            for i in range(3):   # 24 MB: more than the loopback socket buffers hold for a reader that reads nothing
                with open(junk, "rb") as data:
                    subprocess.run(["redis-cli", "-p", str(vport), "-x", "SET", f"{{{tag}}}:{i}"], stdin=data,
                                   capture_output=True, check=True, timeout=60)
            time.sleep(float(os.environ.get("CONSISTENCY_STALL_SECONDS", "3")))
            w.quiet.set()
            time.sleep(QUIET_BEFORE)   # the last writes' database notifications applied before the master dies
            master_offset = int(redis_info(vport)["master_repl_offset"])
            pid = self.kill_redis(vport)
        finally:
            os.kill(rpid, signal.SIGCONT)
        try:
            wait_for(f"replica :{rport} to see its master gone",
                     lambda: redis_info(rport).get("master_link_status") == "down", 30, 0.05)
            info = redis_info(rport)
            replica_offset = int(info.get("slave_repl_offset", -1))
            if replica_offset < 0:
                replica_offset = int(info["master_repl_offset"])
            lost = master_offset - replica_offset
            if lost <= 0:
                raise FaultFailed(f"replication not lost (master offset {master_offset}, replica {replica_offset})")
            wait_for(f"replica :{rport} promoted", lambda: (rcli(rport, "ROLE") or "").startswith("master"), 60, 0.05)
            f["recovered"] = time.time()
            f["relax"] = FAILOVER_BOUND
            self.quiet_until_redis_serves(f)
        finally:
            w.quiet.clear()
        self.restart_redis(vport)
        wait_for(f":{vport} back as a replica", lambda: redis_info(vport).get("master_link_status") == "up", 60)
        for i in range(3):
            subprocess.run(["redis-cli", "-c", "-p", str(rport), "DEL", f"{{{tag}}}:{i}"], capture_output=True)
        f["detail"] = (f"replica :{rport} stopped, 24 MB of junk written to master :{vport}, then writes; master "
                       f"(pid {pid}) killed, replica resumed: {lost} bytes of replication never reached it; promoted "
                       f"{f['recovered'] - f['start']:.1f}s after the stop; every instance answering from Redis "
                       f"{f.get('redis_again_s')}s after the promotion; :{vport} back as its replica")

    def quiet_until_redis_serves(self, f):
        """Keeps the writers paused past the failover's bound until every instance answers from Redis
        again (on a busy machine its breaker may keep it on the database for seconds, where every
        answer is fresh), then QUIET_AFTER more, so that what the new master holds gets read."""
        time.sleep(FAILOVER_BOUND)
        waiting = set(self.w.instances)
        deadline = time.time() + 30
        conns = {}
        while waiting and time.time() < deadline:
            for name in list(waiting):
                h = conns.setdefault(name, Http(self.w.instances[name]["port"]))
                status, data, _ = h.call("GET", f"/api/v1/stats/user/{random.choice(self.w.users)}?days={DAYS}",
                                         self.w.token)
                if status == 200 and json.loads(data).get("_cache", {}).get("source") in ("redis", "memory"):
                    waiting.discard(name)
            time.sleep(0.1)
        f["redis_again_s"] = round(time.time() - f["recovered"], 1) if not waiting else None
        time.sleep(QUIET_AFTER)

    @staticmethod
    def _owns(port, slot, ranges):
        for r in ranges:
            if r.startswith("["):
                continue
            lo, _, hi = r.partition("-")
            if int(lo) <= slot <= int(hi or lo):
                return True
        return False

    # -- Sentinel failover with lost replication: the replica reads its master through a proxy that
    #    stops forwarding while keeping the connection open; the master then dies
    def sentinel_failover_lost_replication(self, f):
        w = self.w
        master = w.sentinel_master_port()
        replica = next(p for p in w.data_ports() if p != master)
        proxy, status = w.start_proxy(w.repl_proxy_port, master, "repl-proxy")
        try:
            rcli(replica, "REPLICAOF", "127.0.0.1", w.repl_proxy_port)
            wait_for("the replica in sync through the proxy",
                     lambda: redis_info(replica).get("master_port") == str(w.repl_proxy_port)
                     and redis_info(replica).get("master_link_status") == "up", 20)
            f["start"] = time.time()
            proxy.send_signal(signal.SIGUSR1)
            wait_for("the proxy stalled", lambda: json.load(open(status))["stalls"] == 1, 5)
            time.sleep(float(os.environ.get("CONSISTENCY_STALL_SECONDS", "3")))
            master_offset = int(redis_info(master)["master_repl_offset"])
            replica_offset = int(redis_info(replica)["slave_repl_offset"])
            link = redis_info(replica).get("master_link_status")
            lost = master_offset - replica_offset
            if lost <= 0 or link != "up":
                raise FaultFailed(f"replication not lost (master offset {master_offset}, replica {replica_offset}, link {link})")
            # Issue 22's scenario: writes acknowledged during the stall, then none while the master is
            # down (a write meanwhile fails its invalidation, and the instance's answer to that, a full
            # invalidation, would hide the lost ones)
            w.quiet.set()
            time.sleep(QUIET_BEFORE)   # the last writes' database notifications applied before the master dies
            pid = self.kill_redis(master)
            wait_for(f"the sentinels promoting :{replica}", lambda: w.sentinel_master_port() == replica, 60, 0.05)
            if not (rcli(replica, "ROLE") or "").startswith("master"):
                raise FaultFailed(f":{replica} not a master after the sentinels' switch")
            f["recovered"] = time.time()
            f["relax"] = FAILOVER_BOUND
            self.quiet_until_redis_serves(f)
        finally:
            w.quiet.clear()
            proxy.terminate()
            proxy.wait(5)
        self.restart_redis(master, replicaof=replica)
        wait_for("the old master in sync", lambda: redis_info(master).get("master_link_status") == "up", 30)
        f["detail"] = (f"replica :{replica} silently cut from master :{master} for the stall ({lost} bytes of "
                       f"replication never reached it, link still 'up'), master (pid {pid}) killed, :{replica} promoted "
                       f"{f['recovered'] - f['start']:.1f}s after the stall began; every instance answering from Redis "
                       f"{f.get('redis_again_s')}s after the promotion; :{master} back as its replica")


# ---------------------------------------------------------------------------------------------
# The history and the check
# ---------------------------------------------------------------------------------------------
def load_history(world, writes):
    conn = world.pg_connect()
    with conn.cursor() as cur:
        cur.execute(f"""SELECT seq, uid, txid, codigo, extract(epoch FROM at)::float8, {', '.join(FIELDS)}
                          FROM consistency_log ORDER BY seq""")
        rows = cur.fetchall()
    conn.close()
    by_txid = {w["txid"]: w for w in writes if w["w"] == "sql" and w["txid"] is not None and w["o"] != "fail"}
    api_ops = {}
    for w in sorted((w for w in writes if w["w"] == "api" and w["o"] != "fail"), key=lambda w: w["s"]):
        api_ops.setdefault(w["codigo"], []).append(w)
    api_seen = {}
    users = {}
    unknown = 0
    for seq, uid, txid, codigo, at, *figs in rows:
        state = [int(x) for x in figs[:6]] + [int(round(float(x) * 100)) for x in figs[6:]]
        ch = {"seq": seq, "lo": at, "state": state, "codigo": codigo, "src": "init", "client": None,
              "inst": None, "hi": at}
        if codigo is None:
            ch["lo"] = ch["hi"] = 0.0
        elif txid in by_txid:
            w = by_txid[txid]
            ch.update(src="sql", client=w["c"], hi=w["e"] if w["o"] == "ok" else at + UNKNOWN_ACK,
                      unknown=w["o"] != "ok")
        elif codigo in api_ops:
            i = api_seen.get((codigo, uid), 0)
            api_seen[(codigo, uid)] = i + 1
            ops = api_ops[codigo]
            w = ops[i] if i < len(ops) else None
            if w is not None and w["o"] == "ok":
                ch.update(src="api", client=w["c"], inst=w["i"], hi=w["e"], unknown=False)
            else:
                ch.update(src="api", client=w["c"] if w else None, hi=at + UNKNOWN_ACK, unknown=True)
        else:
            ch.update(src="other", hi=at + UNKNOWN_ACK, unknown=True)
        if ch.get("unknown"):
            unknown += 1
        users.setdefault(uid, []).append(ch)
    return users, unknown, len(rows)


def deadlines(users, faults):
    relaxing = [f for f in faults if f.get("relax") is not None]
    for changes in users.values():
        for ch in changes:
            bound = SQL_BOUND if ch["src"] in ("sql", "other") else API_BOUND
            d_other = ch["hi"] + bound
            d_own = ch["hi"]
            for f in relaxing:   # the documented bound of the fault applies to the changes it can hide
                until = f["recovered"] + f["relax"]
                if ch["lo"] <= f["recovered"]:
                    if d_other >= f["start"]:
                        d_other = max(d_other, until)
                    if d_own >= f["start"]:
                        d_own = max(d_own, until)
            ch["d_other"], ch["d_own"] = d_other, d_own


def check(users, reads):
    los = {u: [c["lo"] for c in chs] for u, chs in users.items()}
    violations, stalest, checked = [], (0.0, None), 0
    matched_older = 0
    for r in reads:
        if r["st"] != 200:
            continue
        checked += 1
        chs, lo = users[r["u"]], los[r["u"]]
        n = bisect.bisect_right(lo, r["e"]) - 1
        m = 0
        for k in range(n, -1, -1):
            ch = chs[k]
            own = ch["src"] == "api" and ch["client"] == r["c"] and ch["inst"] == r["i"]
            if (ch["d_own"] if own else ch["d_other"]) <= r["s"]:
                m = k
                break
        match = next((j for j in range(n, m - 1, -1) if chs[j]["state"] == r["f"]), None)
        if match is not None:
            latest = bisect.bisect_right(lo, r["s"]) - 1   # committed before the read began
            if match < latest:
                matched_older += 1
                behind = r["s"] - chs[match + 1]["lo"]
                if behind > stalest[0]:
                    stalest = (behind, r)
            continue
        older = next((j for j in range(m - 1, -1, -1) if chs[j]["state"] == r["f"]), None)
        v = {"user": r["u"], "client": r["c"], "instance": r["i"], "source": r.get("src"),
             "read_start": r["s"], "read_end": r["e"], "body": dict(zip(FIELDS, r["f"])),
             "valid": [{"seq": chs[k]["seq"], "committed": chs[k]["lo"], "by": chs[k]["src"],
                        "figures": dict(zip(FIELDS, chs[k]["state"]))} for k in range(m, n + 1)][-3:]}
        if older is not None:
            v["matches_older"] = {"seq": chs[older]["seq"], "committed": chs[older]["lo"],
                                  "superseded_at": chs[older + 1]["lo"],
                                  "behind_s": r["s"] - chs[older + 1]["lo"],
                                  "required_seq": chs[m]["seq"], "by": chs[m]["src"]}
        violations.append(v)
    return checked, violations, stalest, matched_older


def attribute(violations, faults):
    """Names the last fault that began before each violating read."""
    for v in violations:
        before = [f for f in faults if f["start"] <= v["read_start"]]
        if before:
            f = max(before, key=lambda f: f["start"])
            v["after_fault"] = f"{f['kind']} begun {v['read_start'] - f['start']:.1f}s before"
            if f.get("recovered") and f.get("relax") is not None:
                v["after_fault"] += f", {v['read_start'] - f['recovered'] - f['relax']:.1f}s past its bound"
        else:
            v["after_fault"] = "no fault before it"


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
def hhmmss(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%H:%M:%S.%f")[:-3]


def metrics(world):
    out = {}
    for name, inst in world.instances.items():
        try:
            c = http.client.HTTPConnection("127.0.0.1", inst["port"], timeout=5)
            c.request("GET", "/q/metrics")
            text = c.getresponse().read().decode()
            c.close()
            lines = [l for l in text.splitlines() if l.startswith("gad_cache_consistency_checks_total")]
            out[name] = lines or ["absent"]
        except Exception as e:
            out[name] = [f"unreachable ({e})"]
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--topology", choices=["sentinel", "cluster", "standalone"], default="sentinel")
    p.add_argument("--results", default=None)
    p.add_argument("--root", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--db", default=os.environ.get("CONSISTENCY_DB", "gad_consistency"))
    p.add_argument("--users", type=int, default=int(os.environ.get("CONSISTENCY_USERS", "8")))
    p.add_argument("--command", default="")
    args = p.parse_args()
    short = args.minutes < 5
    read_rate = float(os.environ.get("CONSISTENCY_READ_RATE", "240"))
    readers = int(os.environ.get("CONSISTENCY_READERS", "4"))
    max_reads = int(os.environ.get("CONSISTENCY_MAX_READS", "400000"))
    write_rate = float(os.environ.get("CONSISTENCY_WRITE_RATE", "8"))   # per writer, 2 API + 2 SQL writers

    world = World(args)
    world.nemesis = nemesis = Nemesis(world)
    procs = []
    stop = multiprocessing.Event()
    world.quiet = multiprocessing.Event()   # set by the nemesis: the writers pause
    exit_code = 1
    try:
        with open(f"{args.work}/privateKey.pem", "rb") as f:
            key = serialization.load_pem_private_key(f.read(), password=None)
        world.token = jwt.encode({"iss": os.environ.get("JWT_ISSUER", "gad-stats"), "sub": "1",
                                  "upn": "check1@consistency.gad.local", "groups": ["supervisor"],
                                  "exp": int(time.time()) + 7200, "iat": int(time.time())}, key, algorithm="RS256")
        world.setup_database()
        world.setup_redis()
        world.setup_pg_proxy()
        log("three instances (production profile) behind HAProxy")
        for name in world.instance_ports:
            world.start_instance(name, wait=False)
        for name in world.instance_ports:
            world.wait_ready(name)
        world.setup_lb()
        wait_for("HAProxy seeing the instances", lambda: world_read_ok(world), 20)

        duration = args.minutes * 60
        kinds = nemesis.kinds()
        rounds = max(1, int((duration - 20) / (len(kinds) * 25)))
        # the first skewed-clock kill covers instance-kill-restart too; later rounds kill i1 and i2
        plan = [k for k in kinds if k != "instance-kill-restart"] + kinds * (rounds - 1)
        log(f"load for {duration:.0f}s, {len(plan)} faults ({rounds} round(s) of {len(kinds)} kinds)")
        files = []
        start = time.time()
        ctx = multiprocessing.get_context("fork")
        for i in range(readers):
            fn = f"{args.work}/reader-{i}.jsonl"
            files.append(fn)
            procs.append(ctx.Process(target=reader_main, args=(f"r{i}", world.lb_port, world.token, world.users,
                                                               read_rate / readers, max_reads // readers, fn, stop)))
        for i in range(2):
            fn = f"{args.work}/api-writer-{i}.jsonl"
            files.append(fn)
            procs.append(ctx.Process(target=api_writer_main, args=(f"a{i}", world.lb_port, world.token, world.users,
                                                                   write_rate, fn, stop, world.quiet)))
            fn = f"{args.work}/sql-writer-{i}.jsonl"
            files.append(fn)
            procs.append(ctx.Process(target=sql_writer_main, args=(f"q{i}", world.pg_proxy_port, world.db, world.lb_port,
                                                                   world.token, world.users, write_rate, fn, stop, world.quiet)))
        for pr in procs:
            pr.start()

        spacing = (duration - 15) / len(plan)
        for i, kind in enumerate(plan):
            at = start + 5 + i * spacing
            while time.time() < at:
                time.sleep(0.2)
            nemesis.run(kind)
        # the load goes on long enough after the last fault for staleness to show
        end_at = max(start + duration, time.time() + (10 if short else 20))
        while time.time() < end_at:
            time.sleep(0.5)
        stop.set()
        for pr in procs:
            pr.join(30)
            if pr.is_alive():
                pr.terminate()
        load_seconds = time.time() - start
        log("load stopped; checking")
        reads, writes = [], []
        for fn in files:
            with open(fn) as f:
                for line in f:
                    rec = json.loads(line)
                    (writes if "w" in rec else reads).append(rec)
        users, unknown_changes, log_rows = load_history(world, writes)
        deadlines(users, nemesis.faults)
        checked, violations, stalest, matched_older = check(users, reads)
        attribute(violations, nemesis.faults)
        by_fault = {}
        for v in violations:
            key = v["after_fault"].split()[0]
            by_fault[key] = by_fault.get(key, 0) + 1
        mets = metrics(world)
        cpu = {}
        for name, inst in world.instances.items():
            try:
                cpu[name] = f"{cpu_seconds(inst['proc'].pid):.0f} s" + (f" (clock {inst['skew']})" if inst["skew"] else "")
            except OSError:
                cpu[name] = "gone"

        api = [w for w in writes if w["w"] == "api"]
        sql = [w for w in writes if w["w"] == "sql"]

        def outcomes(ws):
            return {o: sum(1 for w in ws if w["o"] == o) for o in ("ok", "unknown", "fail")}
        read_errors = {}
        for r in reads:
            if r["st"] != 200:
                read_errors[r["st"]] = read_errors.get(r["st"], 0) + 1
        served = {}
        for r in reads:
            served[r["i"]] = served.get(r["i"], 0) + 1
        failed_faults = [f for f in nemesis.faults if not f["ok"]]
        missing = [k for k in kinds if not any(f["kind"] == k and f["ok"] for f in nemesis.faults)]
        summary = {
            "topology": args.topology, "minutes": args.minutes, "load_seconds": round(load_seconds, 1),
            "reads": len(reads), "reads_checked": checked, "read_errors": read_errors, "reads_by_instance": served,
            "writes_api": outcomes(api), "writes_sql": outcomes(sql), "history_rows": log_rows,
            "changes_without_ack": unknown_changes, "violations": len(violations), "violations_by_fault": by_fault,
            "reads_matching_an_older_state_within_bounds": matched_older,
            "largest_staleness_within_bounds_ms": round(stalest[0] * 1000, 1),
            "largest_staleness_violation_ms": round(max((v.get("matches_older", {}).get("behind_s", 0)
                                                         for v in violations), default=0) * 1000, 1),
            "faults": [{k: v for k, v in f.items()} for f in nemesis.faults],
            "failed_faults": len(failed_faults), "fault_kinds_missing": missing,
            "bounds_ms": {"sql": SQL_BOUND * 1000, "api_other_instance": API_BOUND * 1000, "api_same_client_same_instance": 0,
                          "failover_after_promotion": FAILOVER_BOUND * 1000, "unknown_ack": UNKNOWN_ACK * 1000},
            "gad_cache_consistency_checks_total": mets, "instance_cpu": cpu,
        }
        with open(f"{args.work}/summary.json", "w") as f:
            json.dump({"summary": summary, "violations": violations}, f, indent=1, default=str)
        report = render(summary, violations, args)
        print(report)
        if args.results:
            with open(args.results, "a") as f:
                f.write(report + "\n")
            log(f"summary appended to {args.results}")
        exit_code = 0 if not violations and not failed_faults and not missing else 1
    except Exception:
        traceback.print_exc()
        exit_code = 2
    finally:
        stop.set()
        for pr in procs:
            if pr.is_alive():
                pr.terminate()
        world.teardown()
    sys.exit(exit_code)


def world_read_ok(world):
    h = Http(world.lb_port)
    status, _, _ = h.call("GET", f"/api/v1/stats/user/{world.users[0]}?days={DAYS}", world.token)
    return status == 200


def render(s, violations, args):
    commit = subprocess.run(["git", "-C", args.root, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", args.root, "status", "--porcelain", "--", "app"], capture_output=True,
                           text=True).stdout.strip()
    lines = [f"## {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}, {s['topology']}, "
             f"commit {commit}{' (app modified)' if dirty else ''}", "",
             f"`{args.command or 'bench/consistency/run.sh'}`: load {s['load_seconds']} s, load average at the end "
             f"{open('/proc/loadavg').read().split()[0]} on {os.cpu_count()} cores.", "",
             "| | |", "|---|---|",
             f"| reads checked | {s['reads_checked']:,} (of {s['reads']:,}; not 200: "
             f"{', '.join(f'{n} × ' + ('no answer' if k == 0 else str(k)) for k, n in sorted(s['read_errors'].items())) or 'none'}) |",
             f"| reads by instance | {', '.join(f'{k} {v:,}' for k, v in sorted(s['reads_by_instance'].items()))} |",
             f"| writes through the API | {s['writes_api']['ok']:,} acknowledged, {s['writes_api']['unknown']} unknown outcome, {s['writes_api']['fail']} refused |",
             f"| writes in SQL | {s['writes_sql']['ok']:,} committed, {s['writes_sql']['unknown']} unknown outcome, {s['writes_sql']['fail']} failed |",
             f"| history rows (per-user states) | {s['history_rows']:,}; changes without an acknowledgement: {s['changes_without_ack']} |",
             f"| **violations** | **{s['violations']}**{' (after: ' + ', '.join(f'{k} {n}' for k, n in s['violations_by_fault'].items()) + ')' if s['violations'] else ''} |",
             f"| reads of an older state, within bounds | {s['reads_matching_an_older_state_within_bounds']:,}; largest staleness {s['largest_staleness_within_bounds_ms']} ms |",
             f"| largest staleness of a violation | {s['largest_staleness_violation_ms']} ms |",
             f"| bounds (ms) | SQL {s['bounds_ms']['sql']:.0f}, API from another client or instance {s['bounds_ms']['api_other_instance']:.0f}, "
             f"API same client and instance 0, after a failover's promotion {s['bounds_ms']['failover_after_promotion']:.0f} |",
             f"| CPU of the running instances (since their start) | {', '.join(f'{k} {v}' for k, v in sorted(s['instance_cpu'].items()))} |",
             f"| `gad_cache_consistency_checks_total` | {'; '.join(f'{k}: ' + ', '.join(v) for k, v in s['gad_cache_consistency_checks_total'].items())} |",
             "", "| fault | at (UTC) | took | happened | what |", "|---|---|---:|---|---|"]
    for f in s["faults"]:
        lines.append(f"| {f['kind']} | {hhmmss(f['start'])} | {f['end'] - f['start']:.1f} s | "
                     f"{'yes' if f['ok'] else '**no**'} | {f['detail']} |")
    if s["fault_kinds_missing"]:
        lines.append(f"\nFault kinds not injected: {', '.join(s['fault_kinds_missing'])}.")
    if violations:
        lines += ["", f"Violations (first 5 of {len(violations)}; all in {os.path.relpath(args.work, args.root)}/summary.json); "
                      f"figures are [{', '.join(FIELDS)}], the last two in hundredths:", ""]
        for v in violations[:5]:
            older = v.get("matches_older")
            what = (f"the state of change #{older['seq']} ({older['behind_s'] * 1000:.0f} ms behind: superseded at "
                    f"{hhmmss(older['superseded_at'])}; change #{older['required_seq']} ({older['by']}) was due)"
                    if older else "no state of this user's history")
            valid = "; ".join(f"#{c['seq']} {list(c['figures'].values())}" for c in v["valid"])
            lines.append(f"- {v['after_fault']}: user {v['user']}, {v['client']} via {v['instance']} ({v['source']}), read "
                         f"{hhmmss(v['read_start'])}–{hhmmss(v['read_end'])}: body {list(v['body'].values())} is {what}; "
                         f"valid: {valid}")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
