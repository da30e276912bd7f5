#!/usr/bin/env bash
# Run every test suite against the real PostgreSQL/PostGIS, Redis and RabbitMQ.
# Each package runs with its own settings: shared, the five services, the identity provider.
# Usage: scripts/test.sh [package-dir ...]   (default: all)
set -uo pipefail
cd "$(dirname "$0")/.."
packages=("$@")
[ ${#packages[@]} -gt 0 ] || packages=(shared event_service group_service user_service safety_service moderation_service dev/identity)
# The images, chart, workflows and monitoring (helm, kubernetes-validate, actionlint, promtool).
[ $# -gt 0 ] || packages+=(infra_tests)

passed=0
failed=0
failing=()
for package in "${packages[@]}"; do
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
