#!/usr/bin/env bash
# Stop every process `scripts/run.sh` started.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
for pidfile in "$RUN_DIR"/pids/*.pid; do
  [ -e "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  kill -TERM -- "-$pid" 2>/dev/null
  rm -f "$pidfile"
done
echo "stopped"
