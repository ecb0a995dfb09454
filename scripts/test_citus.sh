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
port=${CITUS_PORT:-56432}
data=${CITUS_DATA:-/tmp/relais-citus-$port}
pg_config=/usr/lib/postgresql/15/bin/pg_config
if [ ! -f "$("$pg_config" --pkglibdir 2>/dev/null)/citus.so" ]; then
  [ "$(id -u)" = 0 ] || skip "Citus is not installed and building it needs root ($citus_dir/build.sh)."
  echo "make test-citus: building Citus ($citus_dir/build.sh, about 2 minutes)"
  bash "$citus_dir/build.sh"
fi
started=
if ! psql -qAt -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "SELECT count(*) FROM pg_dist_node" >/dev/null 2>&1; then
  echo "make test-citus: starting a coordinator on $port and 2 workers ($data)"
  bash "$citus_dir/cluster.sh" start "$data" "$port" 2 >/dev/null
  started=1
fi
stop() { [ -n "$started" ] && bash "$citus_dir/cluster.sh" stop "$data"; true; }
trap stop EXIT
workers=$(psql -qAt -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "SELECT count(*) FROM pg_dist_node WHERE groupid > 0")
echo "make test-citus: coordinator 127.0.0.1:$port with $workers workers"
export TEST_CITUS_URL="postgresql://postgres@127.0.0.1:$port"
unset TEST_POSTGRES_URL
tests=${CITUS_TESTS:-tests/test_distribution.py tests/test_tenancy.py tests/test_isolation.py tests/test_ingest.py tests/test_inbox.py tests/test_boards.py tests/test_crisis.py tests/test_rollups.py}
# shellcheck disable=SC2086
"$python" -m pytest $tests "$@"
