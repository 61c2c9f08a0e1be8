#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed at /usr/bin/chromium, for the timeline
# page's browser test (test/cli/trace-timeline.test.ts).
exec bash "$(dirname "$0")/ensure-package.sh" chromium /usr/bin/chromium
