#!/usr/bin/env python3
"""Scenario 3 writer: task writes that invalidate, and a staleness check after each one.

While wrk reads the working set, this loop, at a fixed rate, picks a user of the working set and
  1. writes one of its tasks with SQL straight into `tareas` (insert a task, move one of the
     tasks it inserted programada -> en_curso -> finalizada, or soft-delete one),
  2. calls POST /api/v1/stats/invalidate/user/{id} (the O(1) invalidation the write path uses),
  3. reads GET /api/v1/stats/user/{id}?days=D (cache allowed) and compares its figures with the
     aggregation run on the database right then: different figures = a stale read.
Only rows it inserted (codigo 'BW-...') are changed, and they are deleted at the end, so the
seeded data set is left as it was.

Usage: writer.py PORT TOKENS_FILE STATS_SQL_FILE DSN DAYS SECONDS RATE OUT_JSON
"""
import http.client
import json
import sys
import time

import psycopg2

FIELDS = ("total", "completadas", "en_progreso", "programadas", "canceladas", "pausadas",
          "promedio_duracion_horas", "productividad_diaria")


def main():
    port, tokens_file, sql_file, dsn, days, seconds, rate, out_file = sys.argv[1:9]
    days, seconds, rate = int(days), float(seconds), float(rate)
    users = []
    with open(tokens_file) as f:
        for line in f:
            uid, token = line.split()
            users.append((int(uid), token))
    with open(sql_file) as f:
        stats_sql = f.read().replace("$1", "%(uid)s").replace("$2", "%(days)s")

    db = psycopg2.connect(dsn)
    db.autocommit = True
    cur = db.cursor()
    cur.execute("DELETE FROM tareas WHERE codigo LIKE 'BW-%%'")
    http_conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)

    def call(method, path, token):
        http_conn.request(method, path, headers={"Authorization": "Bearer " + token, "Content-Length": "0"})
        resp = http_conn.getresponse()
        return resp.status, resp.read()

    mine = {}            # user id -> [(task id, estado)] of the tasks this run inserted
    result = {"writes": 0, "invalidate_errors": 0, "read_errors": 0, "checks": 0, "stale": 0,
              "stale_examples": [], "read_sources": {}, "write_to_fresh_read_ms": []}
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
        if op >= 8 and tasks:                                    # soft delete
            task_id, _ = tasks.pop(0)
            cur.execute("UPDATE tareas SET deleted_at = now(), updated_at = now() WHERE id = %s", (task_id,))
        elif op >= 5 and movable:                                # state transition
            task_id, estado = movable[0]
            if estado == "programada":
                cur.execute("UPDATE tareas SET estado = 'en_curso', inicio_real = now(), updated_at = now() "
                            "WHERE id = %s", (task_id,))
                new = "en_curso"
            else:
                cur.execute("UPDATE tareas SET estado = 'finalizada', fin_real = now(), updated_at = now() "
                            "WHERE id = %s", (task_id,))
                new = "finalizada"
            tasks[tasks.index((task_id, estado))] = (task_id, new)
        else:                                                    # new task
            cur.execute("INSERT INTO tareas (codigo, titulo, tipo, estado, delegado_usuario_id, "
                        "creado_por_usuario_id) VALUES (%s, 'bench write', 'patrullaje', 'programada', %s, %s) "
                        "RETURNING id", (f"BW-{uid}-{seq}", uid, uid))
            tasks.append((cur.fetchone()[0], "programada"))
        result["writes"] += 1

        status, _ = call("POST", f"/api/v1/stats/invalidate/user/{uid}", token)
        if status != 200:
            result["invalidate_errors"] += 1
            continue
        status, body = call("GET", f"/api/v1/stats/user/{uid}?days={days}", token)
        if status != 200:
            result["read_errors"] += 1
            continue
        result["write_to_fresh_read_ms"].append((time.monotonic() - t0) * 1000)
        served = json.loads(body)
        cache = served.get("_cache", {})
        source = "hit" if cache.get("hit") else cache.get("reason", "?")
        result["read_sources"][source] = result["read_sources"].get(source, 0) + 1
        cur.execute(stats_sql, {"uid": uid, "days": days})
        row = dict(zip([d[0] for d in cur.description], cur.fetchone()))
        result["checks"] += 1
        differs = [f for f in FIELDS if abs(float(served[f]) - float(row[f])) > 1e-9]
        if differs:
            result["stale"] += 1
            if len(result["stale_examples"]) < 5:
                result["stale_examples"].append({"user": uid, "fields": differs, "_cache": cache})

    elapsed = time.monotonic() - start
    cur.execute("DELETE FROM tareas WHERE codigo LIKE 'BW-%%'")
    lat = sorted(result.pop("write_to_fresh_read_ms"))
    result["seconds"] = round(elapsed, 1)
    result["writes_per_s"] = round(result["writes"] / elapsed, 1)
    if lat:
        result["write_to_fresh_read_ms_p50"] = round(lat[len(lat) // 2], 2)
        result["write_to_fresh_read_ms_p99"] = round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 2)
    with open(out_file, "w") as f:
        json.dump(result, f)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
