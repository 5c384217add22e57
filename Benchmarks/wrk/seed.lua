-- Sends COUNT requests in all (split over THREADS threads), then stops: filling a service with data before
-- a scenario on large data. METHOD, BODY_FILE and TOKEN as in request.lua. wrk itself runs for its whole
-- duration, so each thread, once done, leaves a file at DONE_PREFIX<n> for the caller to stop wrk.
local method = os.getenv("METHOD") or "POST"
local token = os.getenv("TOKEN")
local f = io.open(os.getenv("BODY_FILE"), "rb"); local body = f:read("*a"); f:close()
local headers = { ["Content-Type"] = "application/json" }
if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
dofile("Benchmarks/wrk/unique_ids.lua")  -- setup, threads, body_with_unique_ids

init = function(args)
  fresh_body = body_with_unique_ids(body, number)
  local total = tonumber(os.getenv("COUNT"))
  quota = math.ceil(total / tonumber(os.getenv("THREADS")))
  sent, answered, failed = 0, 0, 0
end

request = function()
  sent = sent + 1
  return wrk.format(method, nil, headers, fresh_body and fresh_body() or body)
end

response = function(status, headers, body)
  answered = answered + 1
  if status >= 300 then failed = failed + 1 end
  if answered == quota then
    local marker = io.open(os.getenv("DONE_PREFIX") .. number, "w"); marker:close()
    wrk.thread:stop()
  end
end

done = function(summary, latency, requests)
  local failures = 0
  for _, thread in ipairs(threads) do failures = failures + thread:get("failed") end
  io.write(string.format("seed|%d|%d\n", summary.requests, failures + summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
