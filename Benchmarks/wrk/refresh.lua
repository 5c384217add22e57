-- Refresh-token rotation: each thread holds its own session (one connection per thread), sends its
-- refresh token and keeps the new one from the answer, as a client does. REFRESH_FILE has one token a line.
local tokens = {}
local next_thread = 1

setup = function(thread)
  if #tokens == 0 then
    for line in io.lines(os.getenv("REFRESH_FILE")) do tokens[#tokens + 1] = line end
  end
  thread:set("token", tokens[next_thread])
  next_thread = next_thread + 1
end

request = function()
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, '{"refresh_token":"' .. token .. '"}')
end

response = function(status, headers, body)
  local fresh = body:match('"refresh_token":"([^"]+)"')
  if fresh then token = fresh end
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("wrk|%.1f|%.0f|%.2f|%.2f|%d|%d\n", summary.requests / seconds, 0,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors, summary.requests))
end
