#!/usr/bin/env python3
"""Turns the raw outputs of one bench/run.sh run into the results table (Markdown on stdout).

Usage: report.py RUN_DIR CONNECTIONS [OVERLOAD_CONNECTIONS]
Every service figure is printed next to its ceiling (redis-benchmark GET of the same cached value
at the same concurrency; pgbench running the service's aggregation query at the same concurrency;
nginx serving a body of the cached value's size) and the ratio service / ceiling. Then the
overload scenario and the cold-start burst (issue #11). Targets are evaluated and printed;
nothing here fails a run.
"""
import csv
import glob
import json
import os
import re
import sys

RUN, CONNS = sys.argv[1], int(sys.argv[2])
OVERLOAD_CONNS = int(sys.argv[3]) if len(sys.argv) > 3 else 512


def path(name):
    return os.path.join(RUN, name)


def read(name, default=None):
    try:
        with open(path(name)) as f:
            return f.read().strip()
    except OSError:
        return default


def load_json(name):
    text = read(name)
    return json.loads(text) if text else None


def kv(name):
    out = {}
    for line in (read(name) or "").splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def wrk(name):
    data = load_json(f"wrk-{name}.json")
    if not data:
        return None
    lat = data["latency_us"]
    errors = sum(data["errors"].values())
    return {"rps": data["rps"], "p50": lat["p50"] / 1000, "p99": lat["p99"] / 1000, "p999": lat["p999"] / 1000,
            "errors": errors, "error_detail": data["errors"], "requests": data["requests"]}


def wrk_statuses(name):
    """A wrk run with BENCH_STATUS=1: responses by status, 2xx per second, the served p99 bound."""
    data = load_json(f"wrk-{name}.json")
    if not data or "statuses" not in data:
        return None
    statuses = {int(k): v for k, v in data["statuses"].items()}
    responses = sum(statuses.values())
    ok = sum(v for k, v in statuses.items() if 200 <= k < 300)
    seconds = data["duration_us"] / 1e6
    lat = data["latency_us"]
    per_second = data["ok_per_second"] + [0] * (int(seconds) - len(data["ok_per_second"]))
    return {"rps": data["rps"], "ok_rps": ok / seconds, "responses": responses, "ok": ok,
            "sheds": statuses.get(503, 0), "others": responses - ok - statuses.get(503, 0),
            "others_detail": {k: v for k, v in statuses.items() if not 200 <= k < 300 and k != 503},
            "socket_errors": sum(v for k, v in data["errors"].items() if k != "status"),
            "p50": lat["p50"] / 1000, "p99": lat["p99"] / 1000, "p999": lat["p999"] / 1000,
            "served_p99": data["served_p99_bound_us"] / 1000 if ok else None, "per_second": per_second,
            "seconds": seconds}


def series(name):
    """Prometheus text of a metrics file: {(metric, labels as a sorted tuple): value}."""
    out = {}
    for line in (read(name) or "").splitlines():
        m = re.match(r'^(\w+)(?:\{(.*)\})?\s+(\S+)', line)
        if m:
            labels = tuple(sorted(re.findall(r'(\w+)="([^"]*)"', m.group(2) or "")))
            out[(m.group(1), labels)] = float(m.group(3))
    return out


def counted(name, metric, label=None):
    """Increase of a counter during wrk run NAME: the total, or {label value: increase}."""
    before, after = series(f"metrics-{name}-before.txt"), series(f"metrics-{name}-after.txt")
    if not after:
        return None
    rows = {}
    for (m, labels), value in after.items():
        if m == metric:
            key = dict(labels).get(label) if label else None
            rows[key] = rows.get(key, 0) + value - before.get((m, labels), 0)
    return rows if label else rows.get(None, 0)


def cache_counts(name):
    counts = {}
    for line in (read(name) or "").splitlines():
        m = re.match(r'gad_cache_requests_total\{.*result="(\w+)".*\}\s+([0-9.eE+]+)', line)
        if m:
            counts[m.group(1)] = float(m.group(2))
    return counts


def hit_rate(name):
    before, after = cache_counts(f"metrics-{name}-before.txt"), cache_counts(f"metrics-{name}-after.txt")
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    total = sum(delta.values())
    if total <= 0:
        return None, delta
    return delta.get("hit", 0) / total, delta


def redis(name):
    rows = list(csv.reader((read(f"{name}.csv") or "").splitlines()))
    if len(rows) < 2:
        return None
    row = dict(zip(rows[0], rows[1]))
    return {"rps": float(row["rps"]), "p50": float(row["p50_latency_ms"]), "p99": float(row["p99_latency_ms"]),
            "p999": None, "errors": 0}


def pgbench(name):
    text = read(f"{name}.txt") or ""
    m = re.search(r"^tps = ([0-9.]+)", text, re.M)
    if not m:
        return None
    failed = re.search(r"number of failed transactions: (\d+)", text)
    lat = []
    for log in glob.glob(path(f"{name}-log*")):
        with open(log) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3:
                    lat.append(int(parts[2]))
    lat.sort()

    def pct(p):
        return lat[min(len(lat) - 1, int(len(lat) * p / 100))] / 1000 if lat else None
    return {"rps": float(m.group(1)), "p50": pct(50), "p99": pct(99), "p999": pct(99.9),
            "errors": int(failed.group(1)) if failed else 0}


def ms(v):
    if v is None:
        return "–"
    return f"{v:.2f}" if v < 10 else f"{v:.1f}"


def rps(v):
    return "–" if v is None else f"{v:,.0f}"


machine = kv("machine.txt")
params = kv_line = dict(p.split("=", 1) for p in (read("params.txt") or "").split())
service = load_json("service.json") or {}
after = load_json("service-after.json") or {}
writer = load_json("writer.json") or {}
dataset = (read("dataset") or "").split()
heavy = [line.split() for line in (read("heavy_users") or "").splitlines() if line.strip()]
value_size = read("value_size", "?")

c = CONNS
scenarios = [
    ("1. cache hits", f"hit-c{c}", c, "redis-benchmark GET", f"redis-c{c}", redis),
    ("1. cache hits", "hit-c1", 1, "redis-benchmark GET", "redis-c1", redis),
    ("3. mixed reads + writes (reads)", f"mixed-c{c}", c, "redis-benchmark GET", f"redis-c{c}", redis),
    ("2. misses `use_cache=false`", f"miss-c{c}", c, "pgbench aggregation", f"pgbench-c{c}", pgbench),
    ("2. misses `use_cache=false`", "miss-c1", 1, "pgbench aggregation", "pgbench-c1", pgbench),
    ("2. misses, 10 heaviest users", "miss-heavy-c1", 1, "pgbench aggregation, same users",
     "pgbench-heavy-c1", pgbench),
]

out = []
w = out.append
smoke = params.get("smoke") == "1"
w("# gad-stats benchmark results" + (" (SMOKE RUN: tiny data set, figures mean nothing)" if smoke else ""))
w("")
w(f"Machine: {machine.get('nproc', '?')} cores ({machine.get('cpu', '?')}), {machine.get('mem', '?')}, "
  f"{machine.get('java', '?')}, PostgreSQL {machine.get('postgres', '?')}, Redis {machine.get('redis', '?')} "
  f"({machine.get('topology', 'standalone')}; the near cache {machine.get('near_cache', 'on')}), "
  f"{machine.get('wrk', 'wrk')}; {machine.get('date', '?')}, commit {machine.get('commit', '?')}. "
  "wrk, the service, PostgreSQL and Redis share the cores; every request carries an RS256 JWT.")
w("")
w(f"Data set: {dataset[0] if dataset else '?'} users, {dataset[1] if len(dataset) > 1 else '?'} tasks over "
  f"{params.get('days', '?')} days (Zipf-Mandelbrot s={params.get('zipf_s')}, q={params.get('zipf_q')}); "
  f"{dataset[2] if len(dataset) > 2 else '?'} live tasks in the {params.get('window')}-day window; heaviest user "
  f"{heavy[0][1] if heavy else '?'} tasks. Each scenario runs {params.get('duration')} s "
  f"(wrk -t{params.get('wrk_threads')}, after {params.get('warmup')} s of warm-up); hits rotate over "
  f"{params.get('working_set')} users, misses over all users; cached value {value_size} bytes.")
w("")
w("| scenario | conns | req/s | p50 ms | p99 ms | p99.9 ms | errors | ceiling | ceiling req/s | ceiling p50 / p99 ms | ratio | notes |")
w("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|")
results = {}
for title, name, conns, ceiling_title, ceiling_name, parser in scenarios:
    s = wrk(name)
    ceiling = parser(ceiling_name)
    results[name] = (s, ceiling)
    if not s:
        w(f"| {title} | {conns} | not run | | | | | {ceiling_title} | | | | |")
        continue
    ratio = s["rps"] / ceiling["rps"] if ceiling and ceiling["rps"] else None
    rate, delta = hit_rate(name)
    notes = []
    if rate is not None:
        notes.append(f"hit rate {rate * 100:.1f} %")
    if name.startswith("mixed") and writer:
        notes.append(f"{writer.get('writes_per_s')} writes/s, stale reads after a write "
                     f"{writer.get('stale')}/{writer.get('checks')}")
        if writer.get("direct_writes"):
            notes.append(f"{writer.get('direct_writes')} of them in SQL: commit → fresh p95 "
                         f"{writer.get('commit_to_fresh_ms_p95')} ms, stale after {writer.get('fresh_bound_ms'):.0f} ms "
                         f"{writer.get('direct_stale_after_bound')}")
    if s["errors"]:
        notes.append("errors " + ", ".join(f"{k} {v}" for k, v in s["error_detail"].items() if v))
    w(f"| {title} | {conns} | {rps(s['rps'])} | {ms(s['p50'])} | {ms(s['p99'])} | {ms(s['p999'])} | {s['errors']} "
      f"| {ceiling_title} | {rps(ceiling['rps']) if ceiling else '–'} "
      f"| {ms(ceiling['p50']) if ceiling else '–'} / {ms(ceiling['p99']) if ceiling else '–'} "
      f"| {f'{ratio:.2f}' if ratio is not None else '–'} | {'; '.join(notes)} |")
w("")

first = []
for n in (1, 2, 3):
    try:
        first.append((load_json(f"first-{n}.json") or {}).get("_cache", {}))
    except ValueError:
        first.append({"error": "not JSON"})
first_desc = ", ".join("hit" if f.get("hit") else str(f.get("reason", f)) for f in first)
w(f"Service: `started in` {service.get('started_in_s', '?')} s (ready on HTTP {service.get('ready_wall_ms', '?')} ms "
  f"after `java -jar`, having used {service.get('ready_cpu_ms', '?')} ms of CPU, all threads), RSS idle {service.get('rss_idle_mb', '?')} MB, right after load {after.get('rss_after_mb', '?')} MB "
  f"({after.get('rss_settled_mb', '?')} MB 5 s later)"
  f"{', JVM options `' + service['java_opts'] + '`' if service.get('java_opts') else ', no JVM options'}"
  f"{', MALLOC_ARENA_MAX=' + service['malloc_arena_max'] if service.get('malloc_arena_max') else ''}. "
  f"First three requests after start: {first_desc}.")
gc = [l for l in (read("service-gc.log") or "").splitlines() if "Pause" in l]
if gc:
    pauses = []
    for l in gc:
        m = re.search(r"([0-9.]+)ms$", l.strip())
        if m:
            pauses.append((float(m.group(1)), "Full" in l))
    full = [p for p, f in pauses if f]
    w("")
    w(f"GC (whole run): {len(pauses)} pauses, longest {max(p for p, _ in pauses):.1f} ms, "
      f"{sum(p for p, _ in pauses):.0f} ms in all; {len(full)} full collections"
      f"{' (longest ' + format(max(full), '.1f') + ' ms)' if full else ''}.")
errors_logged = len(re.findall(r"cache error key=", read("service.log") or ""))
w("")
w(f"Redis calls that failed or passed the {read('redis_timeout', '50ms')} timeout and were answered from PostgreSQL "
  f"instead (`cache_unavailable`): {errors_logged} in the whole run.")
if writer:
    w("")
    api_writes = writer.get('writes', 0) - writer.get('direct_writes', 0)
    w(f"Mixed scenario: {writer.get('writes')} writes ({writer.get('writes_per_s')}/s, {writer.get('write_errors')} failed). "
      f"{api_writes} through the tasks API (POST, PATCH estado, DELETE; each invalidates after commit), each followed by a read; "
      f"that read was checked against the "
      f"database: {writer.get('stale')} stale of {writer.get('checks')} (sources {writer.get('read_sources')}); "
      f"write → fresh read p50 {writer.get('write_to_fresh_read_ms_p50')} ms, p99 "
      f"{writer.get('write_to_fresh_read_ms_p99')} ms.")
    if writer.get("direct_writes"):
        w(f"{writer.get('direct_writes')} straight in SQL (INSERT, UPDATE estado, soft delete; only the tareas triggers "
          f"tell the service), each followed by reads every millisecond until fresh: commit → fresh p50 "
          f"{writer.get('commit_to_fresh_ms_p50')} ms, p95 {writer.get('commit_to_fresh_ms_p95')} ms, max "
          f"{writer.get('commit_to_fresh_ms_max')} ms; still stale after {writer.get('fresh_bound_ms'):.0f} ms: "
          f"{writer.get('direct_stale_after_bound')} (issue #12 target: p95 ≤ 100 ms, 0 stale after the bound).")
w("")

# ---- targets (issue #5) ----
def target(label, value, ok, detail):
    mark = "–" if ok is None else ("met" if ok else "**missed**")
    w(f"| {label} | {value} | {mark} | {detail} |")


w("| target (issue #5) | measured | | |")
w("|---|---|---|---|")
s, ceil = results.get(f"hit-c{c}", (None, None))
if s:
    ratio = s["rps"] / ceil["rps"] if ceil else None
    target(f"hits c={c}: ≥ 0.5 × redis-benchmark GET", f"{ratio:.2f} ×" if ratio else "–",
           None if ratio is None else ratio >= 0.5, f"{rps(s['rps'])} vs {rps(ceil['rps']) if ceil else '–'} req/s")
    target(f"hits c={c}: p99 ≤ 10 ms", f"{ms(s['p99'])} ms", s["p99"] <= 10, "")
    target(f"hits c={c}: 0 errors", str(s["errors"]), s["errors"] == 0, "")
s, _ = results.get("hit-c1", (None, None))
if s:
    target("hits c=1: p50 ≤ 1 ms", f"{ms(s['p50'])} ms", s["p50"] <= 1, "")
s, ceil = results.get(f"miss-c{c}", (None, None))
if s:
    ratio = s["rps"] / ceil["rps"] if ceil else None
    target(f"misses c={c}: ≥ 0.5 × pgbench", f"{ratio:.2f} ×" if ratio else "–",
           None if ratio is None else ratio >= 0.5, f"{rps(s['rps'])} vs {rps(ceil['rps']) if ceil else '–'} req/s")
s, _ = results.get("miss-c1", (None, None))
if s:
    target("misses c=1: p50 ≤ 3 ms (all users)", f"{ms(s['p50'])} ms", s["p50"] <= 3, "")
s, _ = results.get("miss-heavy-c1", (None, None))
if s:
    target("misses c=1, heaviest users only: p50 ≤ 3 ms", f"{ms(s['p50'])} ms", s["p50"] <= 3, "")
try:
    started = float(service.get("started_in_s"))
    target("JVM start ≤ 1.5 s (`started in`)", f"{started:.3f} s", started <= 1.5, "")
except (TypeError, ValueError):
    target("JVM start ≤ 1.5 s (`started in`)", "?", None, "no `started in` line found")
if after.get("rss_after_mb") is not None:
    target("RSS after load ≤ 200 MB", f"{after['rss_after_mb']} MB", after["rss_after_mb"] <= 200,
           f"right after the last scenario; {after.get('rss_settled_mb', '?')} MB 5 s later")
w("")

# ---- overload and cold start (issue #11) ----
phases = [(f"1. hits, before", "overload-1", CONNS), (f"2. hits, overload", "overload-2", OVERLOAD_CONNS),
          (f"3. hits, after", "overload-3", CONNS)]
ov = {name: wrk_statuses(name) for _, name, _ in phases}
nginx = {c: wrk_statuses(f"nginx-c{c}") for c in (CONNS, OVERLOAD_CONNS)}
burst = load_json("burst.json")
burst_aggregations = series("metrics-burst-after.txt").get(("gad_stats_aggregation_seconds_count", ()))


def pct(part, whole):
    return f"{part / whole * 100:.2f} %" if whole else "–"


if any(ov.values()):
    w("### Overload (issue #11)")
    w("")
    w(f"Cache hits over the same {params.get('working_set')} users, warmed up first: {CONNS} connections, then "
      f"{OVERLOAD_CONNS}, then {CONNS} again, {params.get('duration')} s each, one wrk run per phase "
      "(`bench/lib/stats.lua` with `BENCH_STATUS=1`: statuses and 2xx per second counted by a response() hook). "
      "req/s counts every response, 2xx/s the served ones. wrk's latency includes the sheds; \"served p99 ≤\" "
      "bounds the p99 of the served requests from above (the percentile 100 − 2xx share of all responses: "
      "exactly p99 when nothing was shed). The HTTP ceiling: nginx "
      f"{machine.get('nginx', '')} serving a static body of the hit's size ({read('hit_body_size', '?')} bytes, "
      "a real hit's body) to the same script and connections, same run.")
    w("")
    w("| phase | conns | req/s | 2xx/s | p50 ms | p99 ms | p99.9 ms | served p99 ≤ ms | sheds (503) | other non-2xx | "
      "socket errors | nginx req/s | 2xx/s ÷ nginx |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for title, name, conns in phases:
        s = ov[name]
        if not s:
            w(f"| {title} | {conns} | not run | | | | | | | | | | |")
            continue
        n = nginx.get(conns)
        ratio = f"{s['ok_rps'] / n['rps']:.2f}" if n and n["rps"] else "–"
        w(f"| {title} | {conns} | {rps(s['rps'])} | {rps(s['ok_rps'])} | {ms(s['p50'])} | {ms(s['p99'])} "
          f"| {ms(s['p999'])} | {ms(s['served_p99'])} | {s['sheds']} ({pct(s['sheds'], s['responses'])}) "
          f"| {s['others']}{' ' + str(s['others_detail']) if s['others'] else ''} | {s['socket_errors']} "
          f"| {rps(n['rps']) if n else '–'} | {ratio} |")
    for c in (CONNS, OVERLOAD_CONNS):
        n = nginx.get(c)
        if n:
            w(f"| nginx, static body | {c} | {rps(n['rps'])} | {rps(n['ok_rps'])} | {ms(n['p50'])} | {ms(n['p99'])} "
              f"| {ms(n['p999'])} | {ms(n['served_p99'])} | {n['sheds']} | {n['others']} | {n['socket_errors']} | | |")
    w("")
    w("From the service's `/q/metrics`, read before and after each phase:")
    w("")
    w("| phase | responses | sheds `queue_full` / `queue_wait` | fallbacks `redis_fault` / `bulkhead_full` "
      "| aggregations | late Redis replies excused | cache results | mean event-loop lag ms "
      "| in flight / queued after |")
    w("|---|---:|---:|---:|---:|---:|---|---:|---:|")
    for title, name, conns in phases:
        s = ov[name]
        if not s:
            continue
        shed = counted(name, "gad_http_shed_total", "reason") or {}
        fb = counted(name, "gad_cache_fallbacks_total", "cause") or {}
        results_ = counted(name, "gad_cache_requests_total", "result") or {}
        lag_sum = counted(name, "gad_event_loop_lag_seconds_sum")
        lag_count = counted(name, "gad_event_loop_lag_seconds_count")
        lag = f"{lag_sum / lag_count * 1000:.1f}" if lag_count else "–"
        gauges = series(f"metrics-{name}-after.txt")
        in_flight = gauges.get(("gad_http_in_flight", ()))
        queued = gauges.get(("gad_http_queued", ()))
        held = "–" if in_flight is None else f"{in_flight:.0f} / {queued or 0:.0f}"
        w(f"| {title} | {s['responses']:,} | {shed.get('queue_full', 0):.0f} / {shed.get('queue_wait', 0):.0f} "
          f"| {fb.get('redis_fault', 0):.0f} / {fb.get('bulkhead_full', 0):.0f} "
          f"| {counted(name, 'gad_stats_aggregation_seconds_count') or 0:.0f} "
          f"| {counted(name, 'gad_cache_deadline_excused_total') or 0:.0f} "
          f"| {', '.join(f'{k} {v:.0f}' for k, v in sorted(results_.items()) if v)} | {lag} | {held} |")
    w("")
    first, after = ov.get("overload-1"), ov.get("overload-3")
    recovery = None
    if first and after:
        times = {n: [int(x) for x in (read(f"time-{n}.txt") or "0 0").split()] for n in ("overload-2", "overload-3")}
        gap_ms = (times["overload-3"][0] - times["overload-2"][1]) / 1e6
        full = [v for v in after["per_second"][:int(after["seconds"])]]   # whole seconds only
        recovery = next((i + 1 for i, v in enumerate(full) if v >= 0.9 * first["ok_rps"]), None)
        w(f"2xx per second in phase 3 (full hit throughput = 0.9 × phase 1's {rps(first['ok_rps'])} 2xx/s "
          f"= {rps(0.9 * first['ok_rps'])}): {', '.join(f'{v:,}' for v in full)}; first second at full hit "
          f"throughput: {recovery if recovery else 'none'}. Phase 3 started {gap_ms:.0f} ms after phase 2's wrk "
          "ended (reading the metrics in between).")
        for title, name, _ in phases[:2]:
            s = ov[name]
            w(f"2xx per second in phase {title[0]}: {', '.join(f'{v:,}' for v in s['per_second'][:int(s['seconds'])])}.")
        w("")
    if burst:
        w(f"Cold-start burst: a fresh JVM, nothing cached, then {burst['requests']} concurrent requests for one key "
          f"(the heaviest user), sent {burst['sent_after_ready_ms']} ms after `/q/health/ready` first answered "
          f"(all {burst['requests']} connections opened first, in {burst['connect_all_ms']} ms): statuses "
          f"{burst['statuses']}, answers {burst['sources']}, latency p50 {burst['latency_ms_p50']} ms, max "
          f"{burst['latency_ms_max']} ms; aggregations since start "
          f"(`gad_stats_aggregation_seconds_count`): "
          f"{'?' if burst_aggregations is None else f'{burst_aggregations:.0f}'}.")
        w("")

    prev_text = read("previous.md") or ""
    prev_row = re.search(rf"^\| 1\. cache hits \| {CONNS} \| ([0-9,]+) \| ([0-9.]+) \| ([0-9.]+) \|", prev_text, re.M)
    prev_when = re.search(r"; ([0-9-]+ [0-9:]+ UTC), commit (\w+)", prev_text)
    prev_nginx = re.search(rf"^\| nginx, static body \| {CONNS} \| ([0-9,]+) \|", prev_text, re.M)
    # Hits at 32 connections before the overload work, as issue #11 measured them (p99 11 ms).
    ISSUE_11_HITS_C32 = 10_900
    w("| target (issue #11) | measured | | |")
    w("|---|---|---|---|")
    hi = ov.get("overload-2")
    if first and hi:
        ratio = hi["ok_rps"] / first["ok_rps"] if first["ok_rps"] else 0
        target(f"c={OVERLOAD_CONNS} throughput ≥ 0.9 × c={CONNS}, same run", f"{ratio:.2f} ×", ratio >= 0.9,
               f"{rps(hi['ok_rps'])} vs {rps(first['ok_rps'])} 2xx/s (all responses {rps(hi['rps'])} vs "
               f"{rps(first['rps'])} req/s)")
        target(f"c={OVERLOAD_CONNS}: p99 of served requests ≤ 250 ms", f"≤ {ms(hi['served_p99'])} ms",
               None if hi["served_p99"] is None else hi["served_p99"] <= 250, f"p99 of all responses {ms(hi['p99'])} ms, p99.9 {ms(hi['p999'])} ms")
        share = hi["sheds"] / hi["responses"] if hi["responses"] else 0
        target(f"c={OVERLOAD_CONNS}: sheds ≤ 5 % of requests", f"{share * 100:.2f} %", share <= 0.05,
               f"{hi['sheds']} of {hi['responses']:,}")
        others = sum(ov[n]["others"] for _, n, _ in phases if ov[n])
        sockets = sum(ov[n]["socket_errors"] for _, n, _ in phases if ov[n])
        target("other non-2xx 0 (all three phases)", str(others), others == 0, f"socket errors {sockets}")
        fb = counted("overload-2", "gad_cache_fallbacks_total", "cause") or {}
        fallbacks = fb.get("redis_fault", 0) + fb.get("bulkhead_full", 0)
        share = fallbacks / hi["responses"] if hi["responses"] else 0
        target("PostgreSQL fallbacks during overload ≤ 1 % of requests", f"{share * 100:.2f} %", share <= 0.01,
               f"{fallbacks:.0f} of {hi['responses']:,} (`redis_fault` {fb.get('redis_fault', 0):.0f}, "
               f"`bulkhead_full` {fb.get('bulkhead_full', 0):.0f}); aggregations "
               f"{counted('overload-2', 'gad_stats_aggregation_seconds_count') or 0:.0f}")
    if first and after:
        target("back to full hit throughput within 5 s", f"second {recovery}" if recovery else "never",
               recovery is not None and recovery <= 5, "first second of phase 3 with ≥ 0.9 × phase 1's 2xx/s")
    if burst:
        target(f"cold-start burst ({burst['requests']} concurrent): 1 aggregation",
               "?" if burst_aggregations is None else f"{burst_aggregations:.0f}",
               None if burst_aggregations is None else burst_aggregations == 1, f"statuses {burst['statuses']}")
    s, _ = results.get(f"hit-c{CONNS}", (None, None))
    if s:
        # The reference is the figure issue #11 measured before the overload work (the packaged jar,
        # hits at 32 connections on this 2-core host). The previous run is shown beside it but not
        # judged: on this shared host the same commit's hits, and nginx's, move by 10-20 % between
        # runs minutes apart, in raw req/s and as a ratio alike.
        baseline = ISSUE_11_HITS_C32 if CONNS == 32 else None
        previous = ""
        if prev_row:
            hits_before = float(prev_row.group(1).replace(",", ""))
            nginx_before = float(prev_nginx.group(1).replace(",", "")) if prev_nginx else 0
            nginx_now = (nginx.get(CONNS) or {}).get("rps") or 0
            both = nginx_before and nginx_now
            when = prev_when.group(1) + ", commit " + prev_when.group(2) if prev_when else "previous results"
            previous = (f"; previous run: {prev_row.group(1)} req/s"
                        + (f" ({hits_before / nginx_before:.2f} × nginx)" if both else "")
                        + f", p99 {prev_row.group(3)} ms ({when})"
                        + (f"; this run {s['rps'] / nginx_now:.2f} × nginx" if both else ""))
        target(f"c={CONNS} hits no slower than before the overload work",
               f"{rps(s['rps'])} req/s, p99 {ms(s['p99'])} ms", None if baseline is None else s["rps"] >= baseline,
               (f"issue #11 measured ~{baseline:,} req/s" if baseline else "no reference at this concurrency")
               + previous)
    w("")

# ---- the request path (issue #24): every ceiling from this same run ----
refresh = load_json("refresh-ahead.json.on")
rss_after = (load_json("service-after.json") or {}).get("rss_after_mb")
w("| target (issue #24) | measured | | |")
w("|---|---|---|---|")
# Judged on the overload scenario's first phase: the same wrk script (statuses counted) as the
# nginx ceiling, right before it; scenario 1 is shown beside it.
s = ov.get("overload-1")
ceiling = nginx.get(CONNS)
if s and ceiling:
    ratio = s["ok_rps"] / ceiling["rps"]
    early = (results.get(f"hit-c{CONNS}") or (None, None))[0]
    target(f"hits c={CONNS}: ≥ 0.7 × nginx (static body, same connections)", f"{ratio:.2f} ×", ratio >= 0.7,
           f"overload phase 1: {rps(s['ok_rps'])} vs {rps(ceiling['rps'])} 2xx/s"
           + (f"; scenario 1: {rps(early['rps'])} req/s, {early['rps'] / ceiling['rps']:.2f} ×" if early else ""))
s = (results.get("hit-c1") or (None, None))[0]
if s:
    target("hits c=1: p50 ≤ 0.1 ms", f"{s['p50']:.3f} ms", s["p50"] <= 0.1, "")
s, ceiling = results.get(f"miss-c{CONNS}", (None, None))
if s:
    ratio = s["rps"] / ceiling["rps"] if ceiling else None
    target(f"misses c={CONNS}: ≥ 0.6 × pgbench (same aggregation)", f"{ratio:.2f} ×" if ratio else "–",
           None if ratio is None else ratio >= 0.6, f"{rps(s['rps'])} vs {rps(ceiling['rps']) if ceiling else '–'} req/s")
    target(f"misses c={CONNS}: p99 ≤ 10 ms", f"{ms(s['p99'])} ms", s["p99"] <= 10, "")
if refresh:
    target("refresh ahead: 0 answered as a miss after warm-up", str(refresh["answered_as_miss"]),
           refresh["answered_as_miss"] == 0,
           f"bench/refresh-ahead.sh: {refresh['users']} users, {refresh['rps']:,.0f} req/s, "
           f"{refresh['cached']} cached after warm-up, non-200 {refresh['non_200']}")
    target("refresh ahead: aggregations per key per TTL ≤ 1.1", f"{refresh['per_key_per_ttl']:.2f}",
           refresh["per_key_per_ttl"] <= 1.1, "")
else:
    target("refresh ahead", "–", None, "not run (`BENCH_REFRESH_AHEAD=0`) or failed: refresh-ahead.log")
if rss_after is not None:
    target("RSS right after load ≤ 180 MB", f"{rss_after} MB", rss_after <= 180, "the benchmark's JVM options")
w("")

loads = {os.path.basename(p)[5:-4]: read(os.path.basename(p)) for p in sorted(glob.glob(path("load-*.txt")))}
quiet = kv_line = dict(p.split("=", 1) for p in (read("quiet.txt") or "").split(" ") if "=" in p)
w(f"Before starting the service the harness waited {quiet.get('waited', '?')} for a quiet machine "
  f"(load average then {read('quiet.txt', '').split('load_at_start=')[-1]}). "
  f"1-minute load average at the start of each step: {', '.join(f'{k} {v}' for k, v in loads.items())}. "
  f"Other processes above 10 % CPU at the end: {machine.get('others') or 'none'}.")
w("")
w(f"Parameters: `{read('params.txt')}`.")
print("\n".join(out))
