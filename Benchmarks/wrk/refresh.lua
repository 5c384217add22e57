-- Refresh-token rotation, as clients do it: each session sends its refresh token and keeps the new one
-- from the answer. REFRESH_FILE has one session's token a line; the sessions are dealt out to the
-- threads, and each thread keeps its own free ones. A request takes a free session and its answer
-- gives it back with the new token, so no two requests in flight ever carry the same token (which the
-- service would rightly take for a reuse and revoke the family). A session whose answer carries no
-- token is lost, and a thread without a free session sends a token the service refuses: both show as
-- errors in the table. Each thread needs a session more than its connections: wrk asks the first
-- thread for one request before the run, to check its form, and never sends it.
local threads_started = 0

setup = function(thread)
  threads_started = threads_started + 1
  thread:set("place", threads_started)
end

-- The thread's sessions: SESSIONS_PER_THREAD lines of the file, from its place among the threads.
init = function(args)
  free = {}
  local per_thread = tonumber(os.getenv("SESSIONS_PER_THREAD"))
  local line_number = 0
  for line in io.lines(os.getenv("REFRESH_FILE")) do
    line_number = line_number + 1
    if line_number > (place - 1) * per_thread and line_number <= place * per_thread then free[#free + 1] = line end
  end
end

request = function()
  local token = table.remove(free) or "no-free-session"
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, '{"refresh_token":"' .. token .. '"}')
end

response = function(status, headers, body)
  local fresh = body:match('"refresh_token":"([^"]+)"')
  if fresh then free[#free + 1] = fresh end
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("wrk|%.1f|%.0f|%.2f|%.2f|%d|%d\n", summary.requests / seconds, 0,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors, summary.requests))
end
