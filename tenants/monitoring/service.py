"""Monitoring operations inside one agency: keywords, a client's sources, subscriptions."""
import re
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import delete, func, select

from saas import db
from saas.db import utcnow
from saas.signals import mentions_changed
from tenants.monitoring.models import SEARCH_CONNECTORS, ClientSource, Keyword, Mention, MonitoringSettings, Source
from tenants.monitoring.language.query import QueryError, parse_query
from tenants.monitoring.pipeline.sources import fulltext_key, register_source, search_key, search_terms

MAX_KEYWORDS_PER_CLIENT = 100


def active_keywords_query():
    """Active keywords of the current agency (paused ones do not count): the plan's count."""
    return select(func.count()).select_from(Keyword).where(Keyword.active.is_(True))


def check_query(text):
    """Return why a keyword query is refused (pointing at the mistake), or None."""
    try:
        parse_query(text)
    except QueryError as exc:
        return str(exc)
    return None


def keywords_of(client_id, archived=False):
    """A client's own keywords (or its archived ones), newest first; its competitors' are not among them."""
    shown = Keyword.archived_at.is_not(None) if archived else Keyword.archived_at.is_(None)
    return db.session.scalars(select(Keyword).where(Keyword.of_client(client_id), shown)
                              .order_by(Keyword.id.desc())).all()


def keyword_taken(client_id, query):
    """The keyword of the client or of one of its competitors with exactly this query (archived included), or None."""
    return db.session.scalars(select(Keyword).where(Keyword.client_id == client_id, Keyword.query == query)).first()


def settings_of(client_id):
    """The client's connector settings (created with defaults on first use)."""
    settings = db.session.scalars(select(MonitoringSettings).where(MonitoringSettings.client_id == client_id)).first()
    if settings is None:
        settings = MonitoringSettings(client_id=client_id,
                                      connectors=list(current_app.config["MONITORING_DEFAULT_CONNECTORS"]),
                                      mastodon_instances=["mastodon.social"])
        db.session.add(settings)
        db.session.flush()
    return settings


def create_keyword(client_id, query, language, inflect=True, competitor_id=None):
    """Add a keyword to a client (or to one of its competitors) and subscribe it to the client's search connectors."""
    keyword = Keyword(client_id=client_id, query=query, language=language or None, inflect=inflect, active=True,
                      backfill_state="pending", competitor_id=competitor_id)
    db.session.add(keyword)
    db.session.flush()
    subscribe_searches(keyword, settings_of(client_id))
    return keyword


def subscribe_searches(keyword, settings):
    """Make sure every search this keyword needs is registered and followed.

    With the agency's Mastodon access token, the client's first Mastodon server is also searched in full
    text: a source of this client's own (its key names the agency and the client), since the token is theirs.
    """
    from tenants.monitoring.pipeline.connectors import mastodon_search_url, search_url

    overrides = current_app.config["SEARCH_API_BASES"]
    for kind in settings.connectors:
        instances = settings.mastodon_instances if kind == "mastodon" else [None]
        for instance in instances:
            base = overrides.get(kind) or instance
            for term in search_terms(keyword.query):
                source = register_source(kind, search_key(kind, term, instance), search_url(kind, term, base),
                                         title=term)
                _subscribe(keyword.client_id, source.id, keyword.id)
                if kind == "mastodon" and instance == settings.search_instance:
                    url = mastodon_search_url(term, base if "://" in base else f"https://{base}")
                    source = register_source(kind, fulltext_key(term, instance, settings), url, title=term)
                    _subscribe(keyword.client_id, source.id, keyword.id)


def _subscribe(client_id, source_id, keyword_id=None):
    exists_already = db.session.scalar(select(func.count()).select_from(ClientSource).where(
        ClientSource.client_id == client_id, ClientSource.source_id == source_id,
        ClientSource.keyword_id.is_(None) if keyword_id is None else ClientSource.keyword_id == keyword_id))
    if not exists_already:
        db.session.add(ClientSource(client_id=client_id, source_id=source_id, keyword_id=keyword_id))
        db.session.flush()


def set_keyword_active(keyword, active):
    """Pause or resume a keyword."""
    keyword.active = active


def archive_keyword(keyword):
    """Archive a keyword: it stops matching and counting in the plan, its searches stop; its mentions stay."""
    keyword.archived_at, keyword.active = utcnow(), False
    db.session.execute(delete(ClientSource).where(ClientSource.keyword_id == keyword.id))


def restore_keyword(keyword, active=True):
    """Bring an archived keyword back (active, or paused when the plan is full) with its searches."""
    keyword.archived_at, keyword.active = None, active
    db.session.flush()
    subscribe_searches(keyword, settings_of(keyword.client_id))


def count_mentions(keyword):
    """How many mentions a keyword found (what deleting it for good deletes)."""
    return db.session.scalar(select(func.count()).select_from(Mention).where(Mention.keyword_id == keyword.id))


def delete_keyword(keyword):
    """Delete an archived keyword for good, with its search subscriptions and the mentions it found."""
    if keyword.archived_at is None:
        raise ValueError("only an archived keyword is deleted")
    first, last = db.session.execute(select(func.min(Mention.published_at), func.max(Mention.published_at))
                                     .where(Mention.keyword_id == keyword.id)).one()
    client_id = keyword.client_id
    db.session.delete(keyword)
    db.session.flush()
    if first is not None:
        mentions_changed.send(client_id, first=first, last=last)


KEEP_TOKEN = object()  # update_connectors: leave the saved Mastodon token as it is


def update_connectors(client_id, connectors, instances, token=KEEP_TOKEN):
    """Choose a client's search connectors (and its Mastodon token: a new one, None to forget it, or
    KEEP_TOKEN); re-subscribe its keywords accordingly."""
    settings = settings_of(client_id)
    settings.connectors = [c for c in SEARCH_CONNECTORS if c in connectors]
    settings.mastodon_instances = instances
    if token is not KEEP_TOKEN:
        settings.mastodon_token = token
    db.session.execute(delete(ClientSource).where(ClientSource.client_id == client_id,
                                                  ClientSource.keyword_id.is_not(None)))
    searching = select(Keyword).where(Keyword.client_id == client_id, Keyword.archived_at.is_(None))
    for keyword in db.session.scalars(searching.order_by(Keyword.id)):  # its competitors' keywords too
        subscribe_searches(keyword, settings)


GOOGLE_NEWS = "https://news.google.com/rss/search"
GOOGLE_NEWS_EDITIONS = {"fr": {"hl": "fr", "gl": "FR", "ceid": "FR:fr"}, "en": {"hl": "en-GB", "gl": "GB", "ceid": "GB:en"}}
_YOUTUBE_CHANNEL = re.compile(r"^https?://(?:www\.|m\.)?youtube\.com/channel/(UC[\w-]{10,40})/?(?:[?#].*)?$")
_YOUTUBE_PLAYLIST = re.compile(r"^https?://(?:www\.|m\.)?youtube\.com/playlist\?(?:.*&)?list=([\w-]{10,64})")


def feed_address(url):
    """Return the feed of a page that has a known one: a YouTube channel or playlist gives its videos feed."""
    if match := _YOUTUBE_CHANNEL.match(url):
        return f"https://www.youtube.com/feeds/videos.xml?channel_id={match.group(1)}"
    if match := _YOUTUBE_PLAYLIST.match(url):
        return f"https://www.youtube.com/feeds/videos.xml?playlist_id={match.group(1)}"
    return url


def follow_google_news(keyword, limit=3):
    """Follow the Google News search feed of each search of a keyword (in its language, French by default)."""
    edition = GOOGLE_NEWS_EDITIONS.get(keyword.language or "fr")
    followed = []
    for term in search_terms(keyword.query, limit=limit):
        url = f"{GOOGLE_NEWS}?{urlencode({'q': term, **edition})}"
        followed.append(follow_feed(keyword.client_id, url, title=f"Google News: {term}"))
    return followed


def follow_feed(client_id, url, title=""):
    """Subscribe a client to a feed (the feed is registered once for the whole platform)."""
    url = feed_address(url)
    source = register_source("rss", url, url, title)
    _subscribe(client_id, source.id)
    return source


def unfollow_feed(client_id, source_id):
    """Stop following a feed for this client; return the feed (None when it was not followed).

    The platform keeps the feed and the agency keeps its mentions: following it again restores it.
    """
    removed = db.session.execute(delete(ClientSource).where(ClientSource.client_id == client_id,
                                                            ClientSource.source_id == source_id,
                                                            ClientSource.keyword_id.is_(None))).rowcount
    return db.session.get(Source, source_id) if removed else None


def sources_of(client_id):
    """The sources a client follows (feeds and searches), with their status."""
    source_ids = select(ClientSource.source_id).where(ClientSource.client_id == client_id)
    return db.session.scalars(select(Source).where(Source.id.in_(source_ids)).order_by(Source.kind, Source.key)).all()


FETCH_NOW_SECONDS = 60  # "Fetch now" at most once a minute per source: it is shared by every agency
HEALTH_DAYS = 7


def fetch_now(client_id, source_id):
    """Make a source the client follows due at once; return it, or raise Conflict if fetched a moment ago."""
    from datetime import timedelta

    from saas.domain import Conflict, NotFound
    from flask_babel import lazy_gettext as _l

    followed = select(ClientSource.source_id).where(ClientSource.client_id == client_id,
                                                    ClientSource.source_id == source_id)
    source = db.session.scalars(select(Source).where(Source.id.in_(followed))).first()
    if source is None:
        raise NotFound()
    now = utcnow()
    if source.last_fetched_at and now - source.last_fetched_at < timedelta(seconds=FETCH_NOW_SECONDS):
        raise Conflict(_l("This source was fetched less than a minute ago: try again in a moment."))
    source.next_fetch_at = now
    return source


def items_per_day(source_ids):
    """Items each source brought per day over the last week (platform-wide counts, no tenant data)."""
    from datetime import timedelta

    from tenants.monitoring.models import SourceItem

    if not source_ids:
        return {}
    since = utcnow() - timedelta(days=HEALTH_DAYS)
    rows = db.session.execute(select(SourceItem.source_id, func.count()).where(
        SourceItem.source_id.in_(source_ids), SourceItem.fetched_at >= since).group_by(SourceItem.source_id)).all()
    return {source_id: count / HEALTH_DAYS for source_id, count in rows}


def failing_keywords(client_id):
    """Ids of the client's keywords that have searches and whose searches all fail."""
    rows = db.session.execute(select(ClientSource.keyword_id, Source.failures).join(
        Source, Source.id == ClientSource.source_id).where(ClientSource.client_id == client_id,
                                                           ClientSource.keyword_id.is_not(None))).all()
    health = {}
    for keyword_id, failures in rows:
        health[keyword_id] = health.get(keyword_id, True) and bool(failures)
    return {keyword_id for keyword_id, all_failing in health.items() if all_failing}
