-- What request.lua and seed.lua share: each thread's number (`number` in the thread, `threads` here for
-- `done`), and bodies whose events each need an id of their own.
threads = {}

setup = function(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end

-- A body whose events each need an id of their own: every "@ID@" of BODY becomes a new request id,
-- increasing in the order they are made, as the services make them (time-ordered UUIDs): each thread
-- counts from a prefix of the second it started and its number (`thread`).
function body_with_unique_ids(body, thread)
  if not body or not body:find("@ID@", 1, true) then return nil end
  local prefix = string.format("%08x-%04x-7000-8000-", os.time(), thread)
  local counter = 0
  local function next_id()
    counter = counter + 1
    return prefix .. string.format("%012x", counter)
  end
  return function() return (body:gsub("@ID@", next_id)) end
end
