#!/usr/bin/env python3
"""Cold-start burst: N concurrent requests for one key, all sent in the same instant.

Opens N connections first, then writes one GET /api/v1/stats/user/{id}?days=D on each in one
event-loop turn, so the service sees N requests at once rather than a ramp (a curl per process
would spread them over the time it takes to fork N processes). Reads every answer and writes a
JSON summary: statuses, the `_cache` source of each 200 (hit, or the reason of a database
answer), latencies from the send, and how long after readiness the requests went out.

Usage: burst.py PORT USER_ID TOKEN DAYS N READY_EPOCH_NS OUT_JSON
"""
import asyncio
import json
import sys
import time


async def answer(reader):
    raw = await reader.read()           # Connection: close, so the answer ends at EOF
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    return status, body


async def main():
    port, uid, token, days, n, ready_ns, out_file = sys.argv[1:8]
    n = int(n)
    request = (f"GET /api/v1/stats/user/{uid}?days={days} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               f"Authorization: Bearer {token}\r\nConnection: close\r\n\r\n").encode()
    t0 = time.monotonic()
    connections = await asyncio.gather(*(asyncio.open_connection("127.0.0.1", int(port)) for _ in range(n)))
    connected_ms = (time.monotonic() - t0) * 1000
    sent_ns = time.time_ns()
    sent = time.monotonic()
    for _, writer in connections:
        writer.write(request)
    done_at = {}

    async def one(i, reader):
        result = await answer(reader)
        done_at[i] = time.monotonic()
        return result

    answers = await asyncio.gather(*(one(i, reader) for i, (reader, _) in enumerate(connections)),
                                   return_exceptions=True)
    for _, writer in connections:
        writer.close()
    statuses, sources = {}, {}
    for a in answers:
        if isinstance(a, Exception):
            statuses[type(a).__name__] = statuses.get(type(a).__name__, 0) + 1
            continue
        status, body = a
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        if status == 200:
            cache = json.loads(body).get("_cache", {})
            source = "hit" if cache.get("hit") else cache.get("reason", "?")
            sources[source] = sources.get(source, 0) + 1
    lat = sorted((t - sent) * 1000 for t in done_at.values())
    result = {"requests": n, "statuses": statuses, "sources": sources,
              "connect_all_ms": round(connected_ms, 1),
              "sent_after_ready_ms": round((sent_ns - int(ready_ns)) / 1e6, 1),
              "latency_ms_p50": round(lat[len(lat) // 2], 1) if lat else None,
              "latency_ms_max": round(lat[-1], 1) if lat else None}
    with open(out_file, "w") as f:
        json.dump(result, f)
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
