#!/usr/bin/env bash
# The entry point of CrewUp's Python image: the first argument picks the role.
#
#   web [service]        gunicorn on 0.0.0.0:$PORT (8000) with shared.gunicorn_conf
#   ws                   daphne on 0.0.0.0:$PORT for the group service's WebSockets
#   worker [service]     a Celery worker of <service>_service
#   beat [service]       Celery beat of <service>_service (run exactly one per deployment)
#   metrics [service]    serve the worker's multiprocess metrics on $METRICS_PORT (a sidecar)
#   migrate [args...]    migrate the shared schema once, from the moderation service
#   manage [service] ... django-admin with <service>_service.settings
#
# The service defaults to $CREWUP_SERVICE (the image's build argument). Extra arguments go
# to the command. The same script runs outside a container (infra_tests) with the dev venv.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
SERVICES=(event group user safety moderation)
PORT=${PORT:-8000}
LOG_LEVEL=${LOG_LEVEL:-INFO}

usage() {
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 64
}

# Sets `service` from the next argument, or $CREWUP_SERVICE when the argument is not a service.
service=""
pick_service() {
  local candidate=${1:-}
  for known in "${SERVICES[@]}"; do
    if [ "$candidate" = "$known" ]; then
      service=$candidate
      return 0
    fi
  done
  service=${CREWUP_SERVICE:-}
  for known in "${SERVICES[@]}"; do
    [ "$service" = "$known" ] && return 1
  done
  echo "entrypoint: name a service (${SERVICES[*]}) or set CREWUP_SERVICE" >&2
  exit 64
}

# gunicorn's and Celery's processes write their metrics into files there; files left by an
# earlier run of this container (the directory is an emptyDir that outlives a restart) would
# be added to the new counts, so they go first.
fresh_metrics_dir() {
  if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    find "$PROMETHEUS_MULTIPROC_DIR" -mindepth 1 -delete
  fi
}

# One-off and scheduling processes serve no metrics: without this, prometheus_client would
# write its files into a directory that only the serving pods mount writable.
no_metrics_files() {
  unset PROMETHEUS_MULTIPROC_DIR
}

# The image's HEALTHCHECK reads which role this container plays.
remember_role() {
  printf '%s\n' "$1" >"${TMPDIR:-/tmp}/crewup-role" 2>/dev/null || true
}

role=${1:-}
[ $# -gt 0 ] && shift
case "$role" in
  web)
    pick_service "${1:-}" && shift
    remember_role web
    fresh_metrics_dir
    export GUNICORN_BIND="${GUNICORN_BIND:-0.0.0.0:$PORT}"
    exec gunicorn -c python:shared.gunicorn_conf "${service}_service.wsgi" "$@"
    ;;
  ws)
    remember_role ws
    fresh_metrics_dir
    exec daphne --bind "${BIND_ADDRESS:-0.0.0.0}" --port "$PORT" --proxy-headers \
      "$@" group_service.asgi:application
    ;;
  worker)
    pick_service "${1:-}" && shift
    remember_role worker
    fresh_metrics_dir
    exec celery -A "${service}_service" worker --loglevel "$LOG_LEVEL" \
      --hostname "${service}@%h" "$@"
    ;;
  beat)
    pick_service "${1:-}" && shift
    remember_role beat
    no_metrics_files
    exec celery -A "${service}_service" beat --loglevel "$LOG_LEVEL" \
      --schedule "${CELERY_BEAT_SCHEDULE:-${TMPDIR:-/tmp}/celerybeat-schedule}" "$@"
    ;;
  metrics)
    pick_service "${1:-}" && shift
    remember_role metrics
    exec python "$here/metrics_server.py" "$service" "$@"
    ;;
  migrate)
    remember_role migrate
    no_metrics_files
    exec python "$here/migrate.py" "$@"
    ;;
  manage)
    pick_service "${1:-}" && shift
    no_metrics_files
    DJANGO_SETTINGS_MODULE="${service}_service.settings" exec django-admin "$@"
    ;;
  *)
    usage
    ;;
esac
