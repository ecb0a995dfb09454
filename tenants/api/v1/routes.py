"""The API's resources: clients, keywords, mentions (the inbox's filters and keyset pages, their tags), boards,
cards and their comments, crises and alerts (stored reports: report_routes.py).

Each view loads through the tenant scope (an id of another agency is a 404) and, for a token
limited to one client, answers 404 for every other client's data. Writes go through the
features' services, like the web pages' do.
"""
from flask import abort, g, request
from flask_smorest import Blueprint
from sqlalchemy import select

from saas import db, params
from saas.billing.access import billing_state
from saas.errors import problem
from saas.views import get_or_404
from tenants.boards import cards as card_service
from saas.auth.models import User
from tenants.boards import details as card_details
from tenants.boards.models import BoardCard, BoardColumn, CardComment
from tenants.boards.service import column_cards, get_or_create_board, list_columns
from tenants.clients.models import Client
from tenants.clients.service import list_clients
from tenants.crisis.models import AlertRule, Crisis, CrisisAlert
from tenants.monitoring import tags
from tenants.monitoring.models import Keyword, Mention
from tenants.monitoring.web import inbox
from tenants.api import tokens
from tenants.api.v1 import schemas

SECURITY = [{"bearer": []}]
clients_bp = Blueprint("api_clients", __name__, url_prefix="/api/v1/clients", description="Clients (brands)")
mentions_bp = Blueprint("api_mentions", __name__, url_prefix="/api/v1/mentions", description="Mentions (the inbox)")
crises_bp = Blueprint("api_crises", __name__, url_prefix="/api/v1/crises", description="Crises and their alerts")
alerts_bp = Blueprint("api_alerts", __name__, url_prefix="/api/v1/alerts", description="Crisis and buzz alerts")
BLUEPRINTS = (clients_bp, mentions_bp, crises_bp, alerts_bp)
LISTED = 100  # crises and alerts listed, newest first
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def authenticate():
    """Scope the request to the agency of its bearer token (401 without a valid one, 403 to write with a read one)."""
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    token = tokens.authenticate(secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        abort(401)
    if request.method in WRITE_METHODS and token.scope != "write":
        abort(403)
    if request.method in WRITE_METHODS and billing_state().level == "read_only":
        return problem(402)  # the workspace is read-only (billing), as on its pages
    g.api_token = token
    return None


def documented(blueprint, *codes):
    """Document the bearer security and the problem answers of a view."""

    def decorate(view):
        view = blueprint.doc(security=SECURITY)(view)
        for code in codes:
            view = blueprint.alt_response(code, description="application/problem+json")(view)
        return view

    return decorate


def visible_client(client_id):
    """A client of the agency the token may see, else 404."""
    client = get_or_404(Client, client_id)
    if g.api_token.client_id not in (None, client.id):
        abort(404)
    return client


@clients_bp.get("/")
@clients_bp.response(200, schemas.ClientSchema(many=True))
@documented(clients_bp, 401, 429)
def list_all():
    """The agency's active clients (only its own for a token limited to one client)."""
    found = list_clients()
    return [c for c in found if g.api_token.client_id in (None, c.id)]


@clients_bp.get("/<int:client_id>")
@clients_bp.response(200, schemas.ClientSchema)
@documented(clients_bp, 401, 404, 429)
def get_client(client_id):
    """One client."""
    return visible_client(client_id)


@clients_bp.get("/<int:client_id>/keywords")
@clients_bp.response(200, schemas.KeywordSchema(many=True))
@documented(clients_bp, 401, 404, 429)
def keywords(client_id):
    """A client's keywords (archived ones left out)."""
    client = visible_client(client_id)
    return db.session.scalars(select(Keyword).where(Keyword.of_client(client.id), Keyword.archived_at.is_(None))
                              .order_by(Keyword.id)).all()


@clients_bp.get("/<int:client_id>/board")
@clients_bp.response(200, schemas.BoardSchema)
@documented(clients_bp, 401, 404, 429)
def board(client_id):
    """A client's board: its columns and cards (in order)."""
    board = get_or_create_board(visible_client(client_id))
    columns = list(list_columns(board))
    cards = [card for column in columns for card in column_cards(column.id)]
    return {"id": board.id, "client_id": board.client_id, "columns": columns, "cards": cards}


@clients_bp.post("/<int:client_id>/cards")
@clients_bp.arguments(schemas.CardCreateSchema)
@clients_bp.response(201, schemas.CardSchema)
@documented(clients_bp, 401, 403, 404, 422, 429)
def create_card(values, client_id):
    """Add a card at the bottom of a column of the client's board (its first column by default)."""
    board = get_or_create_board(visible_client(client_id))
    column = _column_of(board, values.get("column_id"))
    return card_service.create_card(board, column, {"title": values["title"].strip(),
                                                    "description": values["description"], "pole": values["pole"]},
                                    None)


@clients_bp.post("/<int:client_id>/cards/<int:card_id>/move")
@clients_bp.arguments(schemas.CardMoveSchema)
@clients_bp.response(200, schemas.CardSchema)
@documented(clients_bp, 401, 403, 404, 422, 429)
def move_card(values, client_id, card_id):
    """Move a card to a column of its board, after another card (0: at the top; null: at the bottom)."""
    board = get_or_create_board(visible_client(client_id))
    card = get_or_404(BoardCard, card_id)
    if card.board_id != board.id:
        abort(404)
    column = _column_of(board, values["column_id"])
    card_service.move_card(board, card, column, values["after_id"], None)
    db.session.refresh(card)
    return card


@clients_bp.get("/<int:client_id>/cards/<int:card_id>/comments")
@clients_bp.response(200, schemas.CommentSchema(many=True))
@documented(clients_bp, 401, 404, 429)
def card_comments(client_id, card_id):
    """A card's comments, oldest first: the team's thread and the one shared with the client's guests."""
    card = _card_of(client_id, card_id)
    return db.session.scalars(select(CardComment).where(CardComment.card_id == card.id)
                              .order_by(CardComment.id)).all()


@clients_bp.post("/<int:client_id>/cards/<int:card_id>/comments")
@clients_bp.arguments(schemas.CommentCreateSchema)
@clients_bp.response(201, schemas.CommentSchema)
@documented(clients_bp, 401, 403, 404, 422, 429)
def comment_card(values, client_id, card_id):
    """Comment on a card, in the name of the token's creator (while still a member); @handles notify members."""
    from saas.auth.service import members_of_agency

    card = _card_of(client_id, card_id)
    board = get_or_create_board(visible_client(client_id))
    members = members_of_agency()
    author = db.session.get(User, g.api_token.created_by_id) if g.api_token.created_by_id else None
    if author is not None and all(m.user_id != author.id or m.role == "guest" for m in members):
        author = None  # the creator left the agency: the comment has no author
    comment = card_details.add_comment(board, card, values["body"].strip(), author, members)
    comment.visibility = values["visibility"]
    db.session.flush()
    return comment


def _card_of(client_id, card_id):
    """A card of the client's board, else 404."""
    board = get_or_create_board(visible_client(client_id))
    card = get_or_404(BoardCard, card_id)
    if card.board_id != board.id:
        abort(404)
    return card


def _column_of(board, column_id):
    if column_id is None:
        return list_columns(board)[0]
    column = get_or_404(BoardColumn, column_id)
    if column.board_id != board.id:
        abort(404)
    return column


@mentions_bp.get("/")
@mentions_bp.arguments(schemas.MentionQuerySchema, location="query", error_status_code=400)
@mentions_bp.response(200, schemas.MentionPageSchema)
@documented(mentions_bp, 400, 401, 404, 429)
def list_mentions(_args):
    """Mentions, newest first, with the inbox's filters; `next_cursor` leads to the next page."""
    filters = inbox.read_filters(request.args)
    if filters.errors:
        raise params.BadParameter(sorted(filters.errors)[0], "Use a date written YYYY-MM-DD.")
    if g.api_token.client_id is not None:
        if filters.client_id not in (None, g.api_token.client_id):
            abort(404)
        filters.client_id = g.api_token.client_id
    if filters.client_id is not None:
        get_or_404(Client, filters.client_id)
    rows, following = inbox.page(filters, params.cursor_arg("after"))
    return {"items": tags.attach(rows), "next_cursor": following}


@mentions_bp.get("/<int:mention_id>")
@mentions_bp.response(200, schemas.MentionSchema)
@documented(mentions_bp, 401, 404, 429)
def get_mention(mention_id):
    """One mention."""
    return tags.attach([_visible_mention(mention_id)])[0]


@mentions_bp.patch("/<int:mention_id>")
@mentions_bp.arguments(schemas.MentionPatchSchema)
@mentions_bp.response(200, schemas.MentionSchema)
@documented(mentions_bp, 401, 403, 404, 422, 429)
def update_mention(values, mention_id):
    """Change a mention's status (new, read, archived), correct its sentiment, and/or set its tags (all of them)."""
    mention = _visible_mention(mention_id)
    if "tags" in values:
        try:
            tags.replace(mention, values["tags"], g.api_token.created_by_id)
        except tags.TagError as refusal:
            return problem(422, refusal, {"json": {"tags": [str(refusal)]}})
    if "status" in values:
        mention.status = values["status"]
    if "sentiment" in values:
        inbox.correct_sentiment(mention, values["sentiment"], None)
    db.session.flush()
    return tags.attach([mention])[0]


def _visible_mention(mention_id):
    mention = get_or_404(Mention, mention_id)
    if g.api_token.client_id not in (None, mention.client_id):
        abort(404)
    return mention


def _client_filter(requested):
    """The client a list is limited to: the token's own client, else the one asked for (checked), else None."""
    if g.api_token.client_id is not None:
        if requested not in (None, g.api_token.client_id):
            abort(404)
        return g.api_token.client_id
    if requested is not None:
        get_or_404(Client, requested)
    return requested


@crises_bp.get("/")
@crises_bp.arguments(schemas.CrisisQuerySchema, location="query", error_status_code=400)
@crises_bp.response(200, schemas.CrisisSchema(many=True))
@documented(crises_bp, 400, 401, 404, 429)
def list_crises(args):
    """The agency's crises (at most 100), open ones first, then the newest; by client and status."""
    query = select(Crisis).order_by((Crisis.status == "open").desc(), Crisis.opened_at.desc(), Crisis.id.desc())
    client_id = _client_filter(args.get("client"))
    if client_id is not None:
        query = query.where(Crisis.client_id == client_id)
    if "status" in args:
        query = query.where(Crisis.status == args["status"])
    return db.session.scalars(query.limit(LISTED)).all()


@crises_bp.get("/<int:crisis_id>")
@crises_bp.response(200, schemas.CrisisDetailSchema)
@documented(crises_bp, 401, 404, 429)
def get_crisis(crisis_id):
    """One crisis with its alerts, newest first."""
    crisis = get_or_404(Crisis, crisis_id)
    if g.api_token.client_id not in (None, crisis.client_id):
        abort(404)
    alerts = db.session.scalars(select(CrisisAlert).where(CrisisAlert.crisis_id == crisis.id)
                                .order_by(CrisisAlert.id.desc())).all()
    return {**{name: getattr(crisis, name) for name in schemas.CrisisSchema().fields}, "alerts": alerts}


@alerts_bp.get("/")
@alerts_bp.arguments(schemas.AlertQuerySchema, location="query", error_status_code=400)
@alerts_bp.response(200, schemas.AlertSchema(many=True))
@documented(alerts_bp, 400, 401, 404, 429)
def list_alerts(args):
    """Crisis and buzz alerts (at most 100), newest first; by client and kind."""
    query = select(CrisisAlert).order_by(CrisisAlert.id.desc())
    client_id = _client_filter(args.get("client"))
    if client_id is not None:
        query = query.join(AlertRule, (AlertRule.agency_id == CrisisAlert.agency_id)
                           & (AlertRule.id == CrisisAlert.rule_id)).where(AlertRule.client_id == client_id)
    if "kind" in args:
        query = query.where(CrisisAlert.kind == args["kind"])
    return db.session.scalars(query.limit(LISTED)).all()

