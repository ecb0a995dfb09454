"""Cards: quick add and full form, the card panel, edits (409 when stale), moves, delete."""
from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from saas import params
from saas.auth.models import Membership
from saas.htmx import add_trigger, announce, is_htmx
from saas.i18n import local_time
from saas.views import get_all_or_404, get_or_404
from saas.web import page_extras
from tenants.boards import bp, cards, details, queries, service
from tenants.boards.activity import card_activity
from tenants.boards.forms import clean_card_form
from tenants.boards.labels import list_labels
from tenants.boards.models import BoardCard, BoardColumn, BoardLabel
from tenants.boards.routes import board_changed, board_of_client, card_or_404, refuse

PREFILL = ("title", "description", "source_url", "source_excerpt")


def card_values(card):
    """A card as form values (times in the agency's zone; a date-only due date has no time)."""
    due = card.due_on or local_time(card.due_at)
    return {"title": card.title, "description": card.description, "pole": card.pole,
            "due_date": due.strftime("%Y-%m-%d") if due else "",
            "due_time": due.strftime("%H:%M") if due and not card.due_on else "",
            "client_visible": "1" if card.client_visible else "", "assignees": [str(m.id) for m in card.assignees],
            "labels": [str(label.id) for label in card.labels], "source_url": card.source_url or "",
            "source_excerpt": card.source_excerpt or "", "version": str(card.version)}


def typed_values(form):
    """What the person typed, to give the form back as it was."""
    return {**form.to_dict(), "assignees": form.getlist("assignees"), "labels": form.getlist("labels")}


def render_panel(card, board, values=None, errors=None, status=200, **extra):
    """The card panel (htmx) or page, with the edit form filled with `values`."""
    template = "boards/_card_panel.html" if is_htmx() else "boards/card.html"
    return render_template(
        template, card=card, board=board, drawer=is_htmx(), columns=service.list_columns(board), members=queries.assignable_members(),
        labels=list_labels(), comments=details.list_comments(card), checklist=details.list_checklist(card),
        links=details.list_links(card), activities=card_activity(card), values=values or card_values(card),
        errors=errors or {}, **page_extras("card_panel", card), **extra), status


def render_form(card, board, values, errors=None, status=200, **extra):
    """The card's edit form alone (htmx swaps it in place), else the card page."""
    if not is_htmx():
        return render_panel(card, board, values, errors, status, **extra)
    return render_template("boards/_card_form.html", card=card, board=board, members=queries.assignable_members(),
                           labels=list_labels(), values=values, errors=errors or {}, **extra), status


def chosen_people_and_labels(form, errors):
    """Load the assignees and labels a form names: 400 for a malformed id, 404 for a foreign one, a message for
    guests."""
    member_ids, label_ids = params.ids_arg("assignees", source=form), params.ids_arg("labels", source=form)
    members = get_all_or_404(Membership, member_ids)
    if any(m.role == "guest" for m in members):
        errors["assignees"] = _l("Guests cannot be assigned to cards: choose members of the agency.")
    return members, get_all_or_404(BoardLabel, label_ids)


def with_wip_notice(body, board, column):
    """Attach a warning (shown as a toast) when a column holds more cards than its WIP limit."""
    response = make_response(body)
    total = queries.column_totals(board).get(column.id, 0)
    if column.wip_limit and total > column.wip_limit:
        message = _("%(column)s holds %(n)d cards, over its limit of %(limit)d.", column=column.name, n=total,
                    limit=column.wip_limit)
        add_trigger(response, "boards:notice", {"message": message})
    return response


def announce_move(response, card, source, column):
    """Tell a screen reader where the card went: its new column, or its place in the same column."""
    if source.id != column.id:
        return announce(response, _("Card moved to %(column)s.", column=column.name))
    ids = [other.id for other in service.column_cards(column.id)]
    return announce(response, _("Card moved to position %(position)d of %(total)d in %(column)s.",
                                position=ids.index(card.id) + 1, total=len(ids), column=column.name))


@bp.get("/<int:client_id>/cards/new")
def new_card(client_id):
    """The full new-card form, pre-filled from the query string (e.g. from a mention)."""
    board = board_of_client(client_id)
    values = {key: params.text_arg(key, 2000) for key in PREFILL}
    return render_template("boards/new_card.html", board=board, columns=service.list_columns(board), values=values,
                           errors={}, members=queries.assignable_members(), labels=list_labels())


@bp.post("/<int:client_id>/cards")
def create_card(client_id):
    """Create a card: quick add at the bottom of a column, or the full form."""
    board = board_of_client(client_id)
    quick = request.form.get("quick") == "1"
    values, errors = clean_card_form(request.form, quick=quick)
    column_id = params.id_arg("column_id", source=request.form)
    column = service.board_column(board, column_id) if column_id else service.list_columns(board)[0]
    if column is None:
        abort(404)
    members, labels = ([], []) if quick else chosen_people_and_labels(request.form, errors)
    if errors and quick:
        return refuse(errors)
    if errors:
        return render_template("boards/new_card.html", board=board, columns=service.list_columns(board), errors=errors,
                               values=typed_values(request.form), members=queries.assignable_members(),
                               labels=list_labels()), 422
    if quick:
        values["pole"] = g.membership.pole or "both"  # a quick card belongs to its author's pole
    card = cards.create_card(board, column, values, current_user, members, labels)
    if quick and is_htmx():
        return with_wip_notice(board_changed(board, {column.id}), board, column)
    flash(_("Card created."), "success")
    return redirect(url_for("boards.show_card", card_id=card.id))


@bp.get("/cards/<int:card_id>")
def show_card(card_id):
    """A card with everything on it: panel for htmx, else a page."""
    card, board = card_or_404(card_id)
    return render_panel(card, board)


@bp.post("/cards/<int:card_id>")
def update_card(card_id):
    """Save a card; when someone saved it meanwhile, answer 409 with what was typed."""
    card, board = card_or_404(card_id)
    values, errors = clean_card_form(request.form)
    members, labels = chosen_people_and_labels(request.form, errors)
    if errors:
        return render_form(card, board, typed_values(request.form), errors, 422)
    version = params.int_arg("version", 0, params.MAX_INT, source=request.form)
    try:
        cards.update_card(board, card, values, version, current_user, members, labels)
    except cards.StaleCard:
        latest = card_activity(card, limit=1)
        return render_form(card, board, typed_values(request.form), status=409, conflict=latest[0] if latest else None)
    if not is_htmx():
        flash(_("Card saved."), "success")
        return redirect(url_for("boards.show_card", card_id=card.id))
    form, _status = render_form(card, board, card_values(card), saved=True)
    return form + board_changed(board, {card.column_id})


@bp.post("/cards/<int:card_id>/move")
def move_card(card_id):
    """Move a card to a column of its board, after a given card (drag and drop, "Move to…")."""
    card, board = card_or_404(card_id)
    column = get_or_404(BoardColumn, params.id_arg("column_id", 0, request.form))
    after_id = params.int_arg("after_id", 0, params.MAX_ID, source=request.form)  # 0: to the top
    after = get_or_404(BoardCard, after_id) if after_id else None
    if column.board_id != board.id or (after is not None and after.board_id != board.id):
        abort(404)
    source = cards.move_card(board, card, column, after_id, current_user)
    return announce_move(with_wip_notice(board_changed(board, {source.id, column.id}), board, column), card, source, column)


@bp.post("/cards/<int:card_id>/step")
def step_card(card_id):
    """Move a card one step up, down, left or right (keyboard and buttons)."""
    card, board = card_or_404(card_id)
    direction = request.form.get("direction", "")
    if direction not in cards.DIRECTIONS:
        return refuse({"direction": _l("Choose up, down, left or right.")})
    source = cards.step_card(board, card, direction, current_user)
    column = card.column
    return announce_move(with_wip_notice(board_changed(board, {source.id, column.id}), board, column), card, source, column)


@bp.post("/cards/<int:card_id>/delete")
def delete_card(card_id):
    """Delete a card and what hangs on it."""
    card, board = card_or_404(card_id)
    column_id = card.column_id
    cards.delete_card(board, card, current_user)
    if not is_htmx():
        flash(_("Card deleted."), "success")
    return board_changed(board, {column_id})
