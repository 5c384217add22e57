-- One request, again and again: METHOD, PATH_FILE (lines: paths to cycle through) or the URL's path,
-- BODY_FILE, TOKEN from the environment. EVENTS (set for ingest) turns requests/s into events/s: the
-- events the collector says it stored (`accepted` of each answer), not those sent. Each "@ID@" of the
-- body is a new request id in every request (unique_ids.lua).
local method = os.getenv("METHOD") or "GET"
local token = os.getenv("TOKEN")
local body_file = os.getenv("BODY_FILE")
local body = nil
if body_file and body_file ~= "" then
  local f = io.open(body_file, "rb"); body = f:read("*a"); f:close()
end
local headers = {}
if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
if body then headers["Content-Type"] = "application/json" end

local counting = (tonumber(os.getenv("EVENTS") or "0") or 0) > 0
dofile("Benchmarks/wrk/unique_ids.lua")  -- setup, threads, body_with_unique_ids

init = function(args)
  accepted = 0
  fresh_body = body_with_unique_ids(body, number)
end

request = function()
  return wrk.format(method, nil, headers, fresh_body and fresh_body() or body)
end

if counting then
  response = function(status, headers, body)
    local stored = body:match('"accepted":(%d+)')
    if stored then accepted = accepted + tonumber(stored) end
  end
end

done = function(summary, latency, requests)
  local events = 0
  for _, thread in ipairs(threads) do events = events + (thread:get("accepted") or 0) end
  local seconds = summary.duration / 1e6
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("wrk|%.1f|%.0f|%.2f|%.2f|%d|%d\n", summary.requests / seconds, events / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors, summary.requests))
end
