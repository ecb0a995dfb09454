#!/usr/bin/env bash
# `make test-citus`: the tenancy, isolation and pipeline tests on a real Citus cluster (a
# coordinator and 2 workers, each a PostgreSQL 15 server on 127.0.0.1). Builds Citus when it is
# missing (CITUS_DIR/build.sh, root), starts the cluster with CITUS_DIR/cluster.sh unless one
# already answers on CITUS_PORT (and stops it at the end if it started it), then runs the tests
# with TEST_CITUS_URL: each test process creates its database on every node, migrates it and
# applies the distribution plan (tests/conftest.py, saas/distribution.py).
# Usage: bash scripts/test_citus.sh PYTHON [pytest arguments]
set -euo pipefail
python=$1
shift
skip() { echo "make test-citus: SKIPPED: $1"; exit 0; }
citus_dir=${CITUS_DIR:-}
if [ -z "$citus_dir" ]; then
  for candidate in ../shared/citus ../../shared/citus /work/shared/citus; do
    if [ -f "$candidate/cluster.sh" ]; then citus_dir=$candidate; break; fi
  done
fi
[ -n "$citus_dir" ] && [ -f "$citus_dir/cluster.sh" ] || skip "no Citus kit (set CITUS_DIR to the folder of build.sh and cluster.sh)."
citus_dir=$(cd "$citus_dir" && pwd)
pg_config=/usr/lib/postgresql/15/bin/pg_config
if [ ! -f "$("$pg_config" --pkglibdir 2>/dev/null)/citus.so" ]; then
  [ "$(id -u)" = 0 ] || skip "Citus is not installed and building it needs root ($citus_dir/build.sh)."
  echo "make test-citus: building Citus ($citus_dir/build.sh, about 2 minutes)"
  bash "$citus_dir/build.sh"
fi
answers() { psql -qAt -h 127.0.0.1 -p "$1" -U postgres -d postgres -c "SELECT count(*) FROM pg_dist_node" >/dev/null 2>&1; }
# Three ports in a row that nothing holds, below the kernel's range of ephemeral ports (a client
# connection or a test's throwaway server never takes them), each bindable right now.
free_base() {
  "$python" - "$1" <<'PY'
import socket, sys
for base in range(int(sys.argv[1]), 32700, 10):
    try:
        for port in range(base, base + 3):
            with socket.socket() as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(base)
    break
PY
}
data=
started=
stop() {
  if [ -n "$started" ] && [ -n "$data" ]; then
    bash "$citus_dir/cluster.sh" stop "$data"
    rm -rf "$data"
  fi
  true
}
trap stop EXIT
if [ -n "${CITUS_PORT:-}" ] && answers "$CITUS_PORT"; then
  port=$CITUS_PORT
else
  # A cluster of its own in a new folder each run: never a folder or a server a killed run left.
  for attempt in 1 2; do
    port=$(free_base "${CITUS_PORT:-26432}")
    [ -n "$port" ] || { echo "make test-citus: no 3 free ports in a row below 32700" >&2; exit 1; }
    data=$(mktemp -d /tmp/relais-citus.XXXXXX)
    chmod 755 "$data"
    started=1
    echo "make test-citus: starting a coordinator on $port and 2 workers ($data)"
    if bash "$citus_dir/cluster.sh" start "$data" "$port" 2 >/dev/null && answers "$port"; then
      break
    fi
    echo "make test-citus: the cluster did not start (attempt $attempt); the nodes' logs:" >&2
    for log in "$data"/*.log; do [ -f "$log" ] && { echo "== $log" >&2; tail -n 20 "$log" >&2; }; done
    stop
    started=
    [ "$attempt" = 2 ] && exit 1
    CITUS_PORT=$((port + 10))
  done
fi
workers=$(psql -qAt -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "SELECT count(*) FROM pg_dist_node WHERE groupid > 0")
echo "make test-citus: coordinator 127.0.0.1:$port with $workers workers"
export TEST_CITUS_URL="postgresql://postgres@127.0.0.1:$port"
unset TEST_POSTGRES_URL
tests=${CITUS_TESTS:-tests/test_distribution.py tests/test_tenancy.py tests/test_isolation.py tests/test_ingest.py tests/test_inbox.py tests/test_boards.py tests/test_crisis.py tests/test_rollups.py tests/test_competitors_pages.py}
# shellcheck disable=SC2086
"$python" -m pytest $tests "$@"
