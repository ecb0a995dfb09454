"""From fetched items to mentions: store each item once, match every subscribed keyword at once, fan out.

Cost grows with distinct sources, not with agencies: an item is stored, its language and
sentiment computed, and it is scanned by one automaton holding the keywords of every
agency that follows the source. Mentions are then inserted per agency (with that agency
set, so row-level security checks every row), skipping duplicates, in the job's transaction.
"""
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select

from saas import db, signals, tenancy
from saas.db import utcnow
from tenants.monitoring.language.detect import detect_language
from tenants.monitoring.language.matcher import build_index, match_details
from tenants.monitoring.models import Keyword, Mention, Source, SourceItem, ClientSource
from tenants.monitoring.language.sentiment import score_sentiment
from tenants.monitoring.pipeline.sources import search_terms

EXCERPT_CHARS = 320
COPY_THRESHOLD = 200  # from this many rows, COPY through a staging table beats a multi-row INSERT


@dataclass(frozen=True)
class Follower:
    """One keyword of one agency's client that watches a source."""

    agency_id: int
    client_id: int
    keyword_id: int
    query: str
    language: str | None
    inflect: bool = True


def item_text(item):
    """The text matched and classified: the title, then the body."""
    return f"{item.title}\n{item.text}".strip() if item.title else item.text


def store_new_items(source, items):
    """Insert the items not seen before from this source; return them as SourceItem rows."""
    rows = []
    for item in items:
        text = item_text(item)
        language = item.language or detect_language(text)
        sentiment = score_sentiment(text, language)
        rows.append({
            "source_id": source.id, "external_id": item.external_id[:255], "url": item.url,
            "title": item.title[:500], "text": item.text, "author": (item.author or "")[:200] or None,
            "published_at": item.published or utcnow(), "language": language,
            "sentiment": sentiment.label, "sentiment_score": round(sentiment.score, 4), "fetched_at": utcnow(),
        })
    inserted = db.insert_ignoring_duplicates(SourceItem, rows, ["source_id", "external_id"],
                                             returning=[SourceItem.external_id])
    fresh = {row.external_id for row in inserted}
    return [SourceItem(**row) for row in rows if row["external_id"] in fresh]


def followers_of(source_ids):
    """Every active keyword that watches these sources, across agencies (explicit opt-out)."""
    with tenancy.all_agencies():
        rows = db.session.execute(
            select(ClientSource.source_id, ClientSource.keyword_id, Keyword)
            .join(Keyword, (Keyword.agency_id == ClientSource.agency_id) & (Keyword.client_id == ClientSource.client_id))
            .where(ClientSource.source_id.in_(source_ids), Keyword.active.is_(True))
        ).all()
    followers = defaultdict(dict)
    for source_id, subscribed_keyword, keyword in rows:
        if subscribed_keyword is None or subscribed_keyword == keyword.id:  # feeds: every keyword of the client
            followers[source_id][keyword.id] = Follower(keyword.agency_id, keyword.client_id, keyword.id,
                                                        keyword.query, keyword.language, keyword.inflect)
    return followers


def excerpt_around(text, spans, width=EXCERPT_CHARS):
    """Cut an excerpt around the first match; return it with the spans shifted into it."""
    if len(text) <= width or not spans:
        return text[:width], [[s, e] for s, e in spans if e <= width]
    first = min(start for start, _ in spans)
    begin = max(0, min(first - width // 3, len(text) - width))
    end = begin + width
    prefix = "…" if begin else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - begin
    kept = [[s + shift, e + shift] for s, e in spans if s >= begin and e <= end]
    return prefix + text[begin:end] + suffix, kept


@lru_cache(maxsize=4096)
def _terms_of(query):
    return tuple(term.strip('"') for term in search_terms(query))


def brand_words(follower):
    """The words of a keyword that name the brand (left out of its mentions' sentiment)."""
    return _terms_of(follower.query)


def excerpt_of(item, spans):
    """The excerpt of an item's body (its title is shown apart), with the body's matches highlighted."""
    offset = len(item.title) + 1 if item.title else 0
    body = (item_text(item))[offset:]
    body_spans = [(start - offset, end - offset) for start, end in spans if start >= offset]
    return excerpt_around(body, body_spans)


def item_key(source, item):
    """The key that makes a mention unique for a client: the URL when there is one."""
    basis = item.url or f"{source.kind}:{source.id}:{item.external_id}"
    return hashlib.sha256(basis.encode()).hexdigest()[:40]


def mentions_for(source, items, followers):
    """Match the items against the followers' keywords; return mention rows per agency."""
    if not followers:
        return {}
    index = build_index((f.keyword_id, f.query, f.language, f.inflect) for f in followers.values())
    by_agency = defaultdict(list)
    for item in items:
        text = item_text(item)
        fields = {"title": item.title, "author": item.author, "url": item.url, "language": item.language,
                  "source": source.kind}
        details = match_details(index, text, item.language, fields)
        seen_clients = set()
        for keyword_id, spans in details.items():
            follower = followers[keyword_id]
            if follower.client_id in seen_clients:
                continue  # one mention per client, credited to the first keyword that matched
            seen_clients.add(follower.client_id)
            excerpt, highlights = excerpt_of(item, spans)
            # Score again without the brand's own words: a brand named "Free" or "Ardent" is no praise.
            sentiment = score_sentiment(text, item.language, ignore=brand_words(follower))
            by_agency[follower.agency_id].append({
                "agency_id": follower.agency_id, "client_id": follower.client_id, "keyword_id": keyword_id,
                "source_id": source.id, "source_kind": source.kind, "source_name": source.title or source.key[:300],
                "item_key": item_key(source, item), "url": item.url, "title": item.title, "excerpt": excerpt,
                "highlights": highlights, "author": item.author, "published_at": item.published_at,
                "language": item.language, "sentiment": sentiment.label, "sentiment_score": round(sentiment.score, 4),
                "status": "new", "created_at": utcnow(),
            })
    return by_agency


def insert_mentions(by_agency):
    """Insert mention rows agency by agency, skipping ones already there; return the count per agency."""
    counts = {}
    for agency_id, rows in by_agency.items():
        conflict = ["agency_id", "client_id", "item_key"]
        with tenancy.agency_scope(agency_id):
            if db.is_postgres() and len(rows) >= COPY_THRESHOLD:
                inserted = db.copy_insert_ignoring_duplicates(Mention, rows, conflict, returning="id")
            else:
                inserted = db.insert_ignoring_duplicates(Mention, rows, conflict, returning=[Mention.id])
            if inserted:
                signals.event_happened.send("mention.created", mention_ids=[row[0] for row in inserted])
        counts[agency_id] = len(inserted)
    return counts


def ingest(source, items):
    """Store a source's new items and turn the matching ones into mentions; return counts per agency."""
    fresh = store_new_items(source, items)
    source.items_total = (source.items_total or 0) + len(fresh)
    followers = followers_of([source.id]).get(source.id, {})
    return insert_mentions(mentions_for(source, fresh, followers))


def backfill(keyword, source_ids):
    """Match one new keyword against the items already stored for its client's sources."""
    follower = Follower(keyword.agency_id, keyword.client_id, keyword.id, keyword.query, keyword.language,
                        keyword.inflect)
    total = 0
    for source_id in source_ids:
        source = db.session.get(Source, source_id)
        items = db.session.scalars(
            select(SourceItem).where(SourceItem.source_id == source_id).order_by(SourceItem.published_at.desc()).limit(2000)
        ).all()
        total += sum(insert_mentions(mentions_for(source, items, {keyword.id: follower})).values())
    return total
