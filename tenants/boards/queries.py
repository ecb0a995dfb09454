"""Reading boards: filters, cards with what a tile shows, calendars, the agency overview.

Cards load with their assignees and labels in a fixed number of queries (subquery
eager loading, grouped counts), so a page costs the same with 10 cards or 5,000.
"""
import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, subqueryload

from saas import db, params, search
from saas.auth.service import members_of_agency
from saas.db import utcnow
from saas.i18n import local_moment, local_time, local_today
from tenants.boards.models import (POLES, Board, BoardCard, BoardColumn, CardAssignee, CardComment, CardLabel,
                                   ChecklistItem)

DUE_CHOICES = ("overdue", "week", "none")
CARD_OPTIONS = (subqueryload(BoardCard.assignments), subqueryload(BoardCard.card_labels))


def local_start(day):
    """The UTC instant a local day starts in the agency's zone (aware, as stored timestamps are)."""
    return local_moment(day)


@dataclass
class CardFilter:
    """What a board, list or calendar shows: pole, assignee, label, due date, text."""

    pole: str = ""
    assignee: int | None = None  # a membership id
    label: int | None = None
    due: str = ""
    text: str = ""
    mine: bool = False

    @classmethod
    def from_args(cls, args, membership):
        """Read the filter from a query string (saas.params: a bad value is a 400); `assignee=me` is the signed-in
        member."""
        mine = args.get("assignee") == "me"
        return cls(
            pole=params.choice_arg("pole", POLES, "", args),
            assignee=membership.id if mine else params.id_arg("assignee", source=args),
            label=params.id_arg("label", source=args), due=params.choice_arg("due", DUE_CHOICES, "", args),
            text=params.text_arg("q", 100, source=args), mine=mine,
        )

    @property
    def active(self):
        """Tell whether anything is filtered out."""
        return bool(self.pole or self.assignee or self.label or self.due or self.text)

    def args(self):
        """The filter as query-string arguments (for links and the live feed)."""
        values = {"pole": self.pole, "assignee": "me" if self.mine else self.assignee, "label": self.label,
                  "due": self.due, "q": self.text}
        return {key: value for key, value in values.items() if value}

    def apply(self, query):
        """Narrow a select of BoardCard to what the filter keeps."""
        if self.pole:
            query = query.where(BoardCard.pole.in_((self.pole, "both")) if self.pole != "both" else BoardCard.pole == "both")
        if self.assignee:
            query = query.where(BoardCard.id.in_(select(CardAssignee.card_id).where(CardAssignee.membership_id == self.assignee)))
        if self.label:
            query = query.where(BoardCard.id.in_(select(CardLabel.card_id).where(CardLabel.label_id == self.label)))
        if self.due == "overdue":
            open_columns = select(BoardColumn.id).where(BoardColumn.done.is_(False))
            query = query.where(BoardCard.due_at < utcnow(), BoardCard.column_id.in_(open_columns))
        elif self.due == "week":
            monday = local_today() - timedelta(days=local_today().weekday())
            query = query.where(BoardCard.due_at >= local_start(monday), BoardCard.due_at < local_start(monday + timedelta(days=7)))
        elif self.due == "none":
            query = query.where(BoardCard.due_at.is_(None))
        terms = search.terms(self.text)
        if terms:
            document = func.coalesce(BoardCard.title, "") + " " + func.coalesce(BoardCard.description, "")
            query = query.where(search.all_terms(document, terms))
        return query


def board_cards(board, card_filter, column_ids=None):
    """The board's cards the filter keeps, in column order, with assignees and labels."""
    query = select(BoardCard).where(BoardCard.board_id == board.id)
    if column_ids is not None:
        query = query.where(BoardCard.column_id.in_(column_ids))
    query = card_filter.apply(query).order_by(BoardCard.position, BoardCard.id).options(*CARD_OPTIONS)
    return db.session.scalars(query).all()


class Tile:
    """What a card tile shows, read as plain rows (no ORM objects: a board draws hundreds of tiles).

    Attribute for attribute what boards/_card.html reads of a BoardCard: card_labels[].label.name,
    assignments[].membership.user.name...
    """

    __slots__ = ("id", "column_id", "title", "pole", "due_at", "due_on", "client_visible", "approval_state",
                 "source_url", "comments", "checked", "items", "card_labels", "assignments")
    COLUMNS = ("id", "column_id", "title", "pole", "due_at", "due_on", "client_visible", "approval_state",
               "source_url")

    def __init__(self, row):
        (self.id, self.column_id, self.title, self.pole, self.due_at, self.due_on, self.client_visible,
         self.approval_state, self.source_url, self.comments, self.checked, self.items) = row
        self.card_labels, self.assignments = [], []


class _Label:
    __slots__ = ("label", "name", "color")

    def __init__(self, name, color):
        self.name, self.color, self.label = name, color, self


class _Assignee:
    __slots__ = ("membership", "user", "user_id", "name")

    def __init__(self, user_id, name):
        self.user_id, self.name = user_id, name
        self.membership = self.user = self


def board_tiles(board, card_filter, column_ids=None):
    """The board's cards the filter keeps, in column order, as Tiles with their labels and assignees (3 queries)."""
    from saas.auth.models import Membership, User
    from tenants.boards.models import BoardLabel

    query = select(*(getattr(BoardCard, name) for name in Tile.COLUMNS)).where(BoardCard.board_id == board.id)
    if column_ids is not None:
        query = query.where(BoardCard.column_id.in_(column_ids))
    query = card_filter.apply(query)
    # The tile's counts come with its row (correlated counts, index look-ups): no list of ids sent back. Each
    # is joined on the agency too, as the composite keys are: on Citus the count then runs on the card's shard.
    comments = (CardComment.agency_id == BoardCard.agency_id) & (CardComment.card_id == BoardCard.id)
    items = (ChecklistItem.agency_id == BoardCard.agency_id) & (ChecklistItem.card_id == BoardCard.id)
    counted = query.add_columns(
        select(func.count()).where(comments).correlate(BoardCard).scalar_subquery(),
        select(func.count(case((ChecklistItem.done.is_(True), 1)))).where(items).correlate(BoardCard).scalar_subquery(),
        select(func.count()).where(items).correlate(BoardCard).scalar_subquery())
    tiles = [Tile(row) for row in db.session.execute(counted.order_by(BoardCard.position, BoardCard.id))]
    if not tiles:
        return tiles
    by_id = {tile.id: tile for tile in tiles}
    kept = query.with_only_columns(BoardCard.id)  # the same cards, as a subquery: 3 queries whatever their number
    for card_id, name, color in db.session.execute(
            select(CardLabel.card_id, BoardLabel.name, BoardLabel.color)
            .join(BoardLabel, BoardLabel.id == CardLabel.label_id)
            .where(CardLabel.card_id.in_(kept)).order_by(CardLabel.id)):
        if card_id in by_id:
            by_id[card_id].card_labels.append(_Label(name, color))
    for card_id, user_id, name in db.session.execute(
            select(CardAssignee.card_id, Membership.user_id, User.name)
            .join(Membership, Membership.id == CardAssignee.membership_id)
            .join(User, User.id == Membership.user_id)
            .where(CardAssignee.card_id.in_(kept)).order_by(CardAssignee.id)):
        if card_id in by_id:
            by_id[card_id].assignments.append(_Assignee(user_id, name))
    return tiles


def cards_by_column(columns, cards):
    """Group cards under their column ids (every column present, even empty)."""
    grouped = {column.id: [] for column in columns}
    for card in cards:
        grouped.setdefault(card.column_id, []).append(card)
    return grouped


def column_totals(board):
    """How many cards each column holds, whatever the filter (for WIP limits)."""
    rows = db.session.execute(select(BoardCard.column_id, func.count()).where(BoardCard.board_id == board.id)
                              .group_by(BoardCard.column_id)).all()
    return dict(rows)


@dataclass
class CardCounts:
    """What a card tile counts: comments and checklist progress."""

    comments: int = 0
    checked: int = 0
    items: int = 0


def tile_counts(tiles):
    """The counts board_tiles read with each tile, as card_counts gives them."""
    return {tile.id: CardCounts(tile.comments, tile.checked, tile.items) for tile in tiles}


def card_counts(cards):
    """Comment and checklist counts of many cards, in two queries."""
    ids = [card.id for card in cards]
    counts = defaultdict(CardCounts)
    if not ids:
        return counts
    for card_id, n in db.session.execute(select(CardComment.card_id, func.count()).where(CardComment.card_id.in_(ids))
                                         .group_by(CardComment.card_id)):
        counts[card_id].comments = n
    checked = func.sum(case((ChecklistItem.done.is_(True), 1), else_=0))
    for card_id, total, done in db.session.execute(
            select(ChecklistItem.card_id, func.count(), checked).where(ChecklistItem.card_id.in_(ids))
            .group_by(ChecklistItem.card_id)):
        counts[card_id].items, counts[card_id].checked = total, int(done or 0)
    return counts


def agency_cards(card_filter, board=None, limit=1000):
    """Cards across the agency's boards (or one board), soonest due first, with column and client."""
    query = select(BoardCard).options(joinedload(BoardCard.column), joinedload(BoardCard.board), *CARD_OPTIONS)
    if board is not None:
        query = query.where(BoardCard.board_id == board.id)
    query = card_filter.apply(query).order_by(BoardCard.due_at.is_(None), BoardCard.due_at, BoardCard.id)
    return db.session.scalars(query.limit(limit)).all()


class CalendarCard:
    """What a calendar entry shows of a card, read as one plain row (a month can hold hundreds)."""

    __slots__ = ("id", "title", "pole", "due_at", "due_on", "done", "column_name", "client_name", "client_color")

    def __init__(self, row):
        for name, value in zip(self.__slots__, row):
            setattr(self, name, value)


def calendar_cards(card_filter, board=None, start=None, end=None, limit=1000):
    """Cards due between `start` and `end` (local days), soonest first, with their column and client (1 query)."""
    from tenants.clients.models import Client

    query = (select(BoardCard.id, BoardCard.title, BoardCard.pole, BoardCard.due_at, BoardCard.due_on,
                    BoardColumn.done, BoardColumn.name, Client.name, Client.color)
             .join(BoardColumn, BoardColumn.id == BoardCard.column_id)
             .join(Board, Board.id == BoardCard.board_id).join(Client, Client.id == Board.client_id)
             .where(BoardCard.due_at >= local_start(start), BoardCard.due_at < local_start(end)))
    if board is not None:
        query = query.where(BoardCard.board_id == board.id)
    query = card_filter.apply(query).order_by(BoardCard.due_at, BoardCard.id)
    return [CalendarCard(row) for row in db.session.execute(query.limit(limit))]


def month_weeks(day):
    """The weeks (Monday first) of the month of `day`, as lists of dates."""
    return calendar.Calendar(firstweekday=0).monthdatescalendar(day.year, day.month)


def week_days(day):
    """The seven days (Monday first) of the week of `day`."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=n) for n in range(7)]


def cards_by_day(cards):
    """Group cards under the local date they are due."""
    days = defaultdict(list)
    for card in cards:
        days[local_time(card.due_at).date()].append(card)
    return days


def assignable_members():
    """The members a card can be assigned to: everyone of the agency but guests."""
    return [m for m in members_of_agency() if m.role != "guest"]


def board_summaries(clients):
    """For each client: its board (or None), open cards and overdue cards."""
    boards = {board.client_id: board for board in db.session.scalars(select(Board))}
    overdue = func.sum(case((BoardCard.due_at < utcnow(), 1), else_=0))
    rows = db.session.execute(
        select(BoardCard.board_id, func.count(), overdue).join(BoardColumn, BoardColumn.id == BoardCard.column_id)
        .where(BoardColumn.done.is_(False)).group_by(BoardCard.board_id)).all()
    stats = {board_id: (n, int(late or 0)) for board_id, n, late in rows}
    return [(client, boards.get(client.id), *stats.get(getattr(boards.get(client.id), "id", None), (0, 0)))
            for client in clients]


def workspace_counts(membership):
    """Open cards assigned to a member, and open overdue cards of the whole agency."""
    open_cards = (select(func.count()).select_from(BoardCard)
                  .join(BoardColumn, BoardColumn.id == BoardCard.column_id).where(BoardColumn.done.is_(False)))
    mine = CardFilter(assignee=membership.id).apply(open_cards).scalar_subquery()
    overdue = CardFilter(due="overdue").apply(open_cards).scalar_subquery()
    return tuple(db.session.execute(select(mine, overdue)).one())  # one query
