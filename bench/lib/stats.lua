-- wrk script: GET /api/v1/stats/user/{id} rotating over users, each with their own token.
-- Configured through the environment (wrk's done() runs in a Lua state where init() never ran):
--   BENCH_TOKENS  file of "<user id> <token>" lines (bench/lib/tokens.py)
--   BENCH_QUERY   query string, e.g. "days=30" or "days=30&use_cache=false"
--   BENCH_OUT     where done() writes the result as one JSON object
--   BENCH_STATUS  "1": also count responses by status and 2xx responses per second of the run
--                 (a response() hook: wrk then parses every response's headers, which costs it
--                 some CPU, so the older scenarios run without it)
-- Requests are formatted once at init; each thread starts at its own offset of the list.

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_no", counter)
  table.insert(threads, thread)
end

local reqs = {}
local n = 0
local i = 0

function init(args)
  local query = os.getenv("BENCH_QUERY") or "days=30"
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    local id, token = line:match("^(%d+) (%S+)$")
    if id then
      n = n + 1
      reqs[n] = wrk.format("GET", "/api/v1/stats/user/" .. id .. "?" .. query,
                           { ["Authorization"] = "Bearer " .. token })
    end
  end
  if n == 0 then error("no tokens in " .. tostring(os.getenv("BENCH_TOKENS"))) end
  -- spread the threads over the list
  local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  i = math.floor((thread_no - 1) * n / nthreads) % n
  if mark_start then mark_start() end
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end

-- Status counts and per-second counts live in globals of each thread's Lua state, where done()
-- reads them (thread:get). Seconds count from the end of the thread's init(), which is when wrk
-- starts its clock; a monotonic clock through LuaJIT's FFI, as Lua's os.time() has whole seconds.
if os.getenv("BENCH_STATUS") == "1" then
  local ffi = require("ffi")
  ffi.cdef[[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clock_id, bench_timespec *tp);
  ]]
  local ts = ffi.new("bench_timespec")
  local CLOCK_MONOTONIC = 1
  local start = 0
  local function now()
    ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
    return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
  end
  statuses = {}     -- status code -> responses
  ok_per_second = {} -- second of the run (1 = the first) -> 2xx responses completed in it

  function mark_start()
    start = now()
  end

  function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
    if status >= 200 and status < 300 then
      local second = math.floor(now() - start) + 1
      ok_per_second[second] = (ok_per_second[second] or 0) + 1
    end
  end
end

-- {"200":n,...} and [n1,n2,...] of all threads, and the 2xx share of all responses
local function status_json(latency)
  local by_status, per_second, last = {}, {}, 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      by_status[status] = (by_status[status] or 0) + count
    end
    for second, count in pairs(thread:get("ok_per_second") or {}) do
      per_second[second] = (per_second[second] or 0) + count
      if second > last then last = second end
    end
  end
  local parts, total, ok = {}, 0, 0
  for status, count in pairs(by_status) do
    table.insert(parts, string.format('"%d":%d', status, count))
    total = total + count
    if status >= 200 and status < 300 then ok = ok + count end
  end
  local seconds = {}
  for second = 1, last do seconds[second] = tostring(per_second[second] or 0) end
  -- wrk's latency histogram holds every response, sheds included. Of the served (2xx) ones at
  -- most 1 % are slower than their p99, so at most that many of all responses: their p99 is at
  -- most the percentile 100 - (2xx share) of all responses (exactly p99 when all were served).
  local share = total > 0 and ok / total or 1
  local served_p99 = latency:percentile(100 - share)
  return string.format(',"statuses":{%s},"ok_per_second":[%s],"served_p99_bound_us":%d',
                       table.concat(parts, ","), table.concat(seconds, ","), served_p99)
end

function done(summary, latency, requests)
  local out = os.getenv("BENCH_OUT")
  local e = summary.errors
  local json = string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"rps":%.1f,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}%s}\n',
    summary.requests, summary.duration, summary.bytes, summary.requests / (summary.duration / 1e6),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, response and status_json(latency) or "")
  if out then
    local f = assert(io.open(out, "w"))
    f:write(json)
    f:close()
  end
  io.write(json)
end
