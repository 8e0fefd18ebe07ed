-- Requests for wrk, formatted once per thread so every scenario pays the same, tiny cost
-- on the load generator's side. BENCH_TOKENS names a file of tokens, one per line, sent in
-- turn; without it the request carries no Authorization header.

local requests = {}
local next_index = 1

function init(args)
  local path = wrk.path
  local file = os.getenv("BENCH_TOKENS")
  if file == nil or file == "" then
    requests[1] = wrk.format("GET", path)
    return
  end
  for token in io.lines(file) do
    if token ~= "" then
      requests[#requests + 1] = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
    end
  end
  -- Threads start at different tokens, so they do not march in step.
  next_index = (math.floor(os.clock() * 1000003) % #requests) + 1
end

function request()
  local chosen = requests[next_index]
  next_index = next_index % #requests + 1
  return chosen
end

function done(summary, latency, _)
  local seconds = summary.duration / 1e6
  local refused = summary.errors.status
  io.write(string.format("RESULT %.0f %.3f %.3f %d %d\n",
    summary.requests / seconds,
    latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.requests,
    refused))
end
