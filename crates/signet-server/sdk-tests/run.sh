#!/usr/bin/env bash
# Runs Authsignal's published SDKs (@authsignal/node, @authsignal/browser) against a fresh
# signet-server: builds the binary, starts it on a free loopback port with a temporary
# database, runs `node --test`, stops the server.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"

# 1. The binary (already built when SIGNET_PREBUILT is set, as scripts/test does).
[ -n "${SIGNET_PREBUILT:-}" ] || (cd "$repo" && cargo build --quiet -p signet-server --bin signet-server)
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
bin="$target_dir/debug/signet-server"

# 2. The SDKs, as locked.
if [ ! -d "$here/node_modules/@authsignal/node" ] || [ ! -d "$here/node_modules/@authsignal/browser" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --silent)
fi

# 3. A free port, a temporary database, known tenant credentials.
port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
tmp="$(mktemp -d)"
tenant_id="sdk-test-tenant"
secret_key="sdk-test-secret-$(node -e 'console.log(require("crypto").randomBytes(16).toString("hex"))')"
"$bin" --db "$tmp/signet.db" --listen "127.0.0.1:$port" \
  --tenant-id "$tenant_id" --secret-key "$secret_key" >"$tmp/server.out" 2>"$tmp/server.err" &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# 4. Wait (bounded) until it answers.
for _ in $(seq 1 100); do
  if node -e 'require("net").connect(process.argv[1],"127.0.0.1").on("connect",()=>process.exit(0)).on("error",()=>process.exit(1))' "$port"; then
    break
  fi
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$tmp/server.err" >&2
    echo "signet-server did not start" >&2
    exit 1
  fi
  sleep 0.1
done

# 5. The tests.
cd "$here"
SIGNET_BASE_URL="http://127.0.0.1:$port/v1" SIGNET_TENANT_ID="$tenant_id" \
  SIGNET_SECRET_KEY="$secret_key" node --test
