"""Count the SQL statements a block of code sends (query budgets of pages, asserted by tests).

    with count_queries(app) as statements:
        client.get(url)
    assert len(statements) <= 5

Every statement the app's engine executes is counted except the row-level security setting
sent at the start of each transaction (`set_config('app.agency_id', ...)`, saas/tenancy.py):
it is not a query for data, and it is sent whatever the page.
"""
from contextlib import contextmanager

from sqlalchemy import event

TENANCY_SETTING = "set_config('app.agency_id'"


@contextmanager
def count_queries(app, include_tenancy=False):
    """Collect the SQL text of every statement run in the block (a list, filled as they run)."""
    statements = []

    def collect(conn, cursor, statement, parameters, context, executemany):
        if include_tenancy or TENANCY_SETTING not in statement:
            statements.append(statement)

    engine = app.extensions["relais_engine"]
    event.listen(engine, "before_cursor_execute", collect)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", collect)
