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
from tenants.monitoring.models import ClientSource, CompetitorMention, Keyword, Mention, Source, SourceItem
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
    competitor_id: int | None = None  # a competitor's keyword: its matches are counted apart


def follower_of(keyword):
    """The follower a keyword makes (a competitor's keyword says whose)."""
    return Follower(keyword.agency_id, keyword.client_id, keyword.id, keyword.query, keyword.language,
                    keyword.inflect, keyword.competitor_id)


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
            followers[source_id][keyword.id] = follower_of(keyword)
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


COMPETITOR_FIELDS = ("agency_id", "client_id", "keyword_id", "source_id", "source_kind", "source_name", "item_key",
                     "url", "title", "author", "published_at", "language", "sentiment", "sentiment_score", "created_at")


def mentions_for(source, items, followers):
    """Match the items against the followers' keywords; return mention rows per agency.

    One mention per client and per competitor of that client: an article naming both counts for both. A
    competitor's row carries `competitor_id` (insert_mentions keeps it apart from the client's mentions).
    """
    if not followers:
        return {}
    index = build_index((f.keyword_id, f.query, f.language, f.inflect) for f in followers.values())
    by_agency = defaultdict(list)
    for item in items:
        text = item_text(item)
        fields = {"title": item.title, "author": item.author, "url": item.url, "language": item.language,
                  "source": source.kind}
        details = match_details(index, text, item.language, fields)
        seen = set()
        for keyword_id, spans in details.items():
            follower = followers[keyword_id]
            brand = (follower.client_id, follower.competitor_id)
            if brand in seen:
                continue  # one mention per client (or competitor), credited to the first keyword that matched
            seen.add(brand)
            excerpt, highlights = excerpt_of(item, spans)
            # Score again without the brand's own words: a brand named "Free" or "Ardent" is no praise.
            sentiment = score_sentiment(text, item.language, ignore=brand_words(follower))
            row = {
                "agency_id": follower.agency_id, "client_id": follower.client_id, "keyword_id": keyword_id,
                "source_id": source.id, "source_kind": source.kind, "source_name": source.title or source.key[:300],
                "item_key": item_key(source, item), "url": item.url, "title": item.title, "excerpt": excerpt,
                "highlights": highlights, "author": item.author, "published_at": item.published_at,
                "language": item.language, "sentiment": sentiment.label, "sentiment_score": round(sentiment.score, 4),
                "status": "new", "created_at": utcnow(),
            }
            if follower.competitor_id is not None:
                row = {**{name: row[name] for name in COMPETITOR_FIELDS}, "competitor_id": follower.competitor_id}
            by_agency[follower.agency_id].append(row)
    return by_agency


def _insert(model, rows, conflict):
    if not rows:
        return []
    if db.is_postgres() and len(rows) >= COPY_THRESHOLD:
        return db.copy_insert_ignoring_duplicates(model, rows, conflict, returning="id")
    return db.insert_ignoring_duplicates(model, rows, conflict, returning=[model.id])


def insert_mentions(by_agency):
    """Insert mention rows agency by agency, skipping ones already there; return the count per agency.

    Competitors' rows go to competitor_mentions and announce nothing: no webhook, no inbox, no alert.
    """
    counts = {}
    for agency_id, rows in by_agency.items():
        own = [row for row in rows if "competitor_id" not in row]
        theirs = [row for row in rows if "competitor_id" in row]
        with tenancy.agency_scope(agency_id):
            inserted = _insert(Mention, own, ["agency_id", "client_id", "item_key"])
            if inserted:
                signals.event_happened.send("mention.created", mention_ids=[row[0] for row in inserted])
            counted = _insert(CompetitorMention, theirs, ["agency_id", "competitor_id", "item_key"])
        counts[agency_id] = len(inserted) + len(counted)
    return counts


def ingest(source, items):
    """Store a source's new items and turn the matching ones into mentions; return counts per agency."""
    fresh = store_new_items(source, items)
    source.items_total = (source.items_total or 0) + len(fresh)
    followers = followers_of([source.id]).get(source.id, {})
    return insert_mentions(mentions_for(source, fresh, followers))


BACKFILL_CHUNK = 1000  # items read and matched at a time


def backfill(keyword, source_ids):
    """Match one new keyword against every item its client's sources still hold (their last 30 days: see
    `purge_old_source_items`), a chunk at a time in key order, so a busy feed's oldest items count too and
    its whole month gives the keyword its history (the crisis baseline reads weeks back)."""
    follower = follower_of(keyword)
    total = 0
    for source_id in source_ids:
        source = db.session.get(Source, source_id)
        after = 0
        while True:
            items = db.session.scalars(select(SourceItem).where(SourceItem.source_id == source_id, SourceItem.id > after)
                                       .order_by(SourceItem.id).limit(BACKFILL_CHUNK)).all()
            if not items:
                break
            total += sum(insert_mentions(mentions_for(source, items, {keyword.id: follower})).values())
            after = items[-1].id
            for item in items:
                db.session.expunge(item)  # read once: a month of a busy feed is not held in memory
    return total
