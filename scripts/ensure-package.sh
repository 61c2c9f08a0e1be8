#!/usr/bin/env bash
# Usage: ensure-package.sh PACKAGE EXECUTABLE
# Makes sure Debian's PACKAGE is installed, as EXECUTABLE shows it, for the tests
# that run the real thing (Chromium for the timeline page, redis-server for the
# BullMQ fleet). Installs it with apt-get when it is missing (as root, or through
# sudo), says what it does, and fails with one clear line when it cannot.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: ensure-package.sh PACKAGE EXECUTABLE" >&2
  exit 2
fi
PACKAGE=$1
EXECUTABLE=$2
NAME="ensure-package $PACKAGE"
if [ -x "$EXECUTABLE" ]; then
  echo "$NAME: $EXECUTABLE is installed"
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "$NAME: $EXECUTABLE is missing and this user cannot install it; run as root: apt-get install -y $PACKAGE" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "$NAME: $EXECUTABLE is missing and there is no apt-get here; install $PACKAGE so that $EXECUTABLE runs it" >&2
  exit 1
fi
echo "$NAME: $EXECUTABLE is missing; installing Debian's $PACKAGE (apt-get update && apt-get install -y $PACKAGE)"
export DEBIAN_FRONTEND=noninteractive
if ! "${SUDO[@]}" apt-get update -q || ! "${SUDO[@]}" apt-get install -y -q "$PACKAGE"; then
  echo "$NAME: apt-get could not install $PACKAGE (see its output above)" >&2
  exit 1
fi
if [ ! -x "$EXECUTABLE" ]; then
  echo "$NAME: apt-get installed $PACKAGE but $EXECUTABLE is still missing" >&2
  exit 1
fi
echo "$NAME: installed $EXECUTABLE"
