"""The client thread of a card and the client's approval of it.

Where an approval moves a card (the same rule on every board, from its columns left to right):
- the "done" column is the board's first column marked done (else its last column);
- asking for approval puts the card in the column just before it ("Awaiting client" on a
  new board);
- approved: the card goes to the done column ("Done");
- changes requested: the card goes back one column before the awaiting one ("In progress").
A card already in its target column stays where it is. The assignees are notified of the
decision (in the app, and by email through the board notifications); with nobody assigned,
the person who asked for the approval is.
"""
from sqlalchemy import select

from saas import db, signals
from saas.auth.models import Membership
from saas.db import utcnow
from tenants.boards import cards
from tenants.boards.activity import record_activity
from tenants.boards.models import CardComment
from tenants.boards.notifications.service import notify_members
from tenants.boards.service import list_columns, lock_board


class NotAwaiting(Exception):
    """The card is not (or no longer) waiting for the client's decision."""


def list_client_comments(card):
    """List the client thread of a card, oldest first (never an internal comment)."""
    return db.session.scalars(select(CardComment).where(
        CardComment.card_id == card.id, CardComment.visibility == "client").order_by(CardComment.id)).all()


def staff_authors(comments):
    """Return the ids of the comments' authors who are on the agency's team (the others speak for the client)."""
    ids = {comment.author_id for comment in comments if comment.author_id}
    if not ids:
        return set()
    return set(db.session.scalars(select(Membership.user_id).where(Membership.user_id.in_(ids),
                                                                   Membership.role != "guest")))


def add_client_comment(board, card, body, author, notify=True):
    """Write in a card's client thread; a guest's words notify the card's assignees."""
    lock_board(board)
    comment = CardComment(card_id=card.id, author_id=author.id, body=body, visibility="client")
    db.session.add(comment)
    db.session.flush()
    record_activity(board, author, "comment_added", card, title=card.title, column_id=card.column_id)
    if notify:
        notify_members(card.assignees, "client_comment", card, author)
    return comment


def approval_columns(columns):
    """Pick the (awaiting, approved, changes requested) columns among a board's columns, left to right."""
    done_at = next((i for i, column in enumerate(columns) if column.done), len(columns) - 1)
    awaiting_at = max(0, done_at - 1)
    return columns[awaiting_at], columns[done_at], columns[max(0, awaiting_at - 1)]


def _move_to(board, card, column, actor):
    """Move a card to the bottom of `column` unless it is already there."""
    if card.column_id != column.id:
        cards.move_card(board, card, column, None, actor)


def request_approval(board, card, actor):
    """Ask the client to approve a card; it waits in the board's awaiting column."""
    lock_board(board)
    db.session.refresh(card)
    card.approval_state, card.approval_requested_at, card.approval_requested_by_id = "awaiting", utcnow(), actor.id
    card.approval_decided_at = card.approval_decided_by_id = None
    awaiting, _approved, _changes = approval_columns(list_columns(board))
    _move_to(board, card, awaiting, actor)
    db.session.flush()
    signals.event_happened.send("approval.requested", card=card, board=board)


def withdraw_approval(board, card):
    """Stop waiting for the client's decision on a card (it stays where it is)."""
    lock_board(board)
    db.session.refresh(card)
    if card.approval_state == "awaiting":
        card.approval_state, card.approval_requested_at, card.approval_requested_by_id = "none", None, None
        db.session.flush()
        signals.event_happened.send("approval.withdrawn", card=card, board=board)
    db.session.flush()


def decide_approval(board, card, guest, approved, comment=""):
    """Record the client's decision, move the card, and tell its people; raise NotAwaiting."""
    lock_board(board)
    db.session.refresh(card)  # the committed state: two decisions never both pass
    if card.approval_state != "awaiting":
        raise NotAwaiting(card.id)
    card.approval_state = "approved" if approved else "changes_requested"
    card.approval_decided_at, card.approval_decided_by_id = utcnow(), guest.id
    if comment:
        add_client_comment(board, card, comment, guest, notify=False)
    _awaiting, done, changes = approval_columns(list_columns(board))
    _move_to(board, card, done if approved else changes, guest)
    notify_members(approval_recipients(card), card.approval_state, card, guest)
    db.session.flush()
    signals.event_happened.send("approval.decided", card=card, board=board, comment=comment)


def approval_recipients(card):
    """Choose who hears of the client's decision: the assignees, else whoever asked for it."""
    if card.assignees:
        return card.assignees
    requester = db.session.scalar(select(Membership).where(Membership.user_id == card.approval_requested_by_id))
    return [requester] if requester is not None else []
