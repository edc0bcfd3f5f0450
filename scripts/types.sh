#!/usr/bin/env bash
# Generates (or with --check, verifies) every worker's Env types with `wrangler types`.
# Runtime types come once from the gateway; each worker's Env interface is named after it.
set -euo pipefail
cd "$(dirname "$0")/.."
check=()
[ "${1:-}" = "--check" ] && check=(--check)
gen() {
  local err
  err=$(mktemp)
  npx wrangler types "${check[@]}" --strict-vars false "$@" >/dev/null 2>"$err" || { cat "$err" >&2; rm -f "$err"; exit 1; }
  rm -f "$err"
}
gen -c wrangler.toml -c workers/auth/wrangler.toml -c workers/chat/wrangler.toml -c workers/calls/wrangler.toml -c workers/storage/wrangler.toml --env-interface GatewayEnv worker-configuration.d.ts
gen -c workers/auth/wrangler.toml --env-interface AuthEnv --include-runtime false workers/auth/worker-configuration.d.ts
gen -c workers/chat/wrangler.toml -c workers/storage/wrangler.toml --env-interface ChatEnv --include-runtime false workers/chat/worker-configuration.d.ts
gen -c workers/calls/wrangler.toml -c workers/chat/wrangler.toml --env-interface CallsEnv --include-runtime false workers/calls/worker-configuration.d.ts
gen -c workers/storage/wrangler.toml -c workers/chat/wrangler.toml --env-interface StorageEnv --include-runtime false workers/storage/worker-configuration.d.ts
