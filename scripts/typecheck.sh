#!/usr/bin/env bash
# Types: mypy over shared and the five services ([tool.mypy] in pyproject.toml), under the
# production-like settings its Django plugin loads. Run by scripts/lint.sh and pre-commit.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
packages=(shared/shared)
for service in "${SERVICES[@]}"; do packages+=("${service}_service/${service}_service"); done
"${PRODUCTION_ENV[@]}" uv run --frozen mypy "${packages[@]}"
