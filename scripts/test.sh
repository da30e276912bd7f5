#!/usr/bin/env bash
# Run every test suite against the real PostgreSQL/PostGIS, Redis and RabbitMQ.
# Each package runs with its own settings: shared, the five services, the identity provider,
# the mail catcher;
# `frontend` is the SPA: lint, typecheck, unit tests (Vitest) and end-to-end tests in Chromium
# (which start the system with scripts/run.sh --detach when it is not running, and stop it).
# Usage: scripts/test.sh [package-dir ...]   (default: all)
set -uo pipefail
cd "$(dirname "$0")/.."
packages=("$@")
[ ${#packages[@]} -gt 0 ] || packages=(shared event_service group_service user_service safety_service moderation_service dev/identity dev/mail)
# The images, chart, workflows and monitoring (helm, kubernetes-validate, actionlint, promtool).
[ $# -gt 0 ] || packages+=(infra_tests)
# The SPA: lint, typecheck, unit tests and end-to-end tests in Chromium.
[ $# -gt 0 ] || packages+=(frontend)

passed=0
failed=0
failing=()
# The SPA's checks; each counts as a test (lint, typecheck) or adds its runner's counts.
spa_step() {  # name, command...
  local name=$1 output status p f s
  shift
  printf '\n\033[1m==> frontend: %s\033[0m\n' "$name"
  output=$(cd frontend && "$@" 2>&1)
  status=$?
  printf '%s\n' "$output" | tail -n 40
  case $name in
    vitest)
      p=$(grep -oE 'Tests +.*' <<<"$output" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' | tail -n 1)
      f=$(grep -oE 'Tests +.*' <<<"$output" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' | tail -n 1) ;;
    e2e)
      p=$(grep -oE '^ℹ pass [0-9]+' <<<"$output" | grep -oE '[0-9]+' | tail -n 1)
      f=$(grep -oE '^ℹ fail [0-9]+' <<<"$output" | grep -oE '[0-9]+' | tail -n 1)
      s=$(grep -oE '^ℹ skipped [0-9]+' <<<"$output" | grep -oE '[0-9]+' | tail -n 1)
      [ "${s:-0}" -eq 0 ] || echo "frontend e2e: ${s} skipped (see the reasons above)" ;;
    *)
      if [ $status -eq 0 ]; then p=1; f=0; else p=0; f=1; fi ;;
  esac
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if [ $status -ne 0 ]; then
    failing+=("frontend:$name")
    [ "${f:-0}" -gt 0 ] || failed=$((failed + 1))
  fi
}

for package in "${packages[@]}"; do
  if [ "$package" = frontend ]; then
    spa_step lint npm run --silent lint
    spa_step typecheck npm run --silent typecheck
    spa_step vitest npm test --silent
    spa_step e2e npm run --silent e2e
    continue
  fi
  printf '\n\033[1m==> pytest %s\033[0m\n' "$package"
  output=$(cd "$package" && uv run --frozen pytest -q -p no:cacheprovider --create-db 2>&1)
  status=$?
  printf '%s\n' "$output" | tail -n 25
  summary=$(printf '%s\n' "$output" | grep -E '^=*\s*[0-9]+ (passed|failed)' | tail -n 1)
  p=$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
  f=0
  for n in $(grep -oE '[0-9]+ (failed|errors?)' <<<"$summary" | grep -oE '[0-9]+'); do f=$((f + n)); done
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if [ $status -ne 0 ]; then
    failing+=("$package")
    [ "${f:-0}" -gt 0 ] || failed=$((failed + 1))
  fi
done

echo
echo "test suites took ${SECONDS} s"
[ ${#failing[@]} -eq 0 ] || echo "failing suites: ${failing[*]}"
echo "total: $passed passed, $failed failed"
[ ${#failing[@]} -eq 0 ]
