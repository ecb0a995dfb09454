"""A client's competitors: brands monitored like the client, for comparison only (the dashboard's share of voice).

A competitor's keywords are keywords (the same query language, matcher, sources and plan limit) marked with
`competitor_id`; what they find goes to `competitor_mentions`, which nothing but the share of voice and the
competitors page (each one's latest mentions, to read what is said about it) reads.
"""
from datetime import timedelta

from sqlalchemy import delete, func, select

from saas import db
from tenants.monitoring import service
from tenants.monitoring.models import ClientSource, Competitor, CompetitorMention, Keyword

MAX_COMPETITORS = 8  # per client: more would not read in a chart
LATEST = 5  # mentions shown per competitor on its panel
RECENT_DAYS = 30  # the window of those mentions and of their count
# Told apart from one another and from the sentiment colours (green, grey, red); the client keeps its own.
PALETTE = ("#7c3aed", "#ea580c", "#0891b2", "#ca8a04", "#db2777", "#4d7c0f", "#475569", "#9333ea")


def competitors_of(client_id):
    """The client's competitors, oldest first, each with its keywords (`competitor.keywords`): two queries."""
    competitors = db.session.scalars(select(Competitor).where(Competitor.client_id == client_id)
                                     .order_by(Competitor.id)).all()
    keywords = db.session.scalars(select(Keyword).where(Keyword.client_id == client_id,
                                                        Keyword.competitor_id.is_not(None))
                                  .order_by(Keyword.id)).all()
    for competitor in competitors:
        competitor.keywords = [k for k in keywords if k.competitor_id == competitor.id]
    return competitors


def latest_mentions(client_id, now, per_competitor=LATEST, days=RECENT_DAYS):
    """What was said lately about each competitor of a client: {competitor id: (mentions in the last `days`
    days, [its newest `per_competitor` mentions, newest first])}, in one query.

    The window reads the client's index on the publication date over `days` days only; the ranking is per
    agency and competitor, so a distributed table answers it on one shard.
    """
    since = now - timedelta(days=days)
    order = (CompetitorMention.published_at.desc(), CompetitorMention.id.desc())
    partition = (CompetitorMention.agency_id, CompetitorMention.competitor_id)
    ranked = (select(CompetitorMention.id.label("id"),
                     func.row_number().over(partition_by=partition, order_by=order).label("rank"),
                     func.count().over(partition_by=partition).label("total"))
              .where(CompetitorMention.client_id == client_id, CompetitorMention.published_at >= since)
              .subquery())
    rows = db.session.execute(select(CompetitorMention, ranked.c.total).join(ranked, ranked.c.id == CompetitorMention.id)
                              .where(ranked.c.rank <= per_competitor).order_by(*order)).all()
    found = {}
    for mention, count in rows:
        found.setdefault(mention.competitor_id, (count, []))[1].append(mention)
    return found


def name_taken(client_id, name, but=None):
    """Tell whether another competitor of the client has this name (case and spaces aside)."""
    query = select(func.count()).select_from(Competitor).where(
        Competitor.client_id == client_id, func.lower(Competitor.name) == name.strip().lower())
    if but is not None:
        query = query.where(Competitor.id != but)
    return bool(db.session.scalar(query))


def count_of(client_id):
    """How many competitors the client has."""
    return db.session.scalar(select(func.count()).select_from(Competitor).where(Competitor.client_id == client_id))


def next_colour(client_id):
    """The first colour of the palette no competitor of the client wears yet."""
    worn = set(db.session.scalars(select(Competitor.color).where(Competitor.client_id == client_id)).all())
    return next((colour for colour in PALETTE if colour not in worn), PALETTE[0])


def create_competitor(client_id, name, color=None):
    """Add a competitor to a client (flushed)."""
    competitor = Competitor(client_id=client_id, name=name, color=color or next_colour(client_id))
    db.session.add(competitor)
    db.session.flush()
    return competitor


def update_competitor(competitor, name, color):
    """Rename a competitor or change its colour."""
    competitor.name, competitor.color = name, color


def add_keyword(competitor, query, language, inflect=True):
    """Monitor a competitor with one more query: searched and matched like the client's own keywords."""
    return service.create_keyword(competitor.client_id, query, language, inflect=inflect, competitor_id=competitor.id)


def count_mentions(competitor=None, keyword=None):
    """How many mentions a competitor (or one of its keywords) found: what removing it deletes."""
    query = select(func.count()).select_from(CompetitorMention)
    if keyword is not None:
        return db.session.scalar(query.where(CompetitorMention.keyword_id == keyword.id))
    return db.session.scalar(query.where(CompetitorMention.competitor_id == competitor.id))


def remove_keyword(keyword):
    """Stop monitoring a competitor's query: the keyword, its searches and the mentions it found go."""
    _delete_keywords(Keyword.id == keyword.id)


def delete_competitor(competitor):
    """Remove a competitor with its keywords, their searches and every mention they found."""
    _delete_keywords(Keyword.competitor_id == competitor.id)
    db.session.execute(delete(CompetitorMention).where(CompetitorMention.competitor_id == competitor.id))
    db.session.execute(delete(Competitor).where(Competitor.id == competitor.id))


def _delete_keywords(which):
    # Statement by statement (not by the database's cascades), so that kept pages see each table change.
    ids = select(Keyword.id).where(which, Keyword.competitor_id.is_not(None)).scalar_subquery()
    db.session.execute(delete(CompetitorMention).where(CompetitorMention.keyword_id.in_(ids)))
    db.session.execute(delete(ClientSource).where(ClientSource.keyword_id.in_(ids)))
    db.session.execute(delete(Keyword).where(Keyword.id.in_(ids)))
