#!/usr/bin/env bash
# Run the whole system locally: install, migrate, seed, start the identity provider, every
# service and the ingress, then print the addresses and the demo logins.
# `scripts/run.sh` stays in the foreground (Ctrl-C stops everything);
# `scripts/run.sh --detach` returns once everything is ready (`make down` stops it).
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
log "Seeding demo events"
uv run --frozen python event_service/manage.py seed_demo_events

start() {  # name, command...
  local name=$1
  shift
  # Its own session, so that stop.sh ends the whole process tree (uv, gunicorn and workers).
  setsid "$@" >>"$RUN_DIR/logs/$name.log" 2>&1 &
  echo $! >"$RUN_DIR/pids/$name.pid"
}

log "Starting processes (logs in $RUN_DIR/logs)"
# The mail catcher: SMTP on :1025 takes every e-mail CrewUp sends; read them on :8025.
start mail uv run --frozen python dev/mail/mailcatcher.py --directory "$RUN_DIR/mail"
start identity uv run --frozen gunicorn identity.wsgi --chdir dev/identity \
  --bind "127.0.0.1:$IDENTITY_PORT" --workers 2
for service in "${SERVICES[@]}"; do
  # gunicorn's workers add up their metrics through files in this directory.
  metrics_dir="$RUN_DIR/prometheus/$service"
  rm -rf "$metrics_dir" && mkdir -p "$metrics_dir"
  PROMETHEUS_MULTIPROC_DIR="$metrics_dir" GUNICORN_BIND="127.0.0.1:${SERVICE_PORT[$service]}" \
    start "$service" nice -n "${SERVICE_NICE[$service]}" \
    uv run --frozen gunicorn -c python:shared.gunicorn_conf "${service}_service.wsgi" --chdir "${service}_service"
done
# Celery: the moderation service relays the outbox and expires bans (worker + one beat); the
# user and group services consume ban events. Each writes metrics where its service reads them.
start moderation-worker env -C moderation_service PROMETHEUS_MULTIPROC_DIR="$RUN_DIR/prometheus/moderation" \
  nice -n "${WORKER_NICE[moderation]}" uv run --frozen celery -A moderation_service worker -n moderation@%h -c "${WORKER_CONCURRENCY[moderation]}"
start moderation-beat env -C moderation_service \
  uv run --frozen celery -A moderation_service beat -s "$RUN_DIR/celerybeat-schedule"
for service in user group; do
  start "$service-worker" env -C "${service}_service" PROMETHEUS_MULTIPROC_DIR="$RUN_DIR/prometheus/$service" \
    nice -n "${WORKER_NICE[$service]}" uv run --frozen celery -A "${service}_service" worker -n "$service@%h" -c "${WORKER_CONCURRENCY[$service]}"
done
# The user service's beat issues event reminders (its worker, above, runs the notifier too).
start user-beat env -C user_service \
  uv run --frozen celery -A user_service beat -s "$RUN_DIR/user-celerybeat-schedule"
# The safety service fires check-in timers and retries alert notices (worker + one beat).
start safety-worker env -C safety_service PROMETHEUS_MULTIPROC_DIR="$RUN_DIR/prometheus/safety" \
  nice -n "${WORKER_NICE[safety]}" uv run --frozen celery -A safety_service worker -n safety@%h -c "${WORKER_CONCURRENCY[safety]}"
start safety-beat env -C safety_service \
  uv run --frozen celery -A safety_service beat -s "$RUN_DIR/safety-celerybeat-schedule"
start group-ws env -C group_service nice -n "${SERVICE_NICE[group-ws]}" uv run --frozen daphne --bind 127.0.0.1 --port "$GROUP_WS_PORT" \
  --proxy-headers group_service.asgi:application
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
scripts/ingress.sh render
start ingress nginx -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx/nginx.conf" -g "daemon off;"

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
wait_ready "http://127.0.0.1:8025/"

cat <<INFO

CrewUp is running.
  CrewUp (the web app)       http://127.0.0.1:$INGRESS_PORT/
  Ingress (API, admin, SPA)  http://127.0.0.1:$INGRESS_PORT/
  Events API                 http://127.0.0.1:$INGRESS_PORT/api/v1/events/
  OpenAPI (events)           http://127.0.0.1:$INGRESS_PORT/api/v1/events/schema/
  Identity provider          http://127.0.0.1:$IDENTITY_PORT/realms/crewup/.well-known/openid-configuration
  Mail CrewUp sent (catcher) http://127.0.0.1:8025/
  Crew chat (WebSocket)      ws://127.0.0.1:$INGRESS_PORT/ws/groups/<id>/chat/
  Services directly          event :8001  group :8002 (ws :$GROUP_WS_PORT)  user :8003  safety :8004  moderation :8005
  Logs                       $RUN_DIR/logs/

Demo logins (identity provider):
$(cat "$RUN_DIR/demo-logins.txt")

Get a token:  curl -s -d grant_type=password -d client_id=crewup-cli -d username=alice \\
                -d password=<alice's password> \\
                http://127.0.0.1:$IDENTITY_PORT/realms/crewup/protocol/openid-connect/token
INFO

if $detach; then
  exit 0
fi
trap 'scripts/stop.sh; exit 0' INT TERM
echo "Press Ctrl-C to stop."
wait
