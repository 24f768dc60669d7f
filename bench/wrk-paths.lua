-- wrk script of bench/run-edge.sh: cycles through the paths listed one per
-- line in $WRK_PATHS (requests pre-formatted in init, so the client does the
-- same cheap work per request for every target) and prints one
-- machine-readable WRKSUMMARY line at the end.
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do
    if line ~= "" then paths[#paths + 1] = line end
end

local reqs = {}
local n = 0

function init(args)
    for i, p in ipairs(paths) do
        reqs[i] = wrk.format("GET", p)
    end
    -- Threads start at different objects.
    n = math.random(#reqs) - 1
end

function request()
    n = n % #reqs + 1
    return reqs[n]
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "WRKSUMMARY requests=%d bytes=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d p50_us=%d p99_us=%d\n",
        summary.requests, summary.bytes, summary.duration,
        e.connect, e.read, e.write, e.status, e.timeout,
        latency:percentile(50), latency:percentile(99)))
end
