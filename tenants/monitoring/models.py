"""Monitoring data: platform-wide sources and their items; per-agency keywords, subscriptions, mentions."""
from datetime import datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy import and_, false
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import Base, UTCDateTime, utcnow
from saas.tenancy import TenantScoped, rowid_primary_key, tenant_fk

SOURCE_KINDS = ("rss", "hackernews", "bluesky", "mastodon", "reddit")
SEARCH_CONNECTORS = ("hackernews", "bluesky", "mastodon", "reddit")
SENTIMENTS = ("positive", "neutral", "negative")
MENTION_STATUSES = ("new", "read", "archived")


FULLTEXT_MARK = "fulltext:"  # in the key of a Mastodon full-text search: "instance|term|fulltext:agency:client"


class Source(Base):
    """A place on the web fetched once per interval for every agency that follows it."""

    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("kind", "key"), CheckConstraint(
        "kind IN ('rss','hackernews','bluesky','mastodon','reddit')", name="kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(600))  # feed URL, or "instance|term" for search connectors
    url: Mapped[str] = mapped_column(String(1000))  # what is fetched
    title: Mapped[str] = mapped_column(String(300), default="")
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    interval_seconds: Mapped[int] = mapped_column(Integer, default=900)
    next_fetch_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)  # in English, for logs and the command line
    # What went wrong, translated where it is shown (saas/http_errors.py): a code and its values.
    last_error_code: Mapped[str | None] = mapped_column(String(40))
    last_error_params: Mapped[dict | None] = mapped_column(JSON)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    items_total: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_failing(self):
        """A source whose last fetch failed."""
        return self.failures > 0

    @property
    def full_text(self):
        """A Mastodon full-text search made with one client's access token (not a hashtag timeline)."""
        return self.kind == "mastodon" and FULLTEXT_MARK in self.key

    @property
    def error_message(self):
        """Why the last fetch failed, in the reader's language."""
        from saas.http_errors import error_text

        return error_text(self.last_error_code, self.last_error_params, self.last_error)


class SourceItem(Base):
    """One item a source brought, kept for backfills and previews (platform-wide, deduplicated).

    Keyed (source_id, id) on PostgreSQL, so that Citus can distribute the items by source
    (saas/distribution.py); `id` alone stays the ORM identity, and SQLite's key (see
    saas.tenancy.rowid_primary_key).
    """

    __tablename__ = "source_items"
    __table_args__ = (rowid_primary_key("source_id"), UniqueConstraint("source_id", "external_id"))
    __mapper_args__ = {"primary_key": ["id"]}

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    external_id: Mapped[str] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(String(1000))
    title: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    language: Mapped[str] = mapped_column(String(3), default="und")
    sentiment: Mapped[str] = mapped_column(String(8), default="neutral")
    sentiment_score: Mapped[float] = mapped_column(Float, default=0.0)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MonitoringSettings(TenantScoped, Base):
    """Which search connectors run for a client, and on which Mastodon instances."""

    __tablename__ = "monitoring_settings"
    __tenant_args__ = (UniqueConstraint("agency_id", "client_id"), tenant_fk("client_id", "clients"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer, index=True)
    connectors: Mapped[list] = mapped_column(JSON, default=list)
    mastodon_instances: Mapped[list] = mapped_column(JSON, default=list)
    # The agency's access token on the first of those servers: full-text search beside the hashtag timelines.
    mastodon_token: Mapped[str | None] = mapped_column(String(200), nullable=True)

    @property
    def search_instance(self):
        """The server searched in full text with the token, or None without a token."""
        return self.mastodon_instances[0] if self.mastodon_token and self.mastodon_instances else None


class Competitor(TenantScoped, Base):
    """A brand a client is compared with: its keywords are matched like the client's, its mentions kept apart."""

    __tablename__ = "competitors"
    __tenant_args__ = (UniqueConstraint("agency_id", "client_id", "name"), tenant_fk("client_id", "clients"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(80))
    color: Mapped[str] = mapped_column(String(7))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Keyword(TenantScoped, Base):
    """A monitored query of one client, or of one of its competitors (`competitor_id`, for comparison only)."""

    __tablename__ = "keywords"
    __tenant_args__ = (UniqueConstraint("agency_id", "client_id", "query"), tenant_fk("client_id", "clients"),
                       tenant_fk("competitor_id", "competitors"),
                       CheckConstraint("language IS NULL OR language IN ('fr','en')", name="language"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer, index=True)
    # A competitor's keyword: its matches go to competitor_mentions, never to the client's mentions.
    competitor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    query: Mapped[str] = mapped_column(String(500))
    language: Mapped[str | None] = mapped_column(String(2))
    # Lower-case words also find their plurals and inflections (language/query.py); False: exact forms only.
    inflect: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sql_text("true"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Archived: no longer matched nor counted in the plan, its mentions kept; restorable.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    backfill_state: Mapped[str] = mapped_column(String(10), default="pending")  # pending|running|done|failed
    backfill_done: Mapped[int] = mapped_column(Integer, default=0)
    backfill_total: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @classmethod
    def of_client(cls, client_id):
        """The WHERE clause of a client's own keywords (its competitors' left out)."""
        return and_(cls.client_id == client_id, cls.competitor_id.is_(None))


class ClientSource(TenantScoped, Base):
    """A client's link to a platform source: a feed it follows, or a search run for one of its keywords."""

    __tablename__ = "client_sources"
    __tenant_args__ = (UniqueConstraint("agency_id", "client_id", "source_id", "keyword_id"),
                       tenant_fk("client_id", "clients"), tenant_fk("keyword_id", "keywords"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer, index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    keyword_id: Mapped[int | None] = mapped_column(Integer)  # set for search sources driven by a keyword
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Mention(TenantScoped, Base):
    """Something said on the web about a client, as the agency sees it."""

    __tablename__ = "mentions"
    __tenant_args__ = (
        UniqueConstraint("agency_id", "client_id", "item_key"),
        tenant_fk("client_id", "clients"), tenant_fk("keyword_id", "keywords"),
        Index("ix_mentions_inbox", "agency_id", "published_at", "id"),
        CheckConstraint("status IN ('new','read','archived')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer, index=True)
    keyword_id: Mapped[int | None] = mapped_column(Integer)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))
    source_kind: Mapped[str] = mapped_column(String(20))
    source_name: Mapped[str] = mapped_column(String(300), default="")
    item_key: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(1000))
    title: Mapped[str] = mapped_column(String(500), default="")
    excerpt: Mapped[str] = mapped_column(Text, default="")
    highlights: Mapped[list] = mapped_column(JSON, default=list)  # [start, end] spans in the excerpt
    author: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    language: Mapped[str] = mapped_column(String(3), default="und")
    sentiment: Mapped[str] = mapped_column(String(8), default="neutral")
    sentiment_score: Mapped[float] = mapped_column(Float, default=0.0)
    sentiment_corrected: Mapped[str | None] = mapped_column(String(8))
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(8), default="new")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Shown to the client's guests in their portal (tenants/guests) only when the agency shares it.
    shared_with_client: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def current_sentiment(self):
        """The sentiment a person set, else the computed one."""
        return self.sentiment_corrected or self.sentiment


class CardMention(TenantScoped, Base):
    """A mention a board card was made from (or linked to): the link both ways."""

    __tablename__ = "card_mentions"
    __tenant_args__ = (UniqueConstraint("agency_id", "card_id", "mention_id"),
                       tenant_fk("card_id", "board_cards"), tenant_fk("mention_id", "mentions"))

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(Integer, index=True)
    mention_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


MAX_TAG_LENGTH = 40  # characters of one tag, once trimmed
MAX_TAGS = 20  # tags of one mention


class MentionTag(TenantScoped, Base):
    """A label the agency put on a mention ("rappel produit", "à traiter"): free text, one per folded form."""

    __tablename__ = "mention_tags"
    __tenant_args__ = (UniqueConstraint("agency_id", "mention_id", "tag_key"), tenant_fk("mention_id", "mentions"),
                       Index("ix_mention_tags_key", "agency_id", "tag_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    mention_id: Mapped[int] = mapped_column(Integer, index=True)
    tag: Mapped[str] = mapped_column(String(MAX_TAG_LENGTH))  # as first typed
    tag_key: Mapped[str] = mapped_column(String(4 * MAX_TAG_LENGTH))  # casefolded: "Crise" and "crise" are one tag
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CompetitorMention(TenantScoped, Base):
    """Something said on the web about a client's competitor: counted for the share of voice, nothing else.

    Apart from `mentions` on purpose: the inbox, crisis detection, alerts, coverage proposals, webhooks,
    the API and the exports read `mentions` only. Unique per competitor, so an article naming the client
    and a competitor counts for both.
    """

    __tablename__ = "competitor_mentions"
    __tenant_args__ = (
        UniqueConstraint("agency_id", "competitor_id", "item_key"),
        tenant_fk("client_id", "clients"), tenant_fk("competitor_id", "competitors"), tenant_fk("keyword_id", "keywords"),
        Index("ix_competitor_mentions_client_published", "agency_id", "client_id", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer)
    competitor_id: Mapped[int] = mapped_column(Integer)
    keyword_id: Mapped[int] = mapped_column(Integer, index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))
    source_kind: Mapped[str] = mapped_column(String(20))
    source_name: Mapped[str] = mapped_column(String(300), default="")
    item_key: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(1000))
    title: Mapped[str] = mapped_column(String(500), default="")
    author: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    language: Mapped[str] = mapped_column(String(3), default="und")
    sentiment: Mapped[str] = mapped_column(String(8), default="neutral")
    sentiment_score: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
