"""What explains a window: its mentions, who wrote them and where, the terms they use, the chart.

These read mentions, so the detector only calls them for a window that could fire.
"""
import math
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from saas import db
from tenants.crisis.buckets import from_epoch, load_range, to_epoch
from tenants.crisis.baseline import DAY, STEP, WEEK, WINDOW
from tenants.crisis.detector import HIGH_REACH_KINDS, Audience, history_points
from tenants.monitoring.language import lexicons
from tenants.monitoring.language.detect import post_words
from tenants.monitoring.models import Keyword, Mention

MAX_WINDOW_MENTIONS = 5000
AUTHOR_MEMORY = timedelta(days=28)
SAMPLES = 6
TERMS = 8
MIN_BACKGROUND = 20
CHART_HOURS = 24


def window_mentions(client_id, keyword_id, t):
    """The mentions of the hour before t for a client (or one keyword), newest first."""
    query = select(Mention).where(Mention.client_id == client_id, Mention.published_at >= from_epoch(t - WINDOW),
                                  Mention.published_at < from_epoch(t))
    if keyword_id is not None:
        query = query.where(Mention.keyword_id == keyword_id)
    return db.session.scalars(query.order_by(Mention.published_at.desc(), Mention.id.desc())
                              .limit(MAX_WINDOW_MENTIONS)).all()


def author_key(author):
    """How authors are compared: trimmed and case-folded."""
    return (author or "").strip().casefold()


def known_authors(client_id, authors, before):
    """Which of these authors already wrote about the client in the weeks before `before`."""
    if not authors:
        return set()
    rows = db.session.scalars(
        select(func.lower(func.trim(Mention.author))).where(
            Mention.client_id == client_id, Mention.published_at >= before - AUTHOR_MEMORY,
            Mention.published_at < before, func.lower(func.trim(Mention.author)).in_(sorted(authors))).distinct()
    ).all()
    return set(rows)


def audience_of(mentions, client_id, t):
    """Reach and newness of the people who wrote the window's mentions."""
    authors = {author_key(m.author) for m in mentions if author_key(m.author)}
    known = known_authors(client_id, authors, from_epoch(t - WINDOW))
    sources = {(m.source_kind, m.source_name or m.source_kind) for m in mentions}
    return Audience(mentions=len(mentions), high_reach=sum(m.source_kind in HIGH_REACH_KINDS for m in mentions),
                    sources=len(sources), authors=len(authors), new_authors=len(authors - known))


def brand_words(client_id):
    """The words of the client's own keywords (they say nothing about what the crisis is about)."""
    queries = db.session.scalars(select(Keyword.query).where(Keyword.of_client(client_id))).all()
    return {word for query in queries for word in post_words(query)}


def background_texts(client_id, keyword_id, t, limit=2000):
    """Titles and excerpts of the series' mentions of the week before the window (what is usual to say)."""
    query = select(Mention.title, Mention.excerpt).where(
        Mention.client_id == client_id, Mention.published_at >= from_epoch(t - WEEK),
        Mention.published_at < from_epoch(t - WINDOW))
    if keyword_id is not None:
        query = query.where(Mention.keyword_id == keyword_id)
    return [f"{title} {excerpt}" for title, excerpt in db.session.execute(
        query.order_by(Mention.published_at.desc()).limit(limit)).all()]


def term_counts(texts, stop):
    """In how many texts each meaningful word appears."""
    counts = Counter()
    for text in texts:
        counts.update({w.strip("'") for w in post_words(text)} - stop)
    return Counter({word: n for word, n in counts.items() if len(word) > 2})


def top_terms(mentions, background, exclude, limit=TERMS):
    """The words the window's mentions use far more than the week before (frequent and brand words left out)."""
    stop = set().union(*lexicons.language_words().values()) | exclude | {"or", "not", "and"}
    window = term_counts((f"{m.title} {m.excerpt}" for m in mentions), stop)
    usual = term_counts(background, stop)
    size, usual_size = max(len(mentions), 1), len(background)

    def lift(word):
        return (window[word] / size) / ((usual[word] + 1) / (usual_size + 1))

    # Without a week of history to compare with, the most frequent words are the best guess.
    standing = [w for w, n in window.items() if n > 1 and (usual_size < MIN_BACKGROUND or lift(w) >= 2)]
    ranked = sorted(standing, key=lambda w: (-window[w] * math.log(max(lift(w), 1.0001)), w))
    return [[word, window[word]] for word in ranked[:limit]]


def top_sources(mentions, limit=5):
    """Where the window's mentions come from, most first."""
    counts = Counter((m.source_name or m.source_kind, m.source_kind) for m in mentions)
    return [[name, kind, n] for (name, kind), n in counts.most_common(limit)]


def sample_mentions(mentions, limit=SAMPLES):
    """The mentions to read first: negative ones, then those from far-reaching sources, newest first."""
    def rank(m):
        return (m.current_sentiment != "negative", m.source_kind not in HIGH_REACH_KINDS)

    return sorted(mentions, key=rank)[:limit]


def chart_points(client_id, keyword_id, series_start, t, sensitivity):
    """The last day's rolling hourly volume every 15 minutes, with the baseline median and band."""
    lo = t - CHART_HOURS * 3600 - 4 * WEEK - DAY
    counts = load_range(client_id, keyword_id, lo, t)
    ends = range(t - CHART_HOURS * 3600 + STEP, t + STEP, STEP)
    return history_points(counts, series_start, ends, sensitivity)


def build_evidence(rule, m, parts, score, mentions, t, kind="crisis"):
    """Everything an alert shows to explain itself, as JSON."""
    series_start = to_epoch(rule.series_start) if rule.series_start else None
    return {
        "kind": kind, "t": t, "window": [t - WINDOW, t], "mode": m.mode, "samples": m.samples, "score": score,
        "sensitivity": rule.sensitivity, "min_volume": rule.min_volume,
        "parts": {name: part.as_dict() for name, part in parts.items()},
        "top_terms": top_terms(mentions, background_texts(rule.client_id, rule.keyword_id, t),
                               brand_words(rule.client_id)),
        "top_sources": top_sources(mentions),
        "sample_ids": [mention.id for mention in sample_mentions(mentions)],
        "chart": chart_points(rule.client_id, rule.keyword_id, series_start, t, rule.sensitivity),
    }
