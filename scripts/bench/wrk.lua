-- wrk script of scripts/bench.sh. BENCH_MODE: submit | lookup | healthz | upload | discard; BENCH_DIR: what
-- `motcua_load prepare` wrote. Each wrk thread (one connection each) is one signed-in citizen. Every request
-- builds its own line with wrk.format, so the client does the same work for a route and for its yardstick.
-- Prints one JSON line at the end: requests, non-2xx answers, socket errors, duration, latency percentiles.
local mode = os.getenv("BENCH_MODE") or "healthz"
local dir = os.getenv("BENCH_DIR") or "."
local size = os.getenv("BENCH_SIZE") or "200k"
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local headers = {}
local body, head, tail, codes
local n = 0

function init(args)
  local sessions = {}
  for line in io.lines(dir .. "/sessions.tsv") do table.insert(sessions, line) end
  local cookie, csrf = sessions[(id % #sessions) + 1]:match("([^\t]+)\t([^\t]+)")
  headers["Cookie"] = "motcua_session=" .. cookie
  headers["X-CSRF-Token"] = csrf
  if mode == "submit" then
    body = read(dir .. "/submit.json")
    headers["Content-Type"] = "application/json"
  elseif mode == "upload" or mode == "discard" then
    -- The padding of the PDF varies per request (the store keeps one copy of identical files).
    local whole = read(dir .. "/upload-" .. size .. ".body")
    local at = assert(whole:find("% padding ", 1, true))
    head, tail = whole:sub(1, at + 9), whole:sub(at + 10 + 16)
    headers["Content-Type"] = "multipart/form-data; boundary=" .. read(dir .. "/boundary.txt")
  elseif mode == "lookup" then
    codes = {}
    for line in io.lines(dir .. "/codes.txt") do table.insert(codes, line) end
  end
end

function request()
  n = n + 1
  if mode == "submit" then
    return wrk.format("POST", "/api/v1/dossiers", headers, body)
  elseif mode == "upload" or mode == "discard" then
    local path = mode == "upload" and "/api/v1/uploads" or "/_bench/discard"
    return wrk.format("POST", path, headers, head .. string.format("%08d%08d", id, n) .. tail)
  elseif mode == "lookup" then
    return wrk.format("GET", "/api/v1/public/dossiers/" .. codes[(n * 7919 + id * 104729) % #codes + 1])
  else
    return wrk.format("GET", "/healthz")
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"mode":"%s","requests":%d,"non_2xx":%d,"socket_errors":%d,"duration_s":%.3f,"bytes":%d,' ..
    '"p50_ms":%.2f,"p99_ms":%.2f}\n',
    mode, summary.requests, e.status, e.connect + e.read + e.write + e.timeout, summary.duration / 1e6,
    summary.bytes, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
