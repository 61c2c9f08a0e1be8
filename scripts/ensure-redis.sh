#!/usr/bin/env bash
# Makes sure Debian's redis-server is installed at /usr/bin/redis-server, for the
# tests and the bench of aio-ts/bullmq and `aio fetch --queue` (test/redis.ts).
exec bash "$(dirname "$0")/ensure-package.sh" redis-server /usr/bin/redis-server
