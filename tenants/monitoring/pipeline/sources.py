"""The platform-wide source registry: one row per feed URL or search, fetched once for everyone."""
import re
from datetime import timedelta

from sqlalchemy import and_, select

from saas import db, tenancy
from saas.db import utcnow
from saas.http_errors import describe
from tenants.monitoring.models import FULLTEXT_MARK, ClientSource, MonitoringSettings, Source
from tenants.monitoring.language.query import FIELD_MARKS, Not, Or, Pattern, Term, parse_query

MAX_BACKOFF = timedelta(hours=6)


def register_source(kind, key, url, title=""):
    """Return the source for (kind, key), creating it on first use (shared by every agency)."""
    db.insert_ignoring_duplicates(Source, [{
        "kind": kind, "key": key, "url": url, "title": title, "next_fetch_at": utcnow(), "created_at": utcnow(),
        "interval_seconds": 900, "failures": 0, "items_total": 0,
    }], ["kind", "key"])
    return db.session.scalars(select(Source).where(Source.kind == kind, Source.key == key)).one()


_WORD_AT = re.compile(r'"[^"]*"?|[^\s()"]+')


def _term_text(query_text, position):
    match = _WORD_AT.match(query_text, position)
    term = match.group(0).rstrip("*").strip().lstrip("+") if match else ""
    return term if term.startswith('"') and term.endswith('"') and len(term) > 2 else term.strip('"')


def _searches(node, query_text):
    """What to ask a search service for this part of a query: alternatives of words joined by AND."""
    if isinstance(node, Term):
        # A field (title:, site:...) is checked on what comes back, not asked of the service.
        return [_term_text(query_text, node.position)] if node.kind not in FIELD_MARKS else []
    if isinstance(node, Pattern):
        return [node.text.split("*")[0].split("?")[0]]  # services do not know inner wildcards: ask the start
    if isinstance(node, Not):
        return []
    if isinstance(node, Or):
        return [s for operand in node.operands for s in _searches(operand, query_text)]
    combined = [""]
    for operand in node.operands:
        parts = _searches(operand, query_text)
        if parts:
            combined = [f"{left} {right}".strip() for left in combined for right in parts][:25]
    return combined


def search_terms(query_text, limit=5):
    """The searches run for a keyword on search connectors (the matcher then applies the full query)."""
    query = parse_query(query_text)
    terms = []
    for term in _searches(query.expression, query_text):
        if term and term.lower() not in {t.lower() for t in terms}:
            terms.append(term)
    return terms[:limit]


def fulltext_key(term, instance, settings):
    """The registry key of a client's Mastodon full-text search (made with its agency's token)."""
    return f"{instance}|{term.lower()}|{FULLTEXT_MARK}{settings.agency_id}:{settings.client_id}"


def fulltext_token(source):
    """The access token a Mastodon full-text search source is fetched with (None for any other source)."""
    if not source.full_text:
        return None
    try:
        agency_id, client_id = (int(part) for part in source.key.rsplit(FULLTEXT_MARK, 1)[1].split(":"))
    except ValueError:
        return None
    with tenancy.all_agencies():
        return db.session.scalar(select(MonitoringSettings.mastodon_token).where(
            MonitoringSettings.agency_id == agency_id, MonitoringSettings.client_id == client_id))


def search_key(kind, term, instance=None):
    """The registry key of a search: the same term on the same service is one source."""
    return f"{instance or ''}|{term.lower()}"


def _followed():
    """Sources someone follows. An IN over the followed ids, not a correlated EXISTS: on Citus
    `sources` is a reference table and `client_sources` is distributed, which a correlated
    subquery cannot join (saas/distribution.py); the ids are gathered from every shard first."""
    return Source.id.in_(select(ClientSource.source_id).distinct())


def due_sources(now=None, limit=500):
    """Sources whose next fetch time has come and that someone still follows."""
    now = now or utcnow()
    with tenancy.all_agencies():
        followed = _followed()
        return db.session.scalars(
            select(Source).where(and_(Source.next_fetch_at <= now, followed)).order_by(Source.next_fetch_at).limit(limit)
        ).all()


def is_overdue(source, now=None):
    """A source late by more than two of its intervals: whatever holds its fetch job is stuck."""
    return (now or utcnow()) - source.next_fetch_at > timedelta(seconds=2 * source.interval_seconds)


def overdue_sources(now=None):
    """(id, next_fetch_at) of every followed source late by more than two intervals, most late first."""
    now = now or utcnow()
    with tenancy.all_agencies():
        followed = _followed()
        rows = db.session.execute(
            select(Source.id, Source.next_fetch_at, Source.interval_seconds)
            .where(and_(Source.next_fetch_at <= now, followed)).order_by(Source.next_fetch_at)
        ).all()
    return [(row.id, row.next_fetch_at) for row in rows if is_overdue(row, now)]


def overdue_state(listed=20):
    """The pipeline report's `sources` section (saas/status.py): overdue followed sources, ids only."""
    now = utcnow()
    overdue = overdue_sources(now)
    return {"overdue": len(overdue), "overdue_ids": [source_id for source_id, _ in overdue[:listed]],
            "most_overdue_seconds": round((now - overdue[0][1]).total_seconds()) if overdue else 0}


def overdue_problems(state):
    """The stall that overdue sources tell of, for the pipeline report."""
    return [f"{state['overdue']} source(s) overdue by more than two intervals"] if state["overdue"] else []


def overdue_line(state):
    """The line of `flask status` about overdue sources."""
    ids = ", ".join(str(i) for i in state["overdue_ids"])
    return (f"Sources overdue: {state['overdue']}"
            + (f" (most by {state['most_overdue_seconds']} s; ids {ids})" if state["overdue"] else ""))


def record_success(source, result_status, etag=None, last_modified=None):
    """Note a good fetch: clear the error, keep the validators, plan the next fetch."""
    now = utcnow()
    source.last_fetched_at = source.last_success_at = now
    source.last_status, source.last_error, source.failures = result_status, None, 0
    source.last_error_code = source.last_error_params = None
    source.etag = etag or source.etag
    source.last_modified = last_modified or source.last_modified
    source.next_fetch_at = now + timedelta(seconds=source.interval_seconds)


def record_failure(source, reason, status=None):
    """Note a failed fetch with its reason, and back off (doubling, at most six hours)."""
    now = utcnow()
    source.failures = (source.failures or 0) + 1
    # Stored as a code and its values, put into words where it is shown (agencies of any language share a source).
    message, source.last_error_code, source.last_error_params = describe(reason)
    source.last_fetched_at, source.last_status, source.last_error = now, status, message[:2000]
    delay = timedelta(seconds=source.interval_seconds) * (2 ** min(source.failures, 10))
    source.next_fetch_at = now + min(delay, MAX_BACKOFF)
