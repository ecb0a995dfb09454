"""The mentions inbox of the agency (all clients, or one): filters, live updates, bulk, export."""
from flask import Response, abort, g, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user
from jinja2_fragments.flask import render_block
from sqlalchemy import select

from saas import db, params, tenancy
from saas.web import get_or_404
from tenants.clients.models import Client
from tenants.monitoring import bp, inbox, mention_cards
from tenants.monitoring.models import MENTION_STATUSES, SENTIMENTS, Keyword, Mention
from tenants.monitoring.preview import segments

PAGE = "monitoring/inbox.html"


def _lookups():
    clients = db.session.scalars(select(Client).order_by(Client.name)).all()
    keywords = db.session.scalars(select(Keyword).order_by(Keyword.query)).all()
    return clients, keywords


def _row_context(rows, clients, keywords):
    """What a mention row shows besides the mention: client, keyword, highlights, its card."""
    return {"client_names": {c.id: c for c in clients}, "keyword_names": {k.id: k.query for k in keywords},
            "segments": segments, "sentiments": SENTIMENTS,
            "linked_cards": mention_cards.cards_of([m.id for m in rows])}


@bp.get("/mentions/")
def mentions():
    """The inbox: newest first, filtered; htmx asks for the rows only (next page, live)."""
    filters = inbox.read_filters(request.args)
    position = params.cursor_arg("after")
    rows, cursor = inbox.page(filters, position)
    clients, keywords = _lookups()
    context = {"mentions": rows, "cursor": cursor, "filters": filters, "args": filters.as_args(),
               "clients": clients, "keywords": keywords, "latest_id": inbox.latest_id(), "statuses": MENTION_STATUSES,
               **_row_context(rows, clients, keywords)}
    if request.headers.get("HX-Request") and position:
        return render_block(PAGE, "rows", **context)
    return render_template(PAGE, **context)


@bp.get("/mentions/live")
def mentions_live():
    """New mentions since the newest one shown; 204 when there is nothing new."""
    since = params.int_arg("since", 0, params.MAX_ID)
    if since is None:
        return "", 204
    filters = inbox.read_filters(request.args)
    rows = inbox.newer_than(filters, since)
    if not rows:
        return "", 204
    clients, keywords = _lookups()
    return render_template("monitoring/_live.html", mentions=rows, latest_id=max(m.id for m in rows),
                           args=filters.as_args(), **_row_context(rows, clients, keywords))


@bp.post("/mentions/bulk")
def bulk_action():
    """Mark the selected mentions as read, new or archived."""
    status = {"read": "read", "unread": "new", "archive": "archived", "restore": "new"}.get(request.form.get("action"))
    ids = params.ids_arg("ids", source=request.form)
    if status is None or not ids:
        abort(400)
    inbox.set_status(ids, status)
    return redirect(request.form.get("next") if (request.form.get("next") or "").startswith(f"/a/{g.agency.slug}/")
                    else url_for("monitoring.mentions"))


@bp.post("/mentions/<int:mention_id>/sentiment")
def correct_sentiment(mention_id):
    """Correct the sentiment of one mention; the correction is kept and shown."""
    mention = get_or_404(Mention, mention_id)
    label = request.form.get("sentiment")
    if label not in SENTIMENTS:
        abort(400)
    inbox.correct_sentiment(mention, label, g.membership.user_id)
    clients, keywords = _lookups()
    return render_template("monitoring/_mention.html", mention=mention, **_row_context([mention], clients, keywords))


@bp.post("/mentions/<int:mention_id>/card")
def create_card(mention_id):
    """Make a board card from a mention (or open the one made already); the link is kept both ways."""
    mention = get_or_404(Mention, mention_id)
    card = mention_cards.card_for(mention, current_user)
    return redirect(url_for("boards.show_card", card_id=card.id))


@bp.app_context_processor
def _card_mentions():
    """Let a board card show the mentions it was made from (boards know nothing of monitoring)."""
    return {"card_mentions": mention_cards.mentions_of_card}


@bp.get("/mentions/export.csv")
def export_csv():
    """Stream every mention matching the filters as CSV (large sets included)."""
    filters = inbox.read_filters(request.args)
    clients, keywords = _lookups()
    agency_id = g.agency.id

    def rows():
        # The body is produced after the view returns: the agency is set again for its queries.
        with tenancy.agency_scope(agency_id):
            yield from inbox.export_rows(filters, {c.id: c.name for c in clients}, {k.id: k.query for k in keywords})

    filename = _("mentions") + ".csv"
    return Response(stream_with_context(rows()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
