#!/usr/bin/env bash
# Builds (or finds in the cache) the Go-built toolchain pinned in versions.env: Pulumi CLI, language host and
# providers (pulumi.sh), and the Kubernetes control plane, etcd and kwok (kube.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
start=$SECONDS
bash "$here/pulumi.sh"
bash "$here/kube.sh"
printf '[toolchain] ready in %ss\n' "$((SECONDS - start))" >&2
