"""The loaders and renderers the board routes share, and the guests' card routes answer with (a declared
interface of boards: pyproject.toml, contract "features")."""
from urllib.parse import parse_qsl, urlsplit

from flask import g, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from saas import params
from saas.errors import render_error
from saas.htmx import header, is_htmx
from saas.views import get_or_404
from tenants.boards import queries, service
from tenants.boards.models import BoardCard, BoardColumn
from tenants.clients.models import Client


def board_of_client(client_id):
    """The board of one of the agency's clients (created on first visit), or 404."""
    return service.get_or_create_board(get_or_404(Client, client_id))


def card_or_404(card_id):
    """A card of the agency and its board, or 404."""
    card = get_or_404(BoardCard, card_id)
    return card, card.board


def column_or_404(column_id):
    """A column of the agency and its board, or 404."""
    column = get_or_404(BoardColumn, column_id)
    return column, column.board


def current_filter():
    """The card filter of this request's query string."""
    return queries.CardFilter.from_args(request.args, g.membership)


def columns_context(board, card_filter, column_ids=None):
    """What the columns of a board need to render (all of them, or only `column_ids`)."""
    columns = service.list_columns(board)
    shown = columns if column_ids is None else [c for c in columns if c.id in column_ids]
    cards = queries.board_tiles(board, card_filter, None if column_ids is None else [c.id for c in shown])
    return {"board": board, "columns": columns, "shown_columns": shown, "whole_board": column_ids is None,
            "cards": queries.cards_by_column(shown, cards), "counts": queries.tile_counts(cards),
            "totals": queries.column_totals(board), "filter": card_filter}


def board_changed(board, column_ids=None):
    """Answer a change: the re-rendered columns for htmx (out of band), else back to the board."""
    if not is_htmx():
        return redirect(url_for("boards.show", client_id=board.client_id))
    # The page's own filter travels in its address, which htmx sends along; a forged one only loses the filter.
    page_args = MultiDict(parse_qsl(urlsplit(header("HX-Current-URL") or "").query))
    try:
        card_filter = queries.CardFilter.from_args(page_args, g.membership)
    except params.BadParameter:
        card_filter = queries.CardFilter()
    return render_template("boards/_changes.html", **columns_context(board, card_filter, column_ids))


def refuse(errors, status=400):
    """Refuse a small board form with its first message (a toast for htmx)."""
    return render_error(status, next(iter(errors.values())))
