"""A throwaway migrated PostgreSQL database and an app bound to it, for benchmarks."""
from saas import create_app
from saas.cli import upgrade_database
from saas.config import TestConfig
from tests import services


def benchmark_app():
    """Create a fresh database (dropped at exit), migrate it, and return (app, database URL)."""
    url = services.create_database(services.postgres_server())
    upgrade_database(url)
    config = type("BenchConfig", (TestConfig,), {"DATABASE_URL": url, "REDIS_URL": services.redis_server_url()})
    return create_app(config), url
