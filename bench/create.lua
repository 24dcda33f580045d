-- create.lua - wrk script: POST /v1/complaints with a realistic Chinese body.
-- Each request is a different complainant (phone number) with a different
-- amount, as real intake is: most complainants are new, so the repeat
-- search runs for every complaint and mostly finds nothing.  A phone in
-- every hundred repeats an earlier one.  The token comes from the
-- environment (OMBUD_TOKEN).
local token = "Bearer " .. os.getenv("OMBUD_TOKEN")
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = token }
local n = 0
local base = 0

setup = function(thread)
  thread:set("base", math.random(0, 9999) * 100000)
end

init = function(args)
  base = tonumber(base) or 0
end

request = function()
  n = n + 1
  local who = base + n
  if n % 100 == 0 then who = base + 1 end
  local body = '{"channel":"app","complainant":{"name":"王小明","phone":"139' ..
    string.format("%08d", who % 100000000) .. '","customer_ref":"C-778812"},' ..
    '"loan_ref":"LNYF2026001122","business":"internet_loan","cause":"c12","amount_fen":' ..
    (100000 + n % 400000) .. ',"claims":"停止骚扰性催收，核减违约金",' ..
    '"description":"我在易分期借款一万元，逾期三天后每天接到十几个催收电话，' ..
    '还打给我的同事和家人，言语威胁，严重影响工作和生活。要求停止这种催收方式并说明违约金计算依据。"}'
  return wrk.format("POST", nil, headers, body)
end

function done(summary, latency, requests)
  io.write(string.format("wrk-summary requests=%d non2xx=%d errors=%d duration_us=%d rps=%.0f p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, summary.duration,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
