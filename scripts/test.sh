#!/usr/bin/env bash
# The README's test command (`npm test`): set-up, type check, lint (`npm run lint`: ESLint, any warning fails),
# then the unit, render, components and engine tiers. `npm run test:vm` (this script with --vm) runs the VM tier:
# four QEMU VMs provisioned from bare OS, about an hour on this 2-core machine; it is not yet part of `npm test`
# (see the README's "Tests").
# Other arguments are passed to vitest (e.g. a file).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/setup.sh"
# shellcheck source=/dev/null
source "$here/scripts/env.sh"
cd "$here"
npx tsc --noEmit -p tsconfig.json
npx eslint --max-warnings 0 .
if [ "${1:-}" = --vm ]; then
  shift
  NETLAB_VM_TIER=1 exec npx vitest run test/vm "$@"
fi
exec npx vitest run "$@"
