"""Press contacts, the clients they are linked to, media lists and their members, contact imports.

Contacts are people who are not users: each carries its lawful basis and source (GDPR), a
"do not contact" flag every send honours, and the moments used by the retention purge.
"""
from datetime import date, datetime

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Date, Integer, LargeBinary, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import Base, UTCDateTime, utcnow
from saas.tenancy import TenantScoped, tenant_fk

KINDS = ("journalist", "editor", "influencer", "blogger", "other")
OUTLET_TYPES = ("national", "regional", "trade", "international", "web", "broadcast", "blog")
LAWFUL_BASES = ("legitimate_interest", "consent", "contract")
IMPORT_STATES = ("uploaded", "queued", "running", "done", "failed")


class PressContact(TenantScoped, Base):
    """A journalist, editor, influencer or blogger the agency works with (shared by the whole agency)."""

    __tablename__ = "press_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80), default="")
    last_name: Mapped[str] = mapped_column(String(80), default="")
    kind: Mapped[str] = mapped_column(String(12), default="journalist")
    role: Mapped[str] = mapped_column(String(120), default="")
    outlets: Mapped[list] = mapped_column(JSON, default=list)
    outlet_type: Mapped[str] = mapped_column(String(16), default="")
    beats: Mapped[list] = mapped_column(JSON, default=list)
    languages: Mapped[list] = mapped_column(JSON, default=list)
    emails: Mapped[list] = mapped_column(JSON, default=list)
    phones: Mapped[list] = mapped_column(JSON, default=list)
    social_handles: Mapped[dict] = mapped_column(JSON, default=dict)
    city: Mapped[str] = mapped_column(String(120), default="")
    region: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # Folded words of the name, outlets, role, beats, places and emails (search), and the filters' keys
    # ("|beat:sante|lang:fr|"): both rewritten by the service on every save.
    search_text: Mapped[str] = mapped_column(Text, default="")
    facets: Mapped[str] = mapped_column(Text, default="")
    lawful_basis: Mapped[str] = mapped_column(String(24), default="legitimate_interest")
    data_source: Mapped[str] = mapped_column(String(200), default="")
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # added to a list, sent to

    @property
    def name(self):
        """First and last name, as people read them."""
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def email(self):
        """The first email address, or the empty text."""
        return (self.emails or [""])[0]


class PressContactClient(TenantScoped, Base):
    """A client a contact is linked to (the contact covers its sector, knows its brand)."""

    __tablename__ = "press_contact_clients"
    __tenant_args__ = (UniqueConstraint("agency_id", "contact_id", "client_id"),
                       tenant_fk("contact_id", "press_contacts"), tenant_fk("client_id", "clients"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(Integer, index=True)
    client_id: Mapped[int] = mapped_column(Integer, index=True)


class MediaList(TenantScoped, Base):
    """A media list for a client or a campaign: contacts added by hand, plus those its saved filters match."""

    __tablename__ = "press_media_lists"
    __tenant_args__ = (tenant_fk("client_id", "clients"),)  # a client's lists go with it

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    campaign: Mapped[str] = mapped_column(String(120), default="")
    client_id: Mapped[int | None] = mapped_column(Integer)
    # Saved filters (beat, outlet_type, region, language): {} is none; resolved at each reading.
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MediaListMember(TenantScoped, Base):
    """A contact added to a media list by hand."""

    __tablename__ = "press_media_list_members"
    __tenant_args__ = (UniqueConstraint("agency_id", "list_id", "contact_id"),
                       tenant_fk("list_id", "press_media_lists"), tenant_fk("contact_id", "press_contacts"))

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(Integer, index=True)
    contact_id: Mapped[int] = mapped_column(Integer, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContactImport(TenantScoped, Base):
    """An uploaded CSV or XLSX of contacts: its columns, the mapping chosen, the run's progress and report."""

    __tablename__ = "press_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    file_kind: Mapped[str] = mapped_column(String(4))  # csv, xlsx
    content: Mapped[bytes | None] = mapped_column(LargeBinary)  # dropped once the run is over
    headers: Mapped[list] = mapped_column(JSON, default=list)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)  # column index (as text) -> field
    state: Mapped[str] = mapped_column(String(8), default="uploaded")
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    merged: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[list] = mapped_column(JSON, default=list)  # [[row number, reason code, detail]], capped
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


RELEASE_STATES = ("draft", "awaiting", "approved", "sent")
RELEASE_LANGUAGES = ("fr", "en")
SEND_STATES = ("running", "done")
# A recipient's status: "sending" is held under a lease while SMTP talks; one left there by a dead
# worker becomes "unknown" (maybe delivered): never sent again blindly (at most once).
RECIPIENT_STATES = ("queued", "sending", "sent", "failed", "bounced", "unknown", "unsubscribed", "do_not_contact",
                    "already_sent")  # already_sent: reached by an earlier send of the release (one mail a person)


class PressRelease(TenantScoped, Base):
    """A client's press release: Markdown body, links to images and attachments, embargo, approval state."""

    __tablename__ = "press_releases"
    __tenant_args__ = (tenant_fk("client_id", "clients"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    images: Mapped[list] = mapped_column(JSON, default=list)  # web addresses
    attachments: Mapped[list] = mapped_column(JSON, default=list)  # web addresses
    embargo_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str] = mapped_column(String(2), default="fr")
    state: Mapped[str] = mapped_column(String(10), default="draft")
    card_id: Mapped[int | None] = mapped_column(Integer, index=True)  # its card on the client's board
    # The words a mention must hold to be proposed as coverage, set by the RP; None: derived from the title.
    key_terms: Mapped[list | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PressSend(TenantScoped, Base):
    """One sending of a release to a media list, by a staff member (replies go to them)."""

    __tablename__ = "press_sends"
    __tenant_args__ = (tenant_fk("release_id", "press_releases"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(Integer, index=True)
    list_id: Mapped[int | None] = mapped_column(Integer)
    list_name: Mapped[str] = mapped_column(String(120), default="")
    sender_id: Mapped[int | None] = mapped_column(Integer)
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    sender_email: Mapped[str] = mapped_column(String(254), default="")
    overridden: Mapped[bool] = mapped_column(Boolean, default=False)  # sent without the client's approval
    state: Mapped[str] = mapped_column(String(8), default="running")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PressSendRecipient(TenantScoped, Base):
    """One recipient of a send: its address, merge fields and delivery status."""

    __tablename__ = "press_send_recipients"
    __tenant_args__ = (UniqueConstraint("agency_id", "send_id", "email"), tenant_fk("send_id", "press_sends"))

    id: Mapped[int] = mapped_column(primary_key=True)
    send_id: Mapped[int] = mapped_column(Integer, index=True)
    contact_id: Mapped[int | None] = mapped_column(Integer)
    email: Mapped[str] = mapped_column(String(254))
    first_name: Mapped[str] = mapped_column(String(80), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    outlet: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(14), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(String(300), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PressNewsroom(TenantScoped, Base):
    """A client's public newsroom: its sent releases once their embargo is over, read-only, with an Atom feed.

    Off until a staff member turns it on; its address is /newsroom/<agency slug>/<slug>.
    """

    __tablename__ = "press_newsrooms"
    __tenant_args__ = (UniqueConstraint("agency_id", "client_id"), UniqueConstraint("agency_id", "slug"),
                       tenant_fk("client_id", "clients"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer)
    slug: Mapped[str] = mapped_column(String(60))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    intro: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


COVERAGE_STATES = ("proposed", "accepted", "rejected")
COVERAGE_ORIGINS = ("monitoring", "manual")
MAX_REACH = 10**12  # readers, viewers: above every audience on earth
MAX_MEDIA_VALUE = 10**9  # euros (advertising value equivalent), two decimals


class PressCoverage(TenantScoped, Base):
    """An article or post about a client ("retombée"): proposed from monitoring, or added by hand; accepted or not.

    `scope` is "release:<id>" for coverage of a release, "client:<id>" otherwise, and `url_key` the
    mentions' own key of the address (sha256, 40 hex): one row per address and scope, whatever the
    number of runs of the proposal job. The mention and the contact are plain ids: a mention deleted
    with its keyword, a contact erased, and the coverage stays (its text is copied here).
    """

    __tablename__ = "press_coverage"
    __tenant_args__ = (UniqueConstraint("agency_id", "scope", "url_key"),
                       tenant_fk("client_id", "clients"), tenant_fk("release_id", "press_releases"),
                       CheckConstraint("status IN ('proposed','accepted','rejected')", name="status"),
                       CheckConstraint("reach IS NULL OR (reach >= 0 AND reach <= 1000000000000)", name="reach"),
                       CheckConstraint("media_value IS NULL OR (media_value >= 0 AND media_value <= 1000000000)",
                                       name="media_value"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer, index=True)
    release_id: Mapped[int | None] = mapped_column(Integer, index=True)
    mention_id: Mapped[int | None] = mapped_column(Integer)
    contact_id: Mapped[int | None] = mapped_column(Integer, index=True)
    scope: Mapped[str] = mapped_column(String(24))
    url_key: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(String(1000))
    outlet: Mapped[str] = mapped_column(String(300), default="")
    author: Mapped[str] = mapped_column(String(200), default="")
    headline: Mapped[str] = mapped_column(String(500), default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sentiment: Mapped[str] = mapped_column(String(8), default="neutral")
    reach: Mapped[int | None] = mapped_column(BigInteger)
    media_value: Mapped[float | None] = mapped_column(Numeric(12, 2))
    origin: Mapped[str] = mapped_column(String(10), default="monitoring")
    status: Mapped[str] = mapped_column(String(10), default="proposed")
    decided_by_id: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PressReview(TenantScoped, Base):
    """A press review ("revue de presse"): accepted coverage of a client over a period, shareable in the portal."""

    __tablename__ = "press_reviews"
    __tenant_args__ = (tenant_fk("client_id", "clients"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(200))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    shared_with_client: Mapped[bool] = mapped_column(Boolean, default=False)
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PressReviewItem(TenantScoped, Base):
    """A piece of coverage picked for a press review."""

    __tablename__ = "press_review_items"
    __tenant_args__ = (UniqueConstraint("agency_id", "review_id", "coverage_id"),
                       tenant_fk("review_id", "press_reviews"), tenant_fk("coverage_id", "press_coverage"))

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(Integer, index=True)
    coverage_id: Mapped[int] = mapped_column(Integer, index=True)


REPLY_CHANNELS = ("email", "phone", "social", "meeting", "other")
REPLY_OUTCOMES = ("interested", "interview", "more_info", "declined", "other")


class PressReply(TenantScoped, Base):
    """A contact's answer to the agency, logged by the RP: when, how, what it means, about which release.

    Journalists answer the sender's own mailbox (Reply-To), which Relais does not read: the RP writes the
    gist here, so the whole agency sees it in the contact's history and on the release.
    """

    __tablename__ = "press_replies"
    __tenant_args__ = (tenant_fk("contact_id", "press_contacts"), tenant_fk("release_id", "press_releases"),
                       CheckConstraint("channel IN ('email','phone','social','meeting','other')", name="channel"),
                       CheckConstraint("outcome IN ('interested','interview','more_info','declined','other')",
                                       name="outcome"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(Integer, index=True)
    release_id: Mapped[int | None] = mapped_column(Integer, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(8), default="email")
    outcome: Mapped[str] = mapped_column(String(10), default="interested")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
