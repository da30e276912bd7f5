#!/usr/bin/env bash
# The local ingress: nginx on 127.0.0.1:8080 routes as the Kubernetes Ingress does.
#   /api/v1/<name>/ -> that service, /ws/ -> the group service, /admin/ -> moderation, / -> the SPA.
# Internal endpoints (/healthz, /readyz, /metrics, /internal/) are never routed from outside.
# The SPA is frontend/dist (built by scripts/run.sh; SPA_DIST names another) with a fallback to index.html for its
# routes, and /config.json, its runtime configuration, written here from the environment. Its
# service worker (/sw.js) and manifest are served uncached (revalidated) with their own types.
# Its assets go out as the build gzipped them (name.js.gz, gzip_static), never compressed per
# request: that kept nginx's worker busy and stalled everything behind it under load.
# /map/ is the street map tiles/build.sh made in .run/tiles: the style (revalidated), and the
# tiles and glyphs it names with its build key (cached for a year; the tiles are stored gzipped).
#
# Every route passes the same request headers to the services: the host and port the client
# asked for (X-Forwarded-Host, X-Forwarded-Port, X-Forwarded-Proto), set here whatever the
# client sent, so the links the services build name this ingress; the client's address
# (X-Forwarded-For) and the request id (X-Request-ID, the client's or a new one).
# A body above the services' limit (REQUEST_BODY_MAX_BYTES) is refused here, with 413 and the
# services' JSON error, before anything of it is sent on.
# `scripts/ingress.sh render` only writes the configuration; the ports come from services.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
conf_dir="$RUN_DIR/nginx"
mkdir -p "$conf_dir/logs" "$conf_dir/tmp"

upstreams=""
locations=""
declare -A PREFIX=([event]=events [group]=groups [user]=users [safety]=safety [moderation]=moderation)
for service in "${SERVICES[@]}"; do
  upstreams+="  upstream ${service}_service { server 127.0.0.1:${SERVICE_PORT[$service]}; keepalive 16; keepalive_timeout 60s; }
"
  locations+="    location /api/v1/${PREFIX[$service]}/ { proxy_pass http://${service}_service; }
"
done

# The services' body limit (shared.settings.common), from the environment or .env as they read
# it. Equal limits matter: a body nginx passes on and a service refuses before reading it ends
# with the service closing the connection while nginx still writes (a 502, "Broken pipe").
body_max_bytes=${REQUEST_BODY_MAX_BYTES:-$( (sed -n 's/^REQUEST_BODY_MAX_BYTES=//p' .env 2>/dev/null || true) | tail -n 1)}
body_max_bytes=${body_max_bytes:-2097152}
too_large='{"error": {"code": "request_too_large", "message": "The request body exceeds '"$body_max_bytes"' bytes.", "fields": {}}}'

# The request headers of every route. (A location that sets one header inherits none of the
# server's, so the WebSocket route repeats them.)
proxy_headers() {  # indent
  local header
  for header in 'Host $host' 'X-Forwarded-Host $http_host' 'X-Forwarded-Port $server_port' \
    'X-Forwarded-Proto $scheme' 'X-Forwarded-For $proxy_add_x_forwarded_for' \
    'X-Request-ID $crewup_request_id'; do
    printf '%sproxy_set_header %s;\n' "$1" "$header"
  done
}

# --- the SPA (frontend/) ---
spa_dist="${SPA_DIST:-$PWD/frontend/dist}"
identity_issuer="${IDENTITY_ISSUER:-http://127.0.0.1:$IDENTITY_PORT/realms/crewup}"
cat >"$conf_dir/config.json" <<JSON
{
  "issuer": "${SPA_OIDC_ISSUER:-$identity_issuer}",
  "clientId": "${SPA_OIDC_CLIENT_ID:-crewup-spa}",
  "apiBase": "${SPA_API_BASE:-/}",
  "mapStyleUrl": "${SPA_MAP_STYLE_URL:-/map/style.json}",
  "adminUrl": "/admin/"
}
JSON
map_dir="$RUN_DIR/tiles"
map_locations="    location = /map/style.json { alias $map_dir/style.json; default_type application/json; add_header Cache-Control \"no-cache\"; }
    location /map/tiles/ {
      alias $map_dir/tiles/;
      types { application/x-protobuf pbf; }
      gzip off;
      add_header Content-Encoding gzip;
      add_header Cache-Control \"public, max-age=31536000, immutable\";
    }
    location /map/glyphs/ {
      alias $map_dir/glyphs/;
      types { application/x-protobuf pbf; }
      add_header Cache-Control \"public, max-age=31536000, immutable\";
    }
    location /map/ { return 404; }"
if [ -f "$spa_dist/index.html" ]; then
  spa_locations="    location = /config.json { alias $conf_dir/config.json; default_type application/json; add_header Cache-Control \"no-store\"; }
    location /api/ { default_type application/json; return 404 '{\"error\": {\"code\": \"not_found\", \"message\": \"No such API.\", \"fields\": {}}}'; }
    location /assets/ { root $spa_dist; expires 1y; add_header Cache-Control \"public, immutable\"; }
    location = /sw.js { root $spa_dist; types { } default_type application/javascript; add_header Cache-Control \"no-cache\"; }
    location = /manifest.webmanifest { root $spa_dist; types { } default_type application/manifest+json; add_header Cache-Control \"no-cache\"; }
    location / {
      root $spa_dist;
      try_files \$uri /index.html;
      add_header Cache-Control \"no-cache\";
    }"
else
  spa_locations="    location / {
      default_type application/json;
      return 404 '{\"error\": {\"code\": \"not_found\", \"message\": \"The app is not built yet (scripts/run.sh builds it).\", \"fields\": {}}}';
    }"
fi

cat >"$conf_dir/nginx.conf" <<CONF
worker_processes auto;
pid $conf_dir/nginx.pid;
error_log $conf_dir/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log $conf_dir/logs/access.log;
  client_body_temp_path $conf_dir/tmp/body;
  proxy_temp_path $conf_dir/tmp/proxy;
  fastcgi_temp_path $conf_dir/tmp/fastcgi;
  uwsgi_temp_path $conf_dir/tmp/uwsgi;
  scgi_temp_path $conf_dir/tmp/scgi;
  client_max_body_size $body_max_bytes;
  # Read the whole body before passing it on (nginx's default, relied on): a service gets it
  # at once, and never a body over the limit.
  proxy_request_buffering on;
  include /etc/nginx/mime.types;
  # The SPA's text assets are gzipped at build time (vite.config.ts): sent as they are stored.
  # Only what has no .gz beside it is compressed per request.
  gzip_static on;
  gzip on;
  gzip_types application/javascript text/css application/json application/manifest+json image/svg+xml application/x-protobuf;
  gzip_min_length 1024;
  gzip_comp_level 6;
$upstreams  upstream group_ws { server 127.0.0.1:$GROUP_WS_PORT; }
  map \$http_x_request_id \$crewup_request_id { default \$http_x_request_id; '' \$request_id; }
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:$INGRESS_PORT;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
$(proxy_headers "    ")
    error_page 413 @request_too_large;
    location @request_too_large {
      default_type application/json;
      return 413 '$too_large';
    }
$locations
    location /ws/ {
      proxy_pass http://group_ws;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
$(proxy_headers "      ")
      proxy_read_timeout 1h;
    }
    # The console builds its OIDC redirect URI from the forwarded host: the port the browser used.
    location /admin/ { proxy_pass http://moderation_service; }
    location ~ ^/(healthz|readyz|metrics)\$ { return 404; }
$map_locations
$spa_locations
  }
}
CONF
[ "${1:-}" = "render" ] && exit 0
exec nginx -p "$conf_dir" -c "$conf_dir/nginx.conf" -g "daemon off;"
