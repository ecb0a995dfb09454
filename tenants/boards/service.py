"""Boards and columns: one board per client, default columns, add, edit, reorder, remove.

Every change starts with `lock_board`: it takes the board row's lock for the rest of the
transaction and bumps its version, so writers of one board run one after the other
(orders stay consistent under concurrent moves) and the live feed sees changes in the
order they were committed.
"""
from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from saas import db
from tenants.boards.activity import record_activity
from tenants.boards.models import Board, BoardCard, BoardColumn

DEFAULT_COLUMNS = ((_l("To do"), False), (_l("In progress"), False), (_l("Awaiting client"), False), (_l("Done"), True))


def default_columns():
    """The default columns as (name, done), in the person's language (the app's outside a request)."""
    if has_request_context():
        return [(str(name), done) for name, done in DEFAULT_COLUMNS]
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return [(str(name), done) for name, done in DEFAULT_COLUMNS]


def find_board(client_id):
    """Return the board of a client, or None."""
    return db.session.scalar(select(Board).where(Board.client_id == client_id))


def get_or_create_board(client):
    """Return the client's board, creating it with the default columns in the person's language."""
    board = find_board(client.id)
    if board is not None:
        return board
    try:
        with db.session.begin_nested():
            board = Board(client_id=client.id)
            db.session.add(board)
            db.session.flush()
            for position, (name, done) in enumerate(default_columns()):
                db.session.add(BoardColumn(board_id=board.id, name=name, position=position, done=done))
            db.session.flush()
    except IntegrityError:  # someone opened the same new board at the same moment
        board = find_board(client.id)
    return board


def lock_board(board):
    """Lock the board row for this transaction and bump its version; return the new version."""
    version = db.session.execute(
        update(Board).where(Board.id == board.id).values(version=Board.version + 1).returning(Board.version),
        execution_options={"synchronize_session": False},
    ).scalar_one()
    set_committed_value(board, "version", version)
    return version


def list_columns(board):
    """The board's columns, left to right."""
    return db.session.scalars(
        select(BoardColumn).where(BoardColumn.board_id == board.id).order_by(BoardColumn.position, BoardColumn.id)
    ).all()


def board_column(board, column_id):
    """Return a column of this board by id, or None (another board's column included)."""
    column = db.session.get(BoardColumn, column_id) if column_id else None
    return column if column is not None and column.board_id == board.id else None


def add_column(board, values, actor):
    """Add a column at the right end of the board."""
    lock_board(board)
    position = db.session.scalar(select(func.count()).where(BoardColumn.board_id == board.id))
    column = BoardColumn(board_id=board.id, position=position, **values)
    db.session.add(column)
    db.session.flush()
    record_activity(board, actor, "column_added", column=column.name)
    return column


def update_column(board, column, values, actor):
    """Rename a column, change its WIP limit or whether its cards are done."""
    lock_board(board)
    old_name = column.name
    for key, value in values.items():
        setattr(column, key, value)
    db.session.flush()
    record_activity(board, actor, "column_renamed" if old_name != column.name else "column_edited",
                    column=column.name, old=old_name)


def move_column(board, column, step, actor):
    """Move a column one place left (step -1) or right (step +1)."""
    lock_board(board)
    columns = list(list_columns(board))
    index = columns.index(column)
    target = max(0, min(len(columns) - 1, index + step))
    columns.insert(target, columns.pop(index))
    renumber(columns)
    record_activity(board, actor, "column_moved", column=column.name)


def remove_column(board, column, target, actor):
    """Remove a column; its cards go to the bottom of `target`, never lost."""
    lock_board(board)
    moving = column_cards(column.id)
    base = db.session.scalar(select(func.count()).where(BoardCard.column_id == target.id))
    for offset, card in enumerate(moving):
        card.column_id, card.position = target.id, base + offset
    db.session.flush()
    db.session.delete(column)
    db.session.flush()
    renumber([c for c in list_columns(board) if c.id != column.id])
    record_activity(board, actor, "column_removed", column=column.name, target=target.name, cards=len(moving))


def column_cards(column_id):
    """The cards of a column, top to bottom, read fresh from the database."""
    return list(db.session.scalars(
        select(BoardCard).where(BoardCard.column_id == column_id)
        .order_by(BoardCard.position, BoardCard.id).execution_options(populate_existing=True)
    ).all())


def renumber(items):
    """Give items the positions 0..n-1 in list order (writes only what changed)."""
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position
    db.session.flush()
