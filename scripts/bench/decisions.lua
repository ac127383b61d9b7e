-- wrk script: every request is a new application (its own Idempotency-Key),
-- so each one is a full decision. The token comes from the environment.
--
-- RATE (decisions per second, all threads together) paces the requests:
-- each thread sends on a fixed schedule instead of as fast as answers come,
-- so the latency is the one a server sees at that load. Without it, wrk
-- sends as fast as it can and the latency is the one at saturation.
local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_nsec; } kredit_timespec;
  int clock_gettime(int clock, kredit_timespec *now);
]]
local CLOCK_MONOTONIC = 1
local now = ffi.new("kredit_timespec")
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now)
  return tonumber(now.tv_sec) * 1000 + tonumber(now.tv_nsec) / 1e6
end

local counter = 0
local thread_id = 0
local threads = 0
local interval_ms = nil
local next_send = nil

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
  threads = threads + 1
end

function init(args)
  local rate = tonumber(os.getenv("RATE") or "")
  if rate and rate > 0 then
    interval_ms = tonumber(os.getenv("THREADS") or "2") * 1000 / rate
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("KREDIT_BENCH_TOKEN")
  wrk.body = '{"product_code":"CONSUMER","amount":"5000.00","term_months":6,'
    .. '"method":"equal-installment","purpose":"consumer"}'
end

-- The wait before this thread's next request: the next slot of its
-- schedule. A thread more than 100 ms behind (the server stalled) starts
-- its schedule again rather than sending the backlog at once.
function delay()
  if not interval_ms then return 0 end
  local at = now_ms()
  if not next_send or next_send < at - 100 then next_send = at end
  local slot = next_send
  next_send = slot + interval_ms
  return math.max(0, slot - at)
end

function request()
  counter = counter + 1
  -- wrk.format takes the headers it is given instead of wrk.headers.
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Idempotency-Key"] = string.format("bench-%s-%d-%d", os.getenv("KREDIT_BENCH_RUN"), id, counter)
  return wrk.format(nil, "/api/v1/applications", headers)
end

local statuses = {}

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("decisions: %d in %.1f s = %.0f/s; p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms; errors: %d non-2xx/3xx, %d socket\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
