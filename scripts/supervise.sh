#!/usr/bin/env bash
# The processes of `make run`/`make up`, under supervisord (PyPI `supervisor`): it restarts a
# process that dies and reports it ("exited: event (terminated by SIGKILL; not expected)",
# "spawned: 'event'") on screen under `make run`, and in $RUN_DIR/logs/supervisord.log.
#
#   scripts/supervise.sh render [program...]
#     writes $RUN_DIR/supervisord.conf with every program (or only those named) and makes the
#     directories they write to. scripts/run.sh starts supervisord with it; scripts/stop.sh
#     shuts it down (`uv run supervisorctl -c $RUN_DIR/supervisord.conf status` lists them).
#   scripts/supervise.sh exec PIDFILE COMMAND...
#     how supervisord starts each program: see below.
#
# Each program keeps its log in $RUN_DIR/logs/<name>.log and its id in $RUN_DIR/pids/<name>.pid:
# supervisord starts each in a process group of its own, whose id is that pid, and the load test
# (bench/load_mix.py) counts the CPU of each part by those groups.
set -euo pipefail
if [ "${1:-}" = exec ]; then
  # supervisord runs `supervise.sh exec PIDFILE COMMAND...`: the pid file follows the program
  # across restarts (this process becomes the program: exec keeps the pid and process group).
  # A program whose first process was killed can leave the rest of its group behind (uv's
  # gunicorn with its workers, nginx's workers), still holding the port the new one needs;
  # supervisord stops whole groups only when asked to. What is left of the old group in this
  # session (supervisord's: the other programs only) is killed first, unless another program
  # now has that id (pids wrap around).
  pidfile=$2
  shift 2
  old=$(cat "$pidfile" 2>/dev/null || true)
  if [[ "$old" =~ ^[0-9]+$ ]] && ! grep -qxF "$old" --exclude="${pidfile##*/}" "${pidfile%/*}"/*.pid; then
    pkill -KILL -g "$old" -s 0 || true
  fi
  echo $$ >"$pidfile"
  exec "$@"
fi
cd "$(dirname "$0")/.."
source scripts/services.sh

[ "${1:-}" = render ] || { echo "usage: $0 render [program...] | exec PIDFILE COMMAND..." >&2; exit 2; }
shift
selected=("$@")
mkdir -p "$RUN_DIR/logs" "$RUN_DIR/pids"
# A new system: the ids of an earlier one name nothing of it (`exec` must not act on them).
rm -f "$RUN_DIR"/pids/*.pid
conf="$RUN_DIR/supervisord.conf"

# supervisord expands %(name)s in its values: a literal % is written %%.
value() { local text=$1; printf '%s' "${text//%/%%}"; }

programs=""
names=()
program() {  # name, command...
  local name=$1 word command=""
  shift
  if [ ${#selected[@]} -gt 0 ] && [[ " ${selected[*]} " != *" $name "* ]]; then
    return 0
  fi
  names+=("$name")
  for word in "$PWD/scripts/supervise.sh" exec "$RUN_DIR/pids/$name.pid" "$@"; do
    command+=" $(printf '%q' "$word")"
  done
  # startsecs/startretries: a program that dies within 10 s of its start four times in a row is
  # given up (FATAL, reported) instead of restarted forever; one that ran longer is always
  # restarted. stopwaitsecs covers gunicorn's graceful_timeout (20 s) before the SIGKILL.
  programs+="
[program:$name]
command=$(value "${command# }")
directory=$(value "$PWD")
autostart=true
autorestart=true
startsecs=10
startretries=3
stopasgroup=true
killasgroup=true
stopwaitsecs=25
redirect_stderr=true
stdout_logfile=$(value "$RUN_DIR/logs/$name.log")
stdout_logfile_maxbytes=0
"
}

# --- the programs (their names are the pid and log files' names) ---
# The mail catcher: SMTP on :1025 takes every e-mail CrewUp sends; read them on :8025.
program mail uv run --frozen python dev/mail/mailcatcher.py --directory "$RUN_DIR/mail" \
  --smtp-port "$MAIL_PORT" --http-port "$MAIL_WEB_PORT"
program identity uv run --frozen gunicorn identity.wsgi --chdir dev/identity \
  --bind "127.0.0.1:$IDENTITY_PORT" --workers 2
for service in "${SERVICES[@]}"; do
  # gunicorn's workers add up their metrics through files in this directory (emptied here, at
  # the start of a system; not when supervisord restarts one program).
  metrics_dir="$RUN_DIR/prometheus/$service"
  rm -rf "$metrics_dir" && mkdir -p "$metrics_dir"
  program "$service" env PROMETHEUS_MULTIPROC_DIR="$metrics_dir" GUNICORN_BIND="127.0.0.1:${SERVICE_PORT[$service]}" \
    nice -n "${SERVICE_NICE[$service]}" \
    uv run --frozen gunicorn -c python:shared.gunicorn_conf "${service}_service.wsgi" --chdir "${service}_service"
done
# Celery: the moderation service relays the outbox and expires bans (worker + one beat); the
# user and group services consume ban events. Each writes metrics where its service reads them.
program moderation-worker env -C moderation_service PROMETHEUS_MULTIPROC_DIR="$RUN_DIR/prometheus/moderation" \
  nice -n "${WORKER_NICE[moderation]}" uv run --frozen celery -A moderation_service worker -n moderation@%h -c "${WORKER_CONCURRENCY[moderation]}"
program moderation-beat env -C moderation_service \
  uv run --frozen celery -A moderation_service beat -s "$RUN_DIR/celerybeat-schedule"
for service in user group; do
  program "$service-worker" env -C "${service}_service" PROMETHEUS_MULTIPROC_DIR="$RUN_DIR/prometheus/$service" \
    nice -n "${WORKER_NICE[$service]}" uv run --frozen celery -A "${service}_service" worker -n "$service@%h" -c "${WORKER_CONCURRENCY[$service]}"
done
# The user service's beat issues event reminders (its worker, above, runs the notifier too).
program user-beat env -C user_service \
  uv run --frozen celery -A user_service beat -s "$RUN_DIR/user-celerybeat-schedule"
# The safety service fires check-in timers and retries alert notices (worker + one beat).
program safety-worker env -C safety_service PROMETHEUS_MULTIPROC_DIR="$RUN_DIR/prometheus/safety" \
  nice -n "${WORKER_NICE[safety]}" uv run --frozen celery -A safety_service worker -n safety@%h -c "${WORKER_CONCURRENCY[safety]}"
program safety-beat env -C safety_service \
  uv run --frozen celery -A safety_service beat -s "$RUN_DIR/safety-celerybeat-schedule"
program group-ws env -C group_service nice -n "${SERVICE_NICE[group-ws]}" uv run --frozen daphne --bind 127.0.0.1 --port "$GROUP_WS_PORT" \
  --proxy-headers group_service.asgi:application
# The ingress's configuration is written by scripts/ingress.sh render (scripts/run.sh).
program ingress nginx -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx/nginx.conf" -g "daemon off;"

[ -n "$programs" ] || { echo "no such program: ${selected[*]}" >&2; exit 2; }
# As root, `user=root` says so; the control socket takes a password of this run's (the socket's
# mode already keeps other users out): supervisord warns at every start otherwise.
password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
run_as=""
[ "$(id -u)" -ne 0 ] || run_as="user=root"
touch "$conf" && chmod 600 "$conf"
cat >"$conf" <<CONF
; Written by scripts/supervise.sh render: edit that script, not this file.
[supervisord]
logfile=$(value "$RUN_DIR/logs/supervisord.log")
pidfile=$(value "$RUN_DIR/supervisord.pid")
childlogdir=$(value "$RUN_DIR/logs")
directory=$(value "$PWD")
$run_as

[unix_http_server]
file=$(value "$RUN_DIR/supervisor.sock")
chmod=0700
username=crewup
password=$password

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$(value "$RUN_DIR/supervisor.sock")
username=crewup
password=$password

; One group: supervisord stops a group's programs all at once (one group after another else).
[group:crewup]
programs=$(IFS=,; echo "${names[*]}")
$programs
CONF
