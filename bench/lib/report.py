#!/usr/bin/env python3
"""Turns the raw outputs of one bench/run.sh run into the results table (Markdown on stdout).

Usage: report.py RUN_DIR CONNECTIONS
Every service figure is printed next to its ceiling (redis-benchmark GET of the same cached value
at the same concurrency; pgbench running the service's aggregation query at the same concurrency)
and the ratio service / ceiling. Targets are evaluated and printed; nothing here fails a run.
"""
import csv
import glob
import json
import os
import re
import sys

RUN, CONNS = sys.argv[1], int(sys.argv[2])


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
  f"{machine.get('java', '?')}, PostgreSQL {machine.get('postgres', '?')}, Redis {machine.get('redis', '?')}, "
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
loads = {os.path.basename(p)[5:-4]: read(os.path.basename(p)) for p in sorted(glob.glob(path("load-*.txt")))}
quiet = kv_line = dict(p.split("=", 1) for p in (read("quiet.txt") or "").split(" ") if "=" in p)
w(f"Before starting the service the harness waited {quiet.get('waited', '?')} for a quiet machine "
  f"(load average then {read('quiet.txt', '').split('load_at_start=')[-1]}). "
  f"1-minute load average at the start of each step: {', '.join(f'{k} {v}' for k, v in loads.items())}. "
  f"Other processes above 10 % CPU at the end: {machine.get('others') or 'none'}.")
w("")
w(f"Parameters: `{read('params.txt')}`.")
print("\n".join(out))
