-- Loaded by every benchmark: optional per-request randomisation, and a JSON summary at the end.
-- Environment: WRK_AUTH (an Authorization header value), WRK_NEARBY ("lat,lng,spread_deg,radius_km").
local auth = os.getenv("WRK_AUTH")
local nearby = os.getenv("WRK_NEARBY")
local base_path = nil

init = function(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
  if auth and auth ~= "" then wrk.headers["Authorization"] = auth end
  base_path = wrk.path
end

if nearby and nearby ~= "" then
  local lat, lng, spread, radius = nearby:match("([^,]+),([^,]+),([^,]+),([^,]+)")
  lat, lng, spread = tonumber(lat), tonumber(lng), tonumber(spread)
  request = function()
    local qlat = lat + (math.random() * 2 - 1) * spread
    local qlng = lng + (math.random() * 2 - 1) * spread * 2
    local path = string.format("%s?lat=%.5f&lng=%.5f&radius_km=%s", base_path, qlat, qlng, radius)
    return wrk.format("GET", path)
  end
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "socket_errors": %d, "non_2xx": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration,
    errors.connect + errors.read + errors.write + errors.timeout, errors.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
