"""The live feed of a board: polled by htmx every few seconds, cheap when nothing changed.

A poll carries the board version the page shows (`v`). Nothing new answers 204 (htmx
keeps the page as it is); otherwise the changed columns come back out of band, or the
whole board when columns themselves changed, with a poller carrying the new version.
"""
from flask import make_response, render_template
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from saas import params
from saas.htmx import announce
from tenants.boards import bp
from tenants.boards.activity import changes_since, describe_activity
from tenants.boards.routes import board_of_client, columns_context, current_filter

WHOLE_BOARD_AFTER = 100  # more changes than this since the last poll: redraw everything
SAID_ONE_BY_ONE = 3  # up to this many changes by others are read out one by one, more are counted


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
    changes = [] if since is None else changes_since(board, since, WHOLE_BOARD_AFTER)
    column_ids = None if since is None else changed_columns(changes)
    context = columns_context(board, current_filter(), column_ids)
    response = make_response(render_template("boards/_changes.html", poller=True, **context))
    said = what_others_did(changes)
    return announce(response, said) if said else response


def what_others_did(changes):
    """The sentence read out for the changes made by other people (one's own are known already)."""
    others = [change for change in changes if change.actor_id != current_user.id]
    if len(others) > SAID_ONE_BY_ONE:
        return ngettext("%(num)d change on the board.", "%(num)d changes on the board.", len(others))
    return " ".join(_("%(name)s %(action)s.", name=change.actor.name if change.actor else _("Relais"),
                      action=describe_activity(change)) for change in others)
