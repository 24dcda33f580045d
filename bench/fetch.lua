-- fetch.lua - wrk script: GET /v1/complaints/{no} for numbers read from a
-- file (OMBUD_NUMBERS, one per line), in random order.
local numbers = {}
for line in io.lines(os.getenv("OMBUD_NUMBERS")) do numbers[#numbers + 1] = line end
local token = "Bearer " .. os.getenv("OMBUD_TOKEN")

request = function()
  local no = numbers[math.random(#numbers)]
  return wrk.format("GET", "/v1/complaints/" .. no, { ["Authorization"] = token })
end

function done(summary, latency, requests)
  io.write(string.format("wrk-summary requests=%d non2xx=%d errors=%d duration_us=%d rps=%.0f p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, summary.duration,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
