"""The activity log of boards and cards: who did what, when.

Rows store a verb and its details (names, not sentences); `describe_activity` writes
the sentence in the reader's language when the log is shown.
"""
from flask_babel import gettext as _
from sqlalchemy import select

from saas import db
from tenants.boards.models import BoardActivity


def record_activity(board, actor, verb, card=None, **details):
    """Log one change of the board (after `lock_board`, so it carries the new version)."""
    db.session.add(BoardActivity(
        board_id=board.id, card_id=card.id if card is not None else None, actor_id=actor.id if actor else None,
        verb=verb, details=details, board_version=board.version,
    ))


def board_activity(board, limit=100):
    """The latest changes of a board, newest first."""
    return db.session.scalars(
        select(BoardActivity).where(BoardActivity.board_id == board.id)
        .order_by(BoardActivity.id.desc()).limit(limit)
    ).all()


def card_activity(card, limit=30):
    """The latest changes of one card, newest first."""
    return db.session.scalars(
        select(BoardActivity).where(BoardActivity.card_id == card.id).order_by(BoardActivity.id.desc()).limit(limit)
    ).all()


def changes_since(board, version, limit=200):
    """The changes of a board committed after `version`, oldest first."""
    return db.session.scalars(
        select(BoardActivity).where(BoardActivity.board_id == board.id, BoardActivity.board_version > version)
        .order_by(BoardActivity.id).limit(limit)
    ).all()


def _field_list(fields):
    """Name changed fields in the reader's language."""
    names = {
        "title": _("title"), "description": _("description"), "pole": _("pole"), "due_at": _("due date"),
        "client_visible": _("client visibility"), "assignees": _("assignees"), "labels": _("labels"),
        "source_url": _("source"),
    }
    return ", ".join(names.get(field, field) for field in fields)


def describe_activity(activity):
    """Say what an activity row records, in the reader's language (without the actor)."""
    d = activity.details or {}
    sentences = {
        "card_created": lambda: _("created “%(title)s” in %(column)s", title=d.get("title"), column=d.get("column")),
        "card_edited": lambda: _("edited %(fields)s of “%(title)s”", fields=_field_list(d.get("fields", [])),
                                 title=d.get("title")),
        "card_moved": lambda: _("moved “%(title)s” from %(source)s to %(target)s", title=d.get("title"),
                                source=d.get("source"), target=d.get("target")),
        "card_reordered": lambda: _("reordered “%(title)s” in %(column)s", title=d.get("title"),
                                    column=d.get("target")),
        "card_deleted": lambda: _("deleted “%(title)s”", title=d.get("title")),
        "comment_added": lambda: _("commented on “%(title)s”", title=d.get("title")),
        "comment_deleted": lambda: _("deleted a comment on “%(title)s”", title=d.get("title")),
        "checklist_added": lambda: _("added “%(item)s” to the checklist of “%(title)s”", item=d.get("item"),
                                     title=d.get("title")),
        "checklist_checked": lambda: _("checked “%(item)s” on “%(title)s”", item=d.get("item"), title=d.get("title")),
        "checklist_unchecked": lambda: _("unchecked “%(item)s” on “%(title)s”", item=d.get("item"),
                                         title=d.get("title")),
        "checklist_removed": lambda: _("removed “%(item)s” from “%(title)s”", item=d.get("item"), title=d.get("title")),
        "link_added": lambda: _("added a link to “%(title)s”", title=d.get("title")),
        "link_removed": lambda: _("removed a link from “%(title)s”", title=d.get("title")),
        "column_added": lambda: _("added the column %(column)s", column=d.get("column")),
        "column_renamed": lambda: _("renamed the column %(old)s to %(column)s", old=d.get("old"), column=d.get("column")),
        "column_edited": lambda: _("changed the settings of the column %(column)s", column=d.get("column")),
        "column_moved": lambda: _("moved the column %(column)s", column=d.get("column")),
        "column_removed": lambda: _("removed the column %(column)s (its cards went to %(target)s)",
                                    column=d.get("column"), target=d.get("target")),
    }
    describe = sentences.get(activity.verb)
    return describe() if describe else activity.verb
