#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through Playwright (no browser download is possible here).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  exit 0
fi
echo "Chromium is missing. Install it (Debian/Ubuntu: sudo apt-get install chromium fonts-noto-cjk)" >&2
echo "or set CHROMIUM_PATH to a Chromium binary, then run make test again." >&2
[ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ] && exit 0
exit 1
