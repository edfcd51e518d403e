#!/usr/bin/env python3
"""Cross-instance freshness: a write through instance A, then reads on instance B until fresh.

For each of N rounds, on one user of the list:
  1. reads the statistics on A and on B twice each, so both hold the value in memory (near cache);
  2. creates a task for the user through A's tasks API (A invalidates after commit);
  3. reads on B at once and then every 0.2 ms until `total` counts the new task. The staleness
     window is the time from A's 201 to the sending of the first read that came back fresh (0 when
     the very first read was fresh): B served the old figures no later than that. The time to the
     end of that read is reported too (it includes B computing the new value, a miss). Still stale
     after BOUND_MS counts as a stale read;
  4. creates a second task through A and reads on A at once: read-your-writes, that read must
     already count it.
The tasks it created (codigo 'BX-...') are deleted in SQL at the end.

Usage: crossfresh.py PORT_A PORT_B TOKENS_FILE SUPERVISOR_TOKEN_FILE DSN DAYS ROUNDS OUT_JSON [BOUND_MS]
"""
import http.client
import json
import sys
import time

import psycopg2


def main():
    port_a, port_b, tokens_file, supervisor_file, dsn, days, rounds, out_file = sys.argv[1:9]
    days, rounds = int(days), int(rounds)
    bound = (float(sys.argv[9]) if len(sys.argv) > 9 else 1000.0) / 1000
    with open(tokens_file) as f:
        users = [(int(uid), token) for uid, token in (line.split() for line in f if line.strip())]
    with open(supervisor_file) as f:
        supervisor = f.read().split()[1]
    conns = {p: http.client.HTTPConnection("127.0.0.1", int(p), timeout=10) for p in (port_a, port_b)}

    def call(port, method, path, token, body=None):
        payload = b"" if body is None else json.dumps(body).encode()
        headers = {"Authorization": "Bearer " + token, "Content-Length": str(len(payload))}
        if body is not None:
            headers["Content-Type"] = "application/json"
        conns[port].request(method, path, body=payload, headers=headers)
        resp = conns[port].getresponse()
        return resp.status, resp.read()

    def stats(port, uid, token):
        status, body = call(port, "GET", f"/api/v1/stats/user/{uid}?days={days}", token)
        if status != 200:
            raise RuntimeError(f"GET stats on {port}: {status} {body[:200]!r}")
        doc = json.loads(body)
        return doc["total"], doc["_cache"].get("source")

    def create(uid, tag):
        return call(port_a, "POST", "/api/v1/tasks", supervisor,
                    {"codigo": f"BX-{uid}-{tag}-{int(time.time())}", "titulo": "bench cross-instance write",
                     "tipo": "patrullaje", "delegado_usuario_id": uid})

    result = {"rounds": 0, "latencies_ms": [], "answered_ms": [], "stale_after_bound": 0, "own_instance_stale": 0,
              "b_sources_before_write": {}, "bound_ms": bound * 1000}
    for i in range(rounds):
        uid, token = users[(i * 7919) % len(users)]
        for port in (port_a, port_b):
            stats(port, uid, token)
        before, source_b = stats(port_b, uid, token)
        stats(port_a, uid, token)
        result["b_sources_before_write"][source_b] = result["b_sources_before_write"].get(source_b, 0) + 1
        status, body = create(uid, f"{i}a")
        if status != 201:
            raise RuntimeError(f"POST task through {port_a}: {status} {body[:200]!r}")
        written = time.monotonic()
        last_stale_sent = None
        while True:
            sent = time.monotonic()
            total, _ = stats(port_b, uid, token)
            now = time.monotonic()
            if total == before + 1:
                result["latencies_ms"].append(0.0 if last_stale_sent is None else (sent - written) * 1000)
                result["answered_ms"].append((now - written) * 1000)
                break
            last_stale_sent = sent
            if now - written > bound:
                result["stale_after_bound"] += 1
                break
            time.sleep(0.0002)
        stats(port_a, uid, token)
        status, body = create(uid, f"{i}b")
        if status != 201:
            raise RuntimeError(f"POST task through {port_a}: {status} {body[:200]!r}")
        if stats(port_a, uid, token)[0] != before + 2:
            result["own_instance_stale"] += 1
        result["rounds"] += 1

    db = psycopg2.connect(dsn)
    db.autocommit = True
    db.cursor().execute("DELETE FROM tareas WHERE codigo LIKE 'BX-%%'")
    for name, values in (("", result["latencies_ms"]), ("answered_", result["answered_ms"])):
        lat = sorted(values)
        if lat:
            result[name + "p50_ms"] = lat[len(lat) // 2]
            result[name + "p95_ms"] = lat[min(len(lat) - 1, int(len(lat) * 0.95))]
            result[name + "max_ms"] = lat[-1]
    with open(out_file, "w") as f:
        json.dump(result, f)
    print(json.dumps({k: v for k, v in result.items() if not k.endswith("ms") or not isinstance(v, list)}))


if __name__ == "__main__":
    main()
