-- create.lua - wrk script: POST /v1/complaints with a realistic Chinese body.
-- The token comes from the environment (OMBUD_TOKEN).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("OMBUD_TOKEN")
wrk.body = '{"channel":"app","complainant":{"name":"王小明","phone":"13800138000",' ..
  '"customer_ref":"C-778812"},"loan_ref":"LNYF2026001122","business":"internet_loan",' ..
  '"cause":"c12","amount_fen":356000,"claims":"停止骚扰性催收，核减违约金",' ..
  '"description":"我在易分期借款一万元，逾期三天后每天接到十几个催收电话，' ..
  '还打给我的同事和家人，言语威胁，严重影响工作和生活。要求停止这种催收方式并说明违约金计算依据。"}'

function done(summary, latency, requests)
  io.write(string.format("wrk-summary requests=%d non2xx=%d errors=%d duration_us=%d rps=%.0f p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, summary.duration,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
