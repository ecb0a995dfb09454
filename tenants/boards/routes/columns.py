"""Columns of a board: add, rename (and WIP limit, done), move left or right, remove."""
from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tenants.boards import bp, service
from saas import params
from tenants.boards.forms import clean_column_form
from tenants.boards.routes import board_changed, board_of_client, column_or_404, refuse

STEPS = {"left": -1, "right": 1}


@bp.post("/<int:client_id>/columns")
def add_column(client_id):
    """Add a column at the right end of a client's board."""
    board = board_of_client(client_id)
    values, errors = clean_column_form(request.form)
    if errors:
        return refuse(errors)
    service.add_column(board, values, current_user)
    return board_changed(board)


@bp.post("/columns/<int:column_id>")
def update_column(column_id):
    """Rename a column, set its WIP limit, or mark its cards as done."""
    column, board = column_or_404(column_id)
    values, errors = clean_column_form(request.form)
    if errors:
        return refuse(errors)
    service.update_column(board, column, values, current_user)
    return board_changed(board)


@bp.post("/columns/<int:column_id>/move")
def move_column(column_id):
    """Move a column one place to the left or right."""
    column, board = column_or_404(column_id)
    step = STEPS.get(request.form.get("direction", ""))
    if step is None:
        return refuse({"direction": _l("Choose left or right.")})
    service.move_column(board, column, step, current_user)
    return board_changed(board)


@bp.post("/columns/<int:column_id>/delete")
def delete_column(column_id):
    """Remove a column after moving its cards to another column of the board."""
    column, board = column_or_404(column_id)
    target_id = params.id_arg("target_id", source=request.form)
    if target_id is None or target_id == column.id:
        return refuse({"target_id": _l("Choose the column that will receive its cards.")})
    target = service.board_column(board, target_id)
    if target is None:
        abort(404)
    service.remove_column(board, column, target, current_user)
    return board_changed(board)
