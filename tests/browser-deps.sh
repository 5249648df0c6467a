#!/usr/bin/env bash
# What the web console's browser test (tests/console.rs) needs besides Rust:
# Debian's Chromium and ChromeDriver. Installs them when they are missing
# (as root, or through sudo); does nothing when they are there.
set -euo pipefail
# The paths tests/console.rs uses.
if [ -x /usr/bin/chromium ] && { [ -x /usr/bin/chromedriver ] || [ -x /usr/lib/chromium/chromedriver ]; }; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing chromium and chromium-driver for the browser test (tests/console.rs)..." >&2
$SUDO apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium chromium-driver >/dev/null
