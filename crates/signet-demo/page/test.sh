#!/usr/bin/env bash
# The relying-party demo page's tests, from nothing: installs the page's npm packages (npm ci),
# builds the page (dist/), builds signet-server and the headless device signet-cli, then runs
# the Playwright tests (Debian's Chromium) against the real server. Exit code = result.
#
#   crates/signet-demo/page/test.sh            # all demo tests
#   crates/signet-demo/page/test.sh page       # only files whose name matches "page"
#
# Environment: CARGO_TARGET_DIR (default <repo>/target), CHROMIUM_PATH (default /usr/bin/chromium),
# SIGNET_PREBUILT (set: use the signet-server and signet-cli already in the target folder).
# Screenshots of the page land in <repo>/target/screenshots/ (working states) and
# <repo>/docs/screenshots/demo-*.png (the page at three window sizes, committed).
set -euo pipefail

demo="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$demo/../../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

echo "demo: npm ci"
(cd "$demo" && npm ci --no-audit --no-fund --loglevel=error)
echo "demo: building the page"
(cd "$demo" && npm run --silent build)
if [ -z "${SIGNET_PREBUILT:-}" ]; then
  echo "demo: building signet-server and signet-cli"
  (cd "$root" && cargo build --quiet -p signet-server -p signet-cli)
fi
echo "demo: Playwright tests"
cd "$demo"
# The device (signet-cli) keeps its keys in the platform keystore: run the tests in a private
# D-Bus session with a fresh, unlocked gnome-keyring whose files live in a temporary folder, so
# no real keyring is touched (and its password does not matter).
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  keyring_home="$(mktemp -d)"
  trap 'rm -rf "$keyring_home"' EXIT
  status=0
  XDG_DATA_HOME="$keyring_home" dbus-run-session -- sh -c \
    'printf "signet-demo-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec ./node_modules/.bin/vitest run "$@"' \
    sh "$@" || status=$?
  exit "$status"
fi
echo "demo: no dbus-run-session/gnome-keyring-daemon: using the session's own Secret Service"
exec ./node_modules/.bin/vitest run "$@"
