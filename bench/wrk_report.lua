-- Loaded by every benchmark: optional per-request randomisation, and a JSON summary at the end.
-- Environment: WRK_AUTH (an Authorization header value),
-- WRK_NEARBY ("radius_km;spread_deg;lat,lng;lat,lng;..."): each request asks for events near a
-- random centre, moved by up to spread_deg (twice that in longitude).
local auth = os.getenv("WRK_AUTH")
local nearby = os.getenv("WRK_NEARBY")
local base_path = nil

init = function(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
  if auth and auth ~= "" then wrk.headers["Authorization"] = auth end
  base_path = wrk.path
end

if nearby and nearby ~= "" then
  local parts = {}
  for part in nearby:gmatch("[^;]+") do parts[#parts + 1] = part end
  local radius, spread = parts[1], tonumber(parts[2])
  local centres = {}
  for k = 3, #parts do
    local lat, lng = parts[k]:match("([^,]+),([^,]+)")
    centres[#centres + 1] = {tonumber(lat), tonumber(lng)}
  end
  request = function()
    local c = centres[math.random(#centres)]
    local qlat = c[1] + (math.random() * 2 - 1) * spread
    local qlng = c[2] + (math.random() * 2 - 1) * spread * 2
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
