"""Stored reports (a dated snapshot of a client's dashboard, with the agency's commentary) and their schedules."""
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, Float, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import Base, UTCDateTime, utcnow
from saas.tenancy import TenantScoped, tenant_fk

STATES = ("queued", "rendering", "ready", "failed")
LANGUAGES = ("fr", "en")
FREQUENCIES = ("weekly", "monthly")


class ReportSchedule(TenantScoped, Base):
    """A client's report made every Monday (the week before) or every 1st (the month before), then mailed."""

    __tablename__ = "report_schedules"
    __tenant_args__ = (tenant_fk("client_id", "clients"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer, index=True)
    frequency: Mapped[str] = mapped_column(String(8), default="weekly")
    language: Mapped[str] = mapped_column(String(2), default="fr")
    # Memberships mailed the PDF: staff of the agency and guests of this client (checked again at each mailing).
    recipient_ids: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Report(TenantScoped, Base):
    """A client's dashboard for a period, frozen when made, with the agency's summary and highlights, as a PDF."""

    __tablename__ = "reports"
    # A schedule makes one report per period: a second run of the cron finds it (NULLs: hand-made reports).
    __tenant_args__ = (tenant_fk("client_id", "clients"), UniqueConstraint("agency_id", "schedule_id", "first_day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer, index=True)
    schedule_id: Mapped[int | None] = mapped_column(Integer)
    period_kind: Mapped[str] = mapped_column(String(8))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    previous_first: Mapped[date] = mapped_column(Date)
    previous_last: Mapped[date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(2), default="fr")
    summary: Mapped[str] = mapped_column(Text, default="")
    highlights: Mapped[str] = mapped_column(Text, default="")  # one a line
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # read only by what sends it
    figures: Mapped[dict] = mapped_column(JSON, default=dict)  # the dashboard as it was (snapshot.py)
    mailed_to: Mapped[list] = mapped_column(JSON, default=list)  # memberships mailed already (a rerun skips them)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def highlight_lines(self):
        """The highlights, one per non-empty line."""
        return [line.strip() for line in (self.highlights or "").splitlines() if line.strip()]


class MentionRollup(TenantScoped, Base):
    """A client's mentions of one day of the agency's calendar, from one outlet, with one sentiment (the one
    people see: their correction, else the computed one). Derived data (rollups.py rewrites it from `mentions`):
    it holds the mentions up to the agency's watermark, and the dashboard reads the newer ones from `mentions`."""

    __tablename__ = "mention_rollups"
    __tenant_args__ = (UniqueConstraint("agency_id", "client_id", "day", "source_kind", "source_name", "sentiment"),
                       tenant_fk("client_id", "clients"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    source_kind: Mapped[str] = mapped_column(String(20))
    source_name: Mapped[str] = mapped_column(String(300))
    sentiment: Mapped[str] = mapped_column(String(8))
    mentions: Mapped[int] = mapped_column(Integer)


class AuthorRollup(TenantScoped, Base):
    """A client's mentions of one day of the agency's calendar by one author, and how many were negative."""

    __tablename__ = "author_rollups"
    __tenant_args__ = (UniqueConstraint("agency_id", "client_id", "day", "author"), tenant_fk("client_id", "clients"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    author: Mapped[str] = mapped_column(String(200))
    mentions: Mapped[int] = mapped_column(Integer)
    negative: Mapped[int] = mapped_column(Integer)


class NegativeRollup(TenantScoped, Base):
    """One of the NEGATIVE_KEPT most negative mentions of a client's day (lowest sentiment score first): the
    period's most negative are among its days' own."""

    __tablename__ = "negative_rollups"
    __tenant_args__ = (UniqueConstraint("agency_id", "client_id", "day", "mention_id"), tenant_fk("client_id", "clients"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    mention_id: Mapped[int] = mapped_column(BigInteger)
    score: Mapped[float] = mapped_column(Float)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RollupState(TenantScoped, Base):
    """How far an agency's rollups go: every mention up to `last_mention_id`, its days folded in `zone`."""

    __tablename__ = "mention_rollup_states"
    __tenant_args__ = (UniqueConstraint("agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    last_mention_id: Mapped[int] = mapped_column(BigInteger, default=0)
    zone: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
