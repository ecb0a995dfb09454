"""Count the SQL statements a piece of code sends: to prove a page's query count does not grow with its data.

    from tests.querycount import count_queries

    with count_queries(app) as queries:
        client.get("/a/agence/")
    assert queries.count == 7, queries.report()

or, as a fixture (import it into the test module: `from tests.querycount import query_counter`):

    def test_x(app, client, query_counter):
        with query_counter() as queries:
            ...

Every statement the app's engine executes is recorded (a `before_cursor_execute` listener on the engine the app
uses); the session housekeeping the test client adds (the app role and agency settings on PostgreSQL) can be left
out with `ignore`. Compare counts between two runs rather than asserting a magic number where you can.
"""
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

# Statements that are plumbing, not the page's work: transaction control, the tenant setting (saas/tenancy.py).
PLUMBING = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|SET |SELECT set_config|"
                      r"SELECT pg_catalog\.set_config|RESET )", re.IGNORECASE)


class QueryLog:
    """The statements seen while counting."""

    def __init__(self, ignore=PLUMBING):
        self.statements = []
        self.ignore = ignore

    def record(self, statement):
        if self.ignore is None or not self.ignore.match(statement):
            self.statements.append(statement)

    def __len__(self):
        return len(self.statements)

    def __iter__(self):
        return iter(self.statements)

    @property
    def count(self):
        """How many statements were sent."""
        return len(self.statements)

    def matching(self, pattern):
        """The statements whose text matches a regular expression (case-insensitive)."""
        return [s for s in self.statements if re.search(pattern, s, re.IGNORECASE)]

    def report(self):
        """The statements, one a line, shortened: for an assertion message."""
        return "\n" + "\n".join(f"{n + 1:3}. {' '.join(s.split())[:200]}" for n, s in enumerate(self.statements))


def engine_of(app):
    """The engine the app's sessions talk to (saas/db.py)."""
    return app.extensions["relais_engine"]


@contextmanager
def count_queries(app, ignore=PLUMBING, kept_pages=False):
    """Record every SQL statement the app's engine executes inside the block.

    Pages are rendered in the block (kept pages off, saas/pagecache.py): the count is the view's work.
    `kept_pages=True` counts what a reader of a kept page costs instead.
    """
    log = QueryLog(ignore)
    engine = engine_of(app)
    was = app.config.get("PAGE_CACHE", True)
    app.config["PAGE_CACHE"] = kept_pages and was

    def listener(conn, cursor, statement, parameters, context, executemany):
        log.record(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", listener)
        app.config["PAGE_CACHE"] = was


@pytest.fixture
def query_counter(app):
    """`with query_counter() as queries:` counts the statements of the app's engine in the block."""

    def _counter(ignore=PLUMBING):
        return count_queries(app, ignore)

    return _counter
