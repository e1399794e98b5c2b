-- wrk script for bench/wrk_load.py: POSTs one JSON body with a bearer token and a unique
-- Idempotency-Key per request, counts every answer that is not the expected status, and prints
-- one machine-readable line (AURA ...) with the count, the rate and the latency percentiles.
--   wrk -c16 -t1 -d15 -s bench/wrk_post.lua URL -- PATH TOKEN KEY_PREFIX EXPECTED_STATUS BODY
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  path, token, prefix, expected, body = args[1], args[2], args[3], tonumber(args[4]), args[5]
  sent, bad, first_bad = 0, 0, ""
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  sent = sent + 1
  wrk.headers["Idempotency-Key"] = prefix .. "-" .. id .. "-" .. sent
  return wrk.format("POST", path, nil, body)
end

function response(status, headers, answer)
  if status ~= expected then
    bad = bad + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(answer or "", 1, 300) end
  end
end

function done(summary, latency, requests)
  local bad_total, first = 0, ""
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
    if first == "" then first = thread:get("first_bad") end
  end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("AURA requests=%d seconds=%.3f bad=%d errors=%d p50_us=%d p99_us=%d p90_us=%d p999_us=%d max_us=%d\n",
    summary.requests, summary.duration / 1e6, bad_total, errors, latency:percentile(50), latency:percentile(99),
    latency:percentile(90), latency:percentile(99.9), latency.max))
  if first ~= "" then io.write("AURA first_bad=" .. first:gsub("\n", " ") .. "\n") end
end
