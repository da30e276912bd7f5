#!/usr/bin/env bash
# Run the whole system locally: install, migrate, seed, start the identity provider, every
# service and the ingress, then print the addresses and the demo logins.
# Every process runs under supervisord (scripts/supervise.sh), which restarts one that dies.
# `scripts/run.sh` stays in the foreground, showing supervisord's reports (Ctrl-C stops
# everything); `scripts/run.sh --detach` returns once everything is ready (`make down` stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
detach=false
[ "${1:-}" = "--detach" ] && detach=true

scripts/bootstrap.sh
source scripts/services.sh
mkdir -p "$RUN_DIR/logs" "$RUN_DIR/pids"
scripts/stop.sh >/dev/null 2>&1 || true

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

log "Migrating the shared schema"
scripts/migrate.sh >/dev/null
log "Preparing the identity provider"
uv run --frozen python dev/identity/manage.py migrate --noinput >/dev/null
uv run --frozen python dev/identity/manage.py seed_identity >"$RUN_DIR/demo-logins.txt"
log "Loading the places of the map's region (venue search)"
# tiles/extract.sh: central Helsinki, fetched once into .run/osm/, or $OSM_EXTRACT. A second
# run reads the extract and writes nothing.
uv run --frozen python event_service/manage.py load_places
log "Seeding demo events"
uv run --frozen python event_service/manage.py seed_demo_events

# --- the SPA: build frontend/dist when it is missing or older than its sources ---
spa_stale() {
  [ -f frontend/dist/index.html ] || return 0
  [ -n "$(find frontend/src frontend/public frontend/index.html frontend/package-lock.json frontend/vite.config.ts \
    -newer frontend/dist/index.html -print -quit 2>/dev/null)" ]
}
if spa_stale; then
  log "Building the SPA (frontend/dist)"
  (cd frontend && npm run --silent build >"$RUN_DIR/logs/spa-build.log" 2>&1) \
    || { echo "SPA build failed: see $RUN_DIR/logs/spa-build.log" >&2; exit 1; }
fi
# --- the street map (/map/): tiles, style and glyphs, rebuilt only when their inputs change ---
log "Building the street map (.run/tiles)"
tiles/build.sh "$RUN_DIR/tiles" >/dev/null 2>"$RUN_DIR/logs/tiles-build.log" \
  || { echo "street map build failed: see $RUN_DIR/logs/tiles-build.log" >&2; exit 1; }
scripts/ingress.sh render

log "Starting processes under supervisord (logs in $RUN_DIR/logs)"
# supervisord (scripts/supervise.sh) restarts any process that dies. Under `make up` it runs as a
# daemon and reports restarts in $RUN_DIR/logs/supervisord.log; under `make run` it stays
# attached and reports them here, on screen. Its session of its own holds every process it
# starts; Ctrl-C reaches this script, which stops it (scripts/stop.sh), and so does a start-up
# that fails.
scripts/supervise.sh render
supervisord=(uv run --frozen supervisord -c "$RUN_DIR/supervisord.conf")
if $detach; then
  "${supervisord[@]}"
else
  trap 'scripts/stop.sh' EXIT
  trap 'exit 0' INT TERM
  setsid "${supervisord[@]}" --nodaemon &
  supervisor_pid=$!
fi

log "Waiting for readiness"
wait_ready() {  # url
  for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.5
  done
  echo "not ready: $1 (see $RUN_DIR/logs)" >&2
  return 1
}
wait_ready "http://127.0.0.1:$IDENTITY_PORT/realms/crewup/.well-known/openid-configuration"
for service in "${SERVICES[@]}"; do
  wait_ready "http://127.0.0.1:${SERVICE_PORT[$service]}/readyz"
done
wait_ready "http://127.0.0.1:$INGRESS_PORT/api/v1/events/"
wait_ready "http://127.0.0.1:$MAIL_WEB_PORT/"

cat <<INFO

CrewUp is running.
  CrewUp (the web app)       http://127.0.0.1:$INGRESS_PORT/
  Ingress (API, admin, SPA)  http://127.0.0.1:$INGRESS_PORT/
  Events API                 http://127.0.0.1:$INGRESS_PORT/api/v1/events/
  OpenAPI (events)           http://127.0.0.1:$INGRESS_PORT/api/v1/events/schema/
  Identity provider          http://127.0.0.1:$IDENTITY_PORT/realms/crewup/.well-known/openid-configuration
  Mail CrewUp sent (catcher) http://127.0.0.1:$MAIL_WEB_PORT/
  Crew chat (WebSocket)      ws://127.0.0.1:$INGRESS_PORT/ws/groups/<id>/chat/
  Services directly          event :${SERVICE_PORT[event]}  group :${SERVICE_PORT[group]} (ws :$GROUP_WS_PORT)  user :${SERVICE_PORT[user]}  safety :${SERVICE_PORT[safety]}  moderation :${SERVICE_PORT[moderation]}
  Logs                       $RUN_DIR/logs/

Demo logins (identity provider):
$(cat "$RUN_DIR/demo-logins.txt")

Get a token:  curl -s -d grant_type=password -d client_id=crewup-cli -d username=alice \\
                -d password=<alice's password> \\
                http://127.0.0.1:$IDENTITY_PORT/realms/crewup/protocol/openid-connect/token
INFO

if $detach; then
  echo "Restarts are logged in $RUN_DIR/logs/supervisord.log; \`make down\` stops everything."
  exit 0
fi
echo "Press Ctrl-C to stop. supervisord restarts a process that dies, and says so here."
wait "$supervisor_pid"
echo "supervisord stopped: see $RUN_DIR/logs/supervisord.log" >&2
