"""Cards: create, edit (optimistic concurrency), move and reorder, delete; assignees and labels.

Callers pass objects they loaded through the tenant scope (get_or_404), so every id
here already belongs to the current agency; the composite foreign keys check it again.
"""
from datetime import time

from sqlalchemy import delete, func, select

from saas import db, signals
from saas.i18n import local_moment
from tenants.boards.activity import record_activity
from tenants.boards.models import BoardCard, BoardColumn, CardAssignee, CardLabel
from tenants.boards.notifications.service import notify_members
from tenants.boards.service import column_cards, list_columns, lock_board, renumber

DIRECTIONS = ("up", "down", "left", "right")


class StaleCard(Exception):
    """The card was saved by someone else after the form was loaded."""

    def __init__(self, card):
        super().__init__(f"card {card.id} is at version {card.version}")
        self.card = card


def create_card(board, column, values, actor, assignees=(), labels=()):
    """Add a card at the bottom of a column."""
    lock_board(board)
    position = db.session.scalar(select(func.count()).where(BoardCard.column_id == column.id))
    card = BoardCard(board_id=board.id, column_id=column.id, position=position,
                     created_by_id=actor.id if actor else None, **values)
    db.session.add(card)
    db.session.flush()
    added = set_assignees(card, assignees)
    set_labels(card, labels)
    record_activity(board, actor, "card_created", card, title=card.title, column=column.name, column_id=column.id)
    notify_members(added, "assigned", card, actor)
    signals.event_happened.send("card.created", card=card, board=board)
    return card


def update_card(board, card, values, version, actor, assignees, labels):
    """Save a card's edits unless someone saved it since `version` (then raise StaleCard)."""
    lock_board(board)
    db.session.refresh(card)  # the version committed before we took the lock
    if card.version != version:
        raise StaleCard(card)
    changed = [key for key, value in values.items() if getattr(card, key) != value]
    if "due_at" in changed or "due_on" in changed:
        card.reminded_at = None  # a new due date deserves a new reminder
    for key in changed:
        setattr(card, key, values[key])
    if "due_on" in changed:  # one field for the person: the due date, with or without a time
        changed = [key for key in changed if key != "due_on"] + ([] if "due_at" in changed else ["due_at"])
    before = {a.membership_id for a in card.assignments}
    added = set_assignees(card, assignees)
    if before != {m.id for m in assignees}:
        changed.append("assignees")
    if set_labels(card, labels):
        changed.append("labels")
    if changed:
        card.version += 1
        record_activity(board, actor, "card_edited", card, title=card.title, fields=changed, column_id=card.column_id)
    db.session.flush()
    db.session.expire(card, ["assignments", "card_labels"])
    notify_members(added, "assigned", card, actor)
    return changed


def set_assignees(card, memberships):
    """Make exactly these memberships the card's assignees; return the newly added ones."""
    wanted = {m.id: m for m in memberships}
    current = {a.membership_id for a in card.assignments} if card.id else set()
    removed = current - set(wanted)
    if removed:
        db.session.execute(delete(CardAssignee).where(
            CardAssignee.card_id == card.id, CardAssignee.membership_id.in_(removed)))
    added = [m for m_id, m in wanted.items() if m_id not in current]
    for membership in added:
        db.session.add(CardAssignee(card_id=card.id, membership_id=membership.id))
    db.session.flush()
    db.session.expire(card, ["assignments"])
    return added


def set_labels(card, labels):
    """Make exactly these labels the card's labels; tell whether anything changed."""
    wanted = {label.id for label in labels}
    current = {cl.label_id for cl in card.card_labels}
    if wanted == current:
        return False
    db.session.execute(delete(CardLabel).where(CardLabel.card_id == card.id, CardLabel.label_id.in_(current - wanted)))
    for label_id in wanted - current:
        db.session.add(CardLabel(card_id=card.id, label_id=label_id))
    db.session.flush()
    db.session.expire(card, ["card_labels"])
    return True


def move_card(board, card, column, after_id, actor):
    """Put a card in `column` just after card `after_id` (0: at the top, None: at the bottom)."""

    def index(cards):
        """Where the card goes among the column's other cards."""
        if after_id is None:
            return len(cards)
        ids = [c.id for c in cards]
        return ids.index(after_id) + 1 if after_id in ids else (0 if after_id == 0 else len(cards))

    lock_board(board)
    return _place(board, card, column, index, actor)


def step_card(board, card, direction, actor):
    """Move a card one step up, down, or to the column on its left or right."""
    lock_board(board)
    db.session.refresh(card)  # its committed place, now that the board is ours
    if direction in ("up", "down"):
        offset = -1 if direction == "up" else 1
        return _place(board, card, card.column, lambda cards: max(0, card.position + offset), actor)
    columns = list(list_columns(board))
    at = next(i for i, c in enumerate(columns) if c.id == card.column_id)
    target = columns[max(0, min(len(columns) - 1, at + (-1 if direction == "left" else 1)))]
    return _place(board, card, target, lambda cards: min(card.position, len(cards)), actor)


def _place(board, card, column, choose_index, actor):
    """Take the card out of its column and insert it where `choose_index` says (board locked)."""
    db.session.refresh(card)
    source_column = db.session.get(BoardColumn, card.column_id)
    source = [c for c in column_cards(card.column_id) if c.id != card.id]
    target = source if column.id == card.column_id else column_cards(column.id)
    index = max(0, min(choose_index(target), len(target)))
    if target is source and index == card.position:
        return source_column  # already there: nothing to save or tell
    target.insert(index, card)
    card.column_id = column.id
    renumber(target)
    if target is not source:
        renumber(source)
    verb = "card_reordered" if source_column.id == column.id else "card_moved"
    record_activity(board, actor, verb, card, title=card.title, source=source_column.name, target=column.name,
                    source_id=source_column.id, column_id=column.id)
    db.session.expire(card, ["column"])
    if verb == "card_moved":
        db.session.flush()
        signals.event_happened.send("card.moved", card=card, board=board, source=source_column, target=column)
    return source_column


def delete_card(board, card, actor):
    """Delete a card with its checklist, comments and links; close the gap in its column."""
    lock_board(board)
    column_id, title = card.column_id, card.title
    db.session.delete(card)
    db.session.flush()
    renumber(column_cards(column_id))
    record_activity(board, actor, "card_deleted", title=title, column_id=column_id)


def end_of_day(day):
    """The last moment of a day in the agency's zone (in UTC): when a card due that day becomes overdue."""
    return local_moment(day, time(23, 59, 59))


def realign_due_days(agency=None, **_signal):
    """After the agency's zone changed: cards due on a day become overdue when that day ends in the new zone.

    Connected to saas.signals.agency_timezone_changed (tenants/boards/__init__.py).
    """
    for card in db.session.scalars(select(BoardCard).where(BoardCard.due_on.is_not(None))):
        card.due_at = end_of_day(card.due_on)
