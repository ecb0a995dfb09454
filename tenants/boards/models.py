"""The shared RP/CM board of a client: columns, cards, and what hangs on a card.

Every table is a tenant table; links between them are composite foreign keys
(agency_id, x_id) -> (agency_id, id), so the database refuses a card in another
agency's column or a label of another agency. Relationships are read-only loaders
(`viewonly=True`): services write the id columns, which keeps agency_id untouched.
"""
from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.auth.models import Membership, User
from saas.db import Base, UTCDateTime, utcnow
from saas.tenancy import TenantScoped, tenant_fk
from tenants.clients.models import Client

POLES = ("rp", "cm", "both")


def _loader(target, fk, **kwargs):
    """A read-only relationship joined on one id column (agency_id is scoped centrally)."""
    return relationship(target, foreign_keys=fk, viewonly=True, **kwargs)


class Board(TenantScoped, Base):
    """One client's board; `version` grows with every change (the live feed's cursor)."""

    __tablename__ = "boards"
    __tenant_args__ = (UniqueConstraint("agency_id", "client_id"), tenant_fk("client_id", "clients"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[Client] = _loader(Client, "Board.client_id", lazy="joined")


class BoardColumn(TenantScoped, Base):
    """A column of a board; cards in a `done` column are finished (never overdue)."""

    __tablename__ = "board_columns"
    __tenant_args__ = (
        tenant_fk("board_id", "boards"),
        Index("ix_board_columns_board_position", "agency_id", "board_id", "position"),
        CheckConstraint("wip_limit IS NULL OR wip_limit > 0", name="wip_limit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer)
    wip_limit: Mapped[int | None] = mapped_column(Integer)
    done: Mapped[bool] = mapped_column(Boolean, default=False)

    board: Mapped[Board] = _loader(Board, "BoardColumn.board_id")


class BoardLabel(TenantScoped, Base):
    """A coloured label, shared by every board of the agency."""

    __tablename__ = "board_labels"
    __tenant_args__ = (UniqueConstraint("agency_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    color: Mapped[str] = mapped_column(String(7), default="#6366f1")


class BoardCard(TenantScoped, Base):
    """A task on a board: planned by the PR pole, the CM pole, or both."""

    __tablename__ = "board_cards"
    __tenant_args__ = (
        tenant_fk("board_id", "boards"),
        tenant_fk("column_id", "board_columns"),
        Index("ix_board_cards_column_position", "agency_id", "column_id", "position"),
        Index("ix_board_cards_due_at", "agency_id", "due_at"),
        CheckConstraint("pole IN ('rp','cm','both')", name="pole"),
        CheckConstraint("approval_state IN ('none','awaiting','approved','changes_requested')", name="approval_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(Integer)
    column_id: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    pole: Mapped[str] = mapped_column(String(5), default="both")
    # A card is due at a moment (due_at), or on a day (due_on, no time): due_at is then the end of that
    # day in the agency's zone, so that sorting and "overdue" need no second rule.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_on: Mapped[date | None] = mapped_column(Date)
    client_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    # Extension point for monitoring: "create a card from a mention" pre-fills these two;
    # a card_mentions link table will join cards to mentions once monitoring has landed.
    source_url: Mapped[str | None] = mapped_column(String(1000))
    source_excerpt: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic concurrency of edits
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # due reminder sent for due_at
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The client's approval (tenants/guests/approvals.py): none, awaiting, approved or changes_requested.
    approval_state: Mapped[str] = mapped_column(String(20), default="none", server_default="none")
    approval_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approval_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approval_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approval_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    board: Mapped[Board] = _loader(Board, "BoardCard.board_id")
    column: Mapped[BoardColumn] = _loader(BoardColumn, "BoardCard.column_id")
    assignments: Mapped[list["CardAssignee"]] = _loader("CardAssignee", "CardAssignee.card_id",
                                                         order_by="CardAssignee.id")
    card_labels: Mapped[list["CardLabel"]] = _loader("CardLabel", "CardLabel.card_id", order_by="CardLabel.id")

    @property
    def assignees(self):
        """The memberships assigned to the card."""
        return [a.membership for a in self.assignments]

    @property
    def labels(self):
        """The card's labels."""
        return [cl.label for cl in self.card_labels]


class CardAssignee(TenantScoped, Base):
    """A member of the agency assigned to a card."""

    __tablename__ = "card_assignees"
    __tenant_args__ = (
        UniqueConstraint("agency_id", "card_id", "membership_id"),
        tenant_fk("card_id", "board_cards"),
        tenant_fk("membership_id", "memberships"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(Integer)
    membership_id: Mapped[int] = mapped_column(Integer, index=True)

    membership: Mapped[Membership] = _loader(Membership, "CardAssignee.membership_id", lazy="joined")


class CardLabel(TenantScoped, Base):
    """A label put on a card."""

    __tablename__ = "card_labels"
    __tenant_args__ = (
        UniqueConstraint("agency_id", "card_id", "label_id"),
        tenant_fk("card_id", "board_cards"),
        tenant_fk("label_id", "board_labels"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(Integer)
    label_id: Mapped[int] = mapped_column(Integer, index=True)

    label: Mapped[BoardLabel] = _loader(BoardLabel, "CardLabel.label_id", lazy="joined")


class ChecklistItem(TenantScoped, Base):
    """One line of a card's checklist."""

    __tablename__ = "checklist_items"
    __tenant_args__ = (tenant_fk("card_id", "board_cards"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(Integer, index=True)
    text: Mapped[str] = mapped_column(String(200))
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)


class CardComment(TenantScoped, Base):
    """A comment on a card (Markdown; @handles notify members).

    `visibility` splits two threads: "internal" (the team's) and "client" (shared with the
    client's guests, see tenants/guests). Guests only ever read the client thread.
    """

    __tablename__ = "card_comments"
    __tenant_args__ = (tenant_fk("card_id", "board_cards"),
                       CheckConstraint("visibility IN ('internal','client')", name="visibility"))

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(Integer, index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(8), default="internal", server_default="internal")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship(User, lazy="joined", viewonly=True)


class CardLink(TenantScoped, Base):
    """A web link attached to a card (brief, press kit, post to review)."""

    __tablename__ = "card_links"
    __tenant_args__ = (tenant_fk("card_id", "board_cards"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(Integer, index=True)
    url: Mapped[str] = mapped_column(String(1000))
    title: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BoardActivity(TenantScoped, Base):
    """Who did what on a board, and when; `board_version` orders the live feed."""

    __tablename__ = "board_activities"
    __tenant_args__ = (
        tenant_fk("board_id", "boards"),
        tenant_fk("card_id", "board_cards"),
        Index("ix_board_activities_board_version", "agency_id", "board_id", "board_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(Integer)
    card_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verb: Mapped[str] = mapped_column(String(30))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    board_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(User, lazy="joined", viewonly=True)
