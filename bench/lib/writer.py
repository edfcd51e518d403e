#!/usr/bin/env python3
"""Scenario 3 writer: task writes that invalidate, and a staleness check after each one.

While wrk reads the working set, this loop, at a fixed rate, picks a user of the working set and
  1. writes one of its tasks through the tasks API, whose writes invalidate the user's cache
     after commit: POST /api/v1/tasks (as a supervisor), PATCH /api/v1/tasks/{id} with the next
     estado programada -> en_curso -> finalizada (as the delegado, an efectivo), or
     DELETE /api/v1/tasks/{id} (as a supervisor);
  2. reads GET /api/v1/stats/user/{id}?days=D (cache allowed) and compares its figures with the
     aggregation run on the database right then: different figures = a stale read.
Every other write is made straight in SQL instead, as GAD's other tools write (INSERT, UPDATE of
estado, soft delete by UPDATE of deleted_at), on the writer's own autocommit connection: nothing
tells the service but the tareas triggers (docs/database-invalidation.md). After each one, right
after the commit, it reads the statistics through the cache every millisecond until they match the
database: the time from commit to the first fresh read is the commit-to-fresh latency; a write
still served stale after FRESH_BOUND_MS counts as a stale read after the bound.
Only tasks it created (codigo 'BW-...') are changed, and they are deleted with SQL at the end, so
the seeded data set is left as it was.

Usage: writer.py PORT TOKENS_FILE STATS_SQL_FILE DSN DAYS SECONDS RATE OUT_JSON SUPERVISOR_TOKEN_FILE [FRESH_BOUND_MS]
"""
import http.client
import json
import sys
import time

import psycopg2

FIELDS = ("total", "completadas", "en_progreso", "programadas", "canceladas", "pausadas",
          "promedio_duracion_horas", "productividad_diaria")


def main():
    port, tokens_file, sql_file, dsn, days, seconds, rate, out_file, supervisor_file = sys.argv[1:10]
    days, seconds, rate = int(days), float(seconds), float(rate)
    fresh_bound = (float(sys.argv[10]) if len(sys.argv) > 10 else 1000.0) / 1000
    users = []
    with open(tokens_file) as f:
        for line in f:
            uid, token = line.split()
            users.append((int(uid), token))
    with open(supervisor_file) as f:
        supervisor = f.read().split()[1]
    with open(sql_file) as f:
        stats_sql = f.read().replace("$1", "%(uid)s").replace("$2", "%(days)s")

    db = psycopg2.connect(dsn)
    db.autocommit = True
    cur = db.cursor()
    cur.execute("DELETE FROM tareas WHERE codigo LIKE 'BW-%%'")
    http_conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)

    def call(method, path, token, body=None):
        payload = b"" if body is None else json.dumps(body).encode()
        headers = {"Authorization": "Bearer " + token, "Content-Length": str(len(payload))}
        if body is not None:
            headers["Content-Type"] = "application/json"
        http_conn.request(method, path, body=payload, headers=headers)
        resp = http_conn.getresponse()
        return resp.status, resp.read()

    def figures(uid):
        cur.execute(stats_sql, {"uid": uid, "days": days})
        return dict(zip([d[0] for d in cur.description], cur.fetchone()))

    def differs(served, row):
        return [f for f in FIELDS if abs(float(served[f]) - float(row[f])) > 1e-9]

    def direct_write(uid, op, tasks, movable, seq):
        """One change made in SQL; the seconds from its commit to the first fresh read, or None."""
        if op >= 8 and tasks:                                    # soft delete
            task_id, _ = tasks.pop(0)
            cur.execute("UPDATE tareas SET deleted_at = now(), updated_at = now() WHERE id = %s", (task_id,))
        elif op >= 5 and movable:                                # state transition
            task_id, estado = movable[0]
            new = "en_curso" if estado == "programada" else "finalizada"
            cur.execute("UPDATE tareas SET estado = %s, inicio_real = coalesce(inicio_real, now()),"
                        " fin_real = CASE WHEN %s = 'finalizada' THEN now() END, updated_at = now() WHERE id = %s",
                        (new, new, task_id))
            tasks[tasks.index((task_id, estado))] = (task_id, new)
        else:                                                    # new task
            cur.execute("INSERT INTO tareas (codigo, titulo, tipo, delegado_usuario_id, creado_por_usuario_id)"
                        " VALUES (%s, 'bench direct write', 'patrullaje', %s, %s) RETURNING id",
                        (f"BW-{uid}-{seq}", uid, uid))
            tasks.append((cur.fetchone()[0], "programada"))
        committed = time.monotonic()
        expected = figures(uid)
        while True:
            status, body = call("GET", f"/api/v1/stats/user/{uid}?days={days}", token_of[uid])
            now = time.monotonic()
            if status == 200 and not differs(json.loads(body), expected):
                return now - committed
            if now - committed > fresh_bound:
                return None
            time.sleep(0.001)

    token_of = dict(users)
    mine = {}            # user id -> [(task id, estado)] of the tasks this run inserted
    result = {"writes": 0, "write_errors": 0, "read_errors": 0, "checks": 0, "stale": 0,
              "stale_examples": [], "read_sources": {}, "write_to_fresh_read_ms": [],
              "direct_writes": 0, "direct_stale_after_bound": 0, "fresh_bound_ms": fresh_bound * 1000,
              "commit_to_fresh_ms": []}
    seq = 0
    start = time.monotonic()
    next_at = start
    while time.monotonic() - start < seconds:
        now = time.monotonic()
        if now < next_at:
            time.sleep(next_at - now)
        next_at += 1.0 / rate
        uid, token = users[(seq * 7919) % len(users)]
        op = seq % 10
        seq += 1
        t0 = time.monotonic()
        tasks = mine.setdefault(uid, [])
        movable = [t for t in tasks if t[1] in ("programada", "en_curso")]
        if seq % 2 == 0:                                         # straight in SQL
            call("GET", f"/api/v1/stats/user/{uid}?days={days}", token)   # cached before the change
            fresh_after = direct_write(uid, op, tasks, movable, seq)
            result["writes"] += 1
            result["direct_writes"] += 1
            if fresh_after is None:
                result["direct_stale_after_bound"] += 1
            else:
                result["commit_to_fresh_ms"].append(fresh_after * 1000)
            continue
        if op >= 8 and tasks:                                    # soft delete
            task_id, _ = tasks.pop(0)
            status, _ = call("DELETE", f"/api/v1/tasks/{task_id}", supervisor)
            ok = status == 204
        elif op >= 5 and movable:                                # state transition, by the delegado
            task_id, estado = movable[0]
            new = "en_curso" if estado == "programada" else "finalizada"
            status, _ = call("PATCH", f"/api/v1/tasks/{task_id}", token, {"estado": new})
            ok = status == 200
            if ok:
                tasks[tasks.index((task_id, estado))] = (task_id, new)
        else:                                                    # new task
            status, body = call("POST", "/api/v1/tasks", supervisor,
                                {"codigo": f"BW-{uid}-{seq}", "titulo": "bench write", "tipo": "patrullaje",
                                 "delegado_usuario_id": uid})
            ok = status == 201
            if ok:
                tasks.append((json.loads(body)["id"], "programada"))
        if not ok:
            result["write_errors"] += 1
            continue
        result["writes"] += 1

        status, body = call("GET", f"/api/v1/stats/user/{uid}?days={days}", token)
        if status != 200:
            result["read_errors"] += 1
            continue
        result["write_to_fresh_read_ms"].append((time.monotonic() - t0) * 1000)
        served = json.loads(body)
        cache = served.get("_cache", {})
        source = "hit" if cache.get("hit") else cache.get("reason", "?")
        result["read_sources"][source] = result["read_sources"].get(source, 0) + 1
        result["checks"] += 1
        stale_fields = differs(served, figures(uid))
        if stale_fields:
            result["stale"] += 1
            if len(result["stale_examples"]) < 5:
                result["stale_examples"].append({"user": uid, "fields": stale_fields, "_cache": cache})

    elapsed = time.monotonic() - start
    cur.execute("DELETE FROM tareas WHERE codigo LIKE 'BW-%%'")
    lat = sorted(result.pop("write_to_fresh_read_ms"))
    result["seconds"] = round(elapsed, 1)
    result["writes_per_s"] = round(result["writes"] / elapsed, 1)
    if lat:
        result["write_to_fresh_read_ms_p50"] = round(lat[len(lat) // 2], 2)
        result["write_to_fresh_read_ms_p99"] = round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 2)
    fresh = sorted(result.pop("commit_to_fresh_ms"))
    if fresh:
        result["commit_to_fresh_ms_p50"] = round(fresh[len(fresh) // 2], 2)
        result["commit_to_fresh_ms_p95"] = round(fresh[min(len(fresh) - 1, int(len(fresh) * 0.95))], 2)
        result["commit_to_fresh_ms_max"] = round(fresh[-1], 2)
    with open(out_file, "w") as f:
        json.dump(result, f)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
