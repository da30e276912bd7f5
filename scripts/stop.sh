#!/usr/bin/env bash
# Stop every process `scripts/run.sh` started, and return once they are gone.
# supervisord stops each program's process group (SIGTERM, SIGKILL after its stopwaitsecs) and
# exits. Then each process group a pid file still names (a supervisord that was killed; a system
# started before supervision) gets SIGTERM, and SIGKILL if it outlives 25 s.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh

alive() {  # pid: whether that process is a supervisord
  grep -qs supervisord "/proc/$1/cmdline"
}
supervisor_pid=$(cat "$RUN_DIR/supervisord.pid" 2>/dev/null || true)
if [[ "$supervisor_pid" =~ ^[0-9]+$ ]] && alive "$supervisor_pid"; then
  uv run --frozen supervisorctl -c "$RUN_DIR/supervisord.conf" shutdown >/dev/null 2>&1 ||
    kill -TERM "$supervisor_pid"
  for _ in $(seq 1 300); do
    alive "$supervisor_pid" || break
    sleep 0.2
  done
fi

groups=()
left=()
for pidfile in "$RUN_DIR"/pids/*.pid; do
  # (Another stop.sh may be removing them: make down beside make run's own on its way out.)
  pid=$(cat "$pidfile" 2>/dev/null) || continue
  rm -f "$pidfile"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -TERM -- "-$pid" 2>/dev/null && groups+=("$pid")
done
for _ in $(seq 1 125); do
  left=()
  for pid in "${groups[@]}"; do kill -0 -- "-$pid" 2>/dev/null && left+=("$pid"); done
  [ ${#left[@]} -gt 0 ] || break
  sleep 0.2
done
for pid in "${left[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; done
echo "stopped"
