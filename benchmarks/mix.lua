-- The realistic mix under wrk: each request is the next (cookie, url) pair from a file of
-- `cookie<TAB>url` lines (benchmarks/mix.py writes it). Each wrk thread starts at its own
-- offset and cycles through the whole list, so its connections interleave many people and
-- pages. Counts every answer that is not 200 (wrk itself counts only 4xx/5xx), and prints
-- one machine-readable line at the end like wrk_report.lua.
-- Usage: wrk -t2 -c16 -d10s -s mix.lua http://127.0.0.1:PORT -- visits.tsv

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  visits = {}
  for line in io.lines(args[1]) do
    local cookie, path = line:match("^([^\t]*)\t(.+)$")
    if path then
      table.insert(visits, {cookie, path})
    end
  end
  local share = math.floor(#visits / 8)
  index = ((id - 1) * share) % #visits + 1
  not200 = 0
end

function request()
  local visit = visits[index]
  index = index % #visits + 1
  return wrk.format("GET", visit[2], {["Cookie"] = visit[1]})
end

function response(status, headers, body)
  if status ~= 200 then
    not200 = not200 + 1
  end
end

done = function(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("not200") or 0)
  end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "errors": %d, '
      .. '"not_200": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), errors,
    bad))
end
