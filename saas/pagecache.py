"""Signed-in pages kept once rendered, until a table they read changes: the versions of what was read.

A crisis brings every member of an agency and its client's guests onto the same few pages at once,
and a page of 500 cards costs some twenty times the cheapest request to render. So a page a view
marks `@cached_page` is rendered once, then served again to the same person as long as nothing it
showed can have changed:

- **What a page read.** While the view runs, every SQL statement's tables are noted (the compiled
  statement's tables, subqueries included). A statement of raw SQL, a write, a change to the Flask
  session, a flashed message or an answer other than a 200 HTML page: nothing is kept.
- **What changed since.** Every write to the database, wherever it comes from (a request, an RQ
  job, the scheduler, SQLAlchemy's ORM, Core or raw SQL), counts a new version of its table once its
  transaction has committed: in the agency's versions when it wrote a tenant table under that
  agency, in the platform's versions otherwise (a person's name, a write across agencies, a
  statement whose table cannot be told: every table). Versions live in Redis, one hash per agency
  and one for the platform, under an epoch that a restarted or emptied Redis changes.
- **Before the view reads**, the versions are read (one round trip); the page is kept with the
  versions of the tables it read. A write that commits after that read moves a version the next
  reader sees; a write that committed before it is in what the view reads.
- **Who reads.** The key holds the person, their membership and role, the language, the agency's
  time zone, the address with its query, htmx's headers and what the layout shows of their other
  agencies and of the agency's subscription (read with the session, before the view). Keys never
  mix people, let alone agencies.
- **Time.** A kept page is served at most PAGE_CACHE_SECONDS (30) after it was rendered: what a
  page computes from the clock ("3 minutes ago", a trial's days left) is at most that late.

Each web process keeps its own pages (PAGE_CACHE_BYTES, 64 MB, the least recently used go first).
Without Redis nothing is kept or served (the versions could not be trusted). The CSRF token of the
request that rendered the page is masked and each reader's own is put back.
"""
import logging
import os
import re
import threading
import time
import uuid
from collections import OrderedDict
from contextvars import ContextVar
from functools import wraps

from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import escape
from redis import Redis
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import TextualSelect
from sqlalchemy.sql.util import find_tables

from saas import tenancy

log = logging.getLogger("relais.pagecache")

PLATFORM = "platform"  # the versions of writes that belong to no one agency
EVERY_TABLE = "*"  # a write whose table could not be told
CSRF_MARK = "relais-page-csrf-7d2e91b4"
EPOCH_KEY = "relais:pages:epoch"
_WRITE = re.compile(r"^\s*(insert\s+into|update|delete\s+from|truncate(?:\s+table)?|copy|merge\s+into)\s+"
                    r"(?:only\s+)?\"?(\w+)\"?", re.IGNORECASE)
_READ_ONLY = ("select", "set", "show", "begin", "savepoint", "release", "explain", "pragma", "commit", "rollback")

_reading: ContextVar = ContextVar("relais_page_reading", default=None)
_local = threading.local()  # writes committed by this thread, not yet counted
_tenant_tables = None


# --- Writes: counted once committed ---------------------------------------------------------------------------

def _is_tenant_table(name):
    global _tenant_tables
    if _tenant_tables is None:
        from saas import db

        _tenant_tables = frozenset(t.name for t in db.Base.metadata.tables.values() if "agency_id" in t.c)
    return name in _tenant_tables


def _written_table(statement, context):
    """The table a statement writes, EVERY_TABLE when it writes but which cannot be told, None when it reads."""
    if context is not None and getattr(context, "compiled", None) is not None and context.compiled.statement is not None:
        if context.isinsert or context.isupdate or context.isdelete:
            return getattr(context.compiled.statement.table, "name", EVERY_TABLE)
        compiled = context.compiled.statement
        if getattr(compiled, "is_select", False):
            return None
    head = statement.lstrip()[:10].lower()
    if head.startswith(_READ_ONLY):
        return None
    found = _WRITE.match(statement)
    return found.group(2).lower() if found else EVERY_TABLE


@event.listens_for(Engine, "before_cursor_execute")
def _note_statement(conn, cursor, statement, parameters, context, executemany):
    table = _written_table(statement, context)
    reading = _reading.get()
    if table is not None:
        agency = tenancy.current_agency_id()
        mine = agency is not None and not tenancy.spans_all_agencies() and _is_tenant_table(table)
        scope = agency if mine else PLATFORM
        conn.info.setdefault("relais_written", set()).add((scope, table))
        if reading is not None:
            reading.writes = True
        return
    if reading is not None:
        compiled = getattr(context, "compiled", None) if context is not None else None
        read = None if compiled is None else compiled.statement
        if read is None or not getattr(read, "is_select", False) or isinstance(read, TextualSelect):
            reading.unknown = True  # raw SQL: which tables it read cannot be told
        else:
            reading.tables.update(t.name for t in find_tables(read)
                                  if getattr(t, "name", None))


@event.listens_for(Engine, "commit")
def _committing(conn):
    written = conn.info.pop("relais_written", None)
    if written:
        pending = getattr(_local, "pending", None)
        if pending is None:
            pending = _local.pending = set()
        pending.update(written)


@event.listens_for(Engine, "rollback")
def _rolled_back(conn):
    conn.info.pop("relais_written", None)


@event.listens_for(Session, "after_commit")
def _after_session_commit(session):
    count_pending()


@event.listens_for(Engine, "engine_connect")
def _connection_opened(conn):
    # A connection of the engine's own (engine.begin()) whose commit was not the ORM session's: counted here
    # at the latest, when the thread opens its next connection.
    if getattr(_local, "pending", None):
        count_pending()


def count_pending():
    """Count a new version of every table this thread's committed transactions wrote (after the commit)."""
    pending = getattr(_local, "pending", None)
    if not pending:
        return
    _local.pending = set()
    try:
        connection = _redis()
        if connection is None:
            return
        pipe = connection.pipeline(transaction=False)
        for scope, table in pending:
            pipe.hincrby(_versions_key(scope), table, 1)
        pipe.execute()
    except Exception as exc:  # the pages read then are at most PAGE_CACHE_SECONDS late
        log.warning("page versions not counted (%s: %s)", type(exc).__name__, exc)
        _broken()


# --- Redis ---------------------------------------------------------------------------------------------------

_connections = {}
_down_until = [0.0]


def _redis():
    """A Redis connection with short timeouts (a page never waits on its cache), None for a while after a failure."""
    if time.monotonic() < _down_until[0]:
        return None
    from saas.jobs import redis_url

    url = redis_url()
    if not url:
        return None
    key = (url, os.getpid())
    if key not in _connections:
        _connections[key] = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    return _connections[key]


def _broken():
    _down_until[0] = time.monotonic() + 5


def retry_redis_now():
    """End the pause after a Redis failure at once (a test that stopped Redis leaves none to the next)."""
    _down_until[0] = 0.0


def _versions_key(scope):
    return f"relais:pages:v:{scope}"


def _read_versions(agency_id):
    """(epoch, agency's versions, platform's versions) as they are now; None without Redis."""
    connection = _redis()
    if connection is None:
        return None
    try:
        pipe = connection.pipeline(transaction=False)
        pipe.get(EPOCH_KEY).hgetall(_versions_key(agency_id)).hgetall(_versions_key(PLATFORM))
        epoch, mine, platform = pipe.execute()
        if epoch is None:
            connection.set(EPOCH_KEY, uuid.uuid4().hex, nx=True)
            epoch = connection.get(EPOCH_KEY)
    except Exception as exc:
        log.warning("page versions not read (%s: %s)", type(exc).__name__, exc)
        _broken()
        return None
    return epoch, mine, platform


def _versions_of(tables, mine, platform):
    every = (platform.get(EVERY_TABLE.encode(), b"0"), mine.get(EVERY_TABLE.encode(), b"0"))
    return every + tuple((mine.get(t.encode(), b"0"), platform.get(t.encode(), b"0")) for t in tables)


# --- The kept pages ------------------------------------------------------------------------------------------

class _Reading:
    __slots__ = ("tables", "writes", "unknown")

    def __init__(self):
        self.tables, self.writes, self.unknown = set(), False, False


class _Kept:
    """The pages of one process, least recently used first, within a byte budget."""

    def __init__(self):
        self._pages, self._bytes, self._lock = OrderedDict(), 0, threading.Lock()

    def get(self, key):
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key, page, budget):
        size = len(page[3])
        if size > budget // 4:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self._bytes -= len(old[3])
            self._pages[key] = page
            self._bytes += size
            while self._bytes > budget and self._pages:
                _key, dropped = self._pages.popitem(last=False)
                self._bytes -= len(dropped[3])

    def clear(self):
        with self._lock:
            self._pages.clear()
            self._bytes = 0


kept = _Kept()


def _reader_key():
    """Everything besides the data that the page shows: who reads, how, and at which address."""
    from saas.i18n import agency_zone
    from saas.web import agency_memberships

    membership, agency = g.membership, g.agency
    subscription = g.get("agency_subscription")
    others = tuple((a.id, a.name, a.slug, m.role) for m, a, _s in agency_memberships(current_user))
    billing = None if subscription is None else tuple(
        getattr(subscription, name, None) for name in
        ("plan", "status", "trial_ends_at", "current_period_end", "cancel_at_period_end", "past_due_since",
         "invoice_status", "invoice_at"))
    htmx = tuple(sorted((k, v) for k, v in request.headers.items() if k.lower().startswith("hx-")))
    return (agency.id, agency.name, agency.color, agency.logo_updated_at, membership.id, membership.role, membership.pole, current_user.id,
            current_user.name, current_user.email, current_user.locale, str(get_locale()), agency_zone().key, request.host_url,
            request.full_path, request.headers.get("Accept", ""), htmx, others, billing)


def _usable():
    return (request.method == "GET" and current_app.config.get("PAGE_CACHE", True)
            and g.get("agency") is not None and g.get("membership") is not None
            and current_user.is_authenticated and "_flashes" not in session)


def _layout_tables():
    """The tables the session's query read before the view: the person, their agencies, memberships and the
    agency's subscription (saas.web.load_user). A page shows them, so their changes count too; the session
    record itself (its last-seen time) does not show."""
    from saas.auth.models import Agency, Membership, User
    from saas.web import AGENCY_ROWS

    extra = AGENCY_ROWS.get("model")
    return [User.__tablename__, Agency.__tablename__, Membership.__tablename__] + (
        [] if extra is None else [extra.__tablename__])


def _session_state():
    """The Flask session but for the CSRF token (generated on a first page, masked in kept pages)."""
    return {k: v for k, v in session.items() if k != "csrf_token"}


def cached_page(view):
    """Keep the view's page until a table it read changes (see the module's docstring)."""

    @wraps(view)
    def serve(*args, **kwargs):
        if not _usable():
            return view(*args, **kwargs)
        versions = _read_versions(g.agency.id)
        if versions is None:
            return view(*args, **kwargs)
        epoch, mine, platform = versions
        key = _reader_key()
        page = kept.get(key)
        now = time.monotonic()
        if page is not None:
            page_epoch, tables, seen, body, headers, until = page
            if page_epoch == epoch and now < until and seen == _versions_of(tables, mine, platform):
                return _answer(body, headers)
        reading, before = _Reading(), _session_state()
        reading.tables.update(_layout_tables())  # read with the session, before the view (saas/web.py)
        token = _reading.set(reading)
        try:
            response = current_app.make_response(view(*args, **kwargs))
        finally:
            _reading.reset(token)
        log.debug("page %s: status %s, writes %s, raw SQL %s, session changed %s", request.path, response.status_code,
                  reading.writes, reading.unknown, _session_state() != before)
        if (response.status_code == 200 and response.mimetype == "text/html" and not response.direct_passthrough
                and not reading.writes and not reading.unknown and _session_state() == before
                and "Set-Cookie" not in response.headers):
            tables = tuple(sorted(reading.tables))
            body = response.get_data(as_text=True)
            csrf = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
            if csrf:
                body = body.replace(str(escape(csrf)), CSRF_MARK)
            headers = [(k, v) for k, v in response.headers.items() if k.lower() not in ("content-length", "set-cookie")]
            seconds = current_app.config.get("PAGE_CACHE_SECONDS", 30)
            kept.put(key, (epoch, tables, _versions_of(tables, mine, platform), body, headers, now + seconds),
                     current_app.config.get("PAGE_CACHE_BYTES", 64 * 1024 * 1024))
        return response

    serve.cached_page = True
    return serve


def _answer(body, headers):
    from flask_wtf.csrf import generate_csrf

    if CSRF_MARK in body:
        body = body.replace(CSRF_MARK, str(escape(generate_csrf())))
    return current_app.response_class(body, headers=headers)
