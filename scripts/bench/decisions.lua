-- wrk script: every request is a new application (its own Idempotency-Key),
-- so each one is a full decision. The token comes from the environment.
local counter = 0
local thread_id = 0

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("KREDIT_BENCH_TOKEN")
  wrk.body = '{"product_code":"CONSUMER","amount":"5000.00","term_months":6,'
    .. '"method":"equal-installment","purpose":"consumer"}'
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
