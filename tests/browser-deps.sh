#!/usr/bin/env bash
# What the browser tests (tests/console.rs, tests/report.rs, tests/docs.rs)
# need besides Rust: Debian's Chromium and ChromeDriver, and Liberation Sans,
# the font metric-compatible with the Helvetica that Graphviz laid the tree
# pictures out with (without it Chromium draws them in DejaVu Sans, wider,
# and labels drift from their edges). Installs what is missing (as root, or
# through sudo); does nothing when all is there.
set -euo pipefail
# The paths the tests use.
have_browser() { [ -x /usr/bin/chromium ] && { [ -x /usr/bin/chromedriver ] || [ -x /usr/lib/chromium/chromedriver ]; }; }
have_font() { [ -e /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ]; }
if have_browser && have_font; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing chromium, chromium-driver and fonts-liberation for the browser tests..." >&2
$SUDO apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium chromium-driver fonts-liberation >/dev/null
