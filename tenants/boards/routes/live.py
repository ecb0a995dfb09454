"""The live feed of a board: polled by htmx every few seconds, cheap when nothing changed.

A poll carries the board version the page shows (`v`). Nothing new answers 204 (htmx
keeps the page as it is); otherwise the changed columns come back out of band, or the
whole board when columns themselves changed, with a poller carrying the new version.
"""
from flask import render_template

from saas import params
from tenants.boards import bp
from tenants.boards.activity import changes_since
from tenants.boards.routes import board_of_client, columns_context, current_filter

WHOLE_BOARD_AFTER = 100  # more changes than this since the last poll: redraw everything


def changed_columns(changes):
    """The columns touched by these changes, or None when the whole board must be redrawn."""
    if len(changes) >= WHOLE_BOARD_AFTER or any(change.verb.startswith("column_") for change in changes):
        return None
    ids = set()
    for change in changes:
        ids.update(v for k, v in (change.details or {}).items() if k in ("column_id", "source_id") and v)
    return ids


@bp.get("/<int:client_id>/feed")
def feed(client_id):
    """What changed on a client's board since version `v` (204: nothing)."""
    board = board_of_client(client_id)
    since = params.int_arg("v", 0, params.MAX_INT)
    if since is not None and since >= board.version:
        return "", 204
    column_ids = None if since is None else changed_columns(changes_since(board, since, WHOLE_BOARD_AFTER))
    context = columns_context(board, current_filter(), column_ids)
    return render_template("boards/_changes.html", poller=True, **context)
