"""The boards overview, a client's board, and its activity log."""
from flask import render_template

from saas.pagecache import cached_page
from saas.htmx import header, is_htmx
from tenants.boards import bp, queries
from tenants.boards.activity import board_activity
from tenants.boards.labels import list_labels
from tenants.boards.routes import board_of_client, columns_context, current_filter
from tenants.clients.service import list_clients


@bp.get("/")
@cached_page
def index():
    """Every client's board at a glance, with the agency-wide views."""
    summaries = queries.board_summaries(list_clients())
    return render_template("boards/index.html", summaries=summaries)


@bp.get("/<int:client_id>")
@cached_page
def show(client_id):
    """A client's board (created on first visit), filtered; htmx gets just the columns."""
    board = board_of_client(client_id)
    context = columns_context(board, current_filter())
    if is_htmx() and header("HX-Target") == "board-columns":
        return render_template("boards/_columns.html", feed_oob=True, **context)  # the poller takes the filter
    return render_template("boards/board.html", members=queries.assignable_members(), labels=list_labels(),
                           view="board", **context)


@bp.get("/<int:client_id>/activity")
def activity(client_id):
    """Who did what on a client's board, newest first."""
    board = board_of_client(client_id)
    return render_template("boards/activity.html", board=board, activities=board_activity(board), view="activity")
