#!/usr/bin/env bash
# The README's test command (`npm test`): set-up, type check, then every test tier.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/setup.sh"
# shellcheck source=/dev/null
source "$here/scripts/env.sh"
cd "$here"
npx tsc --noEmit -p tsconfig.json
exec npx vitest run "$@"
