-- wrk script: GET /api/v1/stats/user/{id} rotating over users, each with their own token.
-- Configured through the environment (wrk's done() runs in a Lua state where init() never ran):
--   BENCH_TOKENS  file of "<user id> <token>" lines (bench/lib/tokens.py)
--   BENCH_QUERY   query string, e.g. "days=30" or "days=30&use_cache=false"
--   BENCH_OUT     where done() writes the result as one JSON object
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
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end

function done(summary, latency, requests)
  local out = os.getenv("BENCH_OUT")
  local e = summary.errors
  local json = string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"rps":%.1f,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes, summary.requests / (summary.duration / 1e6),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max)
  if out then
    local f = assert(io.open(out, "w"))
    f:write(json)
    f:close()
  end
  io.write(json)
end
