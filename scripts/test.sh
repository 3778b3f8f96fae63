#!/usr/bin/env bash
# The README's test command (`npm test`): set-up, type check, then every test tier; the VM tier (four QEMU VMs,
# test/vm) last and alone, since it needs the whole machine. Arguments are passed to vitest (e.g. a file), and
# then only the tiers they name run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/setup.sh"
# shellcheck source=/dev/null
source "$here/scripts/env.sh"
cd "$here"
npx tsc --noEmit -p tsconfig.json
if [ "$#" -gt 0 ]; then
  NETLAB_VM_TIER=1 exec npx vitest run "$@"
fi
npx vitest run
NETLAB_VM_TIER=1 exec npx vitest run test/vm
