#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed at /usr/bin/chromium, for the timeline
# page's browser test (test/cli/trace-timeline.test.ts). Installs it with apt-get
# when it is missing (as root, or through sudo), says what it does, and fails with
# one clear line when it cannot.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM") is installed"
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "ensure-chromium: $CHROMIUM is missing and this user cannot install it; run as root: apt-get install -y chromium" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "ensure-chromium: $CHROMIUM is missing and there is no apt-get here; install Chromium so that $CHROMIUM runs it" >&2
  exit 1
fi
echo "ensure-chromium: $CHROMIUM is missing; installing Debian's chromium (apt-get update && apt-get install -y chromium)"
export DEBIAN_FRONTEND=noninteractive
if ! "${SUDO[@]}" apt-get update -q || ! "${SUDO[@]}" apt-get install -y -q chromium; then
  echo "ensure-chromium: apt-get could not install chromium (see its output above)" >&2
  exit 1
fi
if [ ! -x "$CHROMIUM" ]; then
  echo "ensure-chromium: apt-get installed chromium but $CHROMIUM is still missing" >&2
  exit 1
fi
echo "ensure-chromium: installed $("$CHROMIUM" --version 2>/dev/null)"
