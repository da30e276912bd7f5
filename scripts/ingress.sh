#!/usr/bin/env bash
# The local ingress: nginx on 127.0.0.1:8080 routes as the Kubernetes Ingress does.
#   /api/v1/<name>/ -> that service, /ws/ -> the group service, /admin/ -> moderation, / -> the SPA.
# Internal endpoints (/healthz, /readyz, /metrics, /internal/) are never routed from outside.
# The SPA is frontend/dist (built by scripts/run.sh) with a fallback to index.html for its
# routes, and /config.json, its runtime configuration, written here from the environment. Its
# service worker (/sw.js) and manifest are served uncached (revalidated) with their own types.
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

# --- the SPA (frontend/) ---
spa_dist="$PWD/frontend/dist"
identity_issuer="${IDENTITY_ISSUER:-http://127.0.0.1:$IDENTITY_PORT/realms/crewup}"
cat >"$conf_dir/config.json" <<JSON
{
  "issuer": "${SPA_OIDC_ISSUER:-$identity_issuer}",
  "clientId": "${SPA_OIDC_CLIENT_ID:-crewup-spa}",
  "apiBase": "${SPA_API_BASE:-/}",
  "tileUrl": ${SPA_TILE_URL:+\"$SPA_TILE_URL\"}${SPA_TILE_URL:-null},
  "tileAttribution": "${SPA_TILE_ATTRIBUTION:-}",
  "adminUrl": "/admin/"
}
JSON
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
worker_processes 1;
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
  client_max_body_size 4m;
  include /etc/nginx/mime.types;
  gzip on;
  gzip_types application/javascript text/css application/json application/manifest+json image/svg+xml;
  gzip_min_length 1024;
  gzip_comp_level 6;
$upstreams  upstream group_ws { server 127.0.0.1:$GROUP_WS_PORT; }
  map \$http_x_request_id \$crewup_request_id { default \$http_x_request_id; '' \$request_id; }
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:$INGRESS_PORT;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$host;
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto \$scheme;
    proxy_set_header X-Request-ID \$crewup_request_id;
$locations
    location /ws/ {
      proxy_pass http://group_ws;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_read_timeout 1h;
    }
    # The console builds its OIDC redirect URI from Host: keep the port the browser used.
    # (A location that sets one header inherits none, so all are repeated.)
    location /admin/ {
      proxy_pass http://moderation_service;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Request-ID \$crewup_request_id;
    }
    location ~ ^/(healthz|readyz|metrics)\$ { return 404; }
$spa_locations
  }
}
CONF
[ "${1:-}" = "render" ] && exit 0
exec nginx -p "$conf_dir" -c "$conf_dir/nginx.conf" -g "daemon off;"
