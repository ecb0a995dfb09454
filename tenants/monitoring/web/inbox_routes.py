"""The mentions inbox of the agency (all clients, or one): filters, live updates, bulk, exports (CSV, XLSX)."""
from flask import (Response, abort, flash, g, make_response, redirect, render_template, request, send_file,
                   stream_with_context, url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from jinja2 import pass_context
from jinja2_fragments.flask import render_block
from sqlalchemy import select

from saas.pagecache import cached_page
from saas import db, exports, params, tenancy
from saas.errors import render_error
from saas.flashes import flash_undo
from saas.fragments import Fragments
from saas.htmx import announce, is_htmx
from saas.i18n import agency_zone, local_today
from saas.views import get_or_404
from saas.web import page_extra
from saas.audit import service as audit_trail
from tenants.clients.models import Client
from tenants.monitoring import bp, mention_cards, tags
from tenants.monitoring.web import export, inbox
from tenants.monitoring.models import MENTION_STATUSES, SENTIMENTS, Keyword, Mention
from tenants.monitoring.web.preview import segments

PAGE = "monitoring/inbox.html"


def _lookups():
    clients = db.session.scalars(select(Client).order_by(Client.name)).all()
    keywords = db.session.scalars(select(Keyword).where(Keyword.competitor_id.is_(None)).order_by(Keyword.query)).all()
    return clients, keywords


def _row_context(rows, clients, keywords):
    """What a mention row shows besides the mention: client, keyword, highlights, its card, its tags."""
    ids = [m.id for m in rows]
    return {"client_names": {c.id: c for c in clients}, "keyword_names": {k.id: k.query for k in keywords},
            "segments": segments, "sentiments": SENTIMENTS, "linked_cards": mention_cards.cards_of(ids),
            "mention_tags": tags.tags_of(ids)}


# Inbox rows, each rendered once per distinct content (saas/fragments.py): the inbox and its live
# feed draw the same fifty mentions on every visit. The key is everything _mention.html shows.
_rows = Fragments("monitoring/_mention.html", size=5_000)


@bp.app_template_global()
@pass_context
def mention_rows(context, mentions):
    """The rows of `mentions` (monitoring/_mention.html), with the clients, keywords and cards of the page."""
    clients, keywords, cards = context["client_names"], context["keyword_names"], context["linked_cards"]
    labels = context["mention_tags"]

    def key(m):
        client = clients.get(m.client_id)
        return (m.id, m.status, m.sentiment, m.sentiment_corrected, m.source_kind, m.source_name, m.author,
                m.published_at, m.language, m.title, m.url, m.excerpt, repr(m.highlights), m.shared_with_client,
                None if client is None else (client.name, client.color), keywords.get(m.keyword_id),
                tuple(cards.get(m.id) or ()), tuple(labels.get(m.id) or ()))

    shared = {"client_names": clients, "keyword_names": keywords, "linked_cards": cards, "segments": segments,
              "sentiments": SENTIMENTS, "mention_tags": labels}
    return _rows.render(mentions, key, lambda m: {"mention": m, **shared})


@bp.get("/mentions/")
@cached_page
def mentions():
    """The inbox: newest first, filtered; htmx asks for the rows only (next page, live)."""
    filters = inbox.read_filters(request.args)
    position = params.cursor_arg("after")
    rows, cursor = inbox.page(filters, position)
    clients, keywords = _lookups()
    context = {"mentions": rows, "cursor": cursor, "filters": filters, "args": filters.as_args(),
               "clients": clients, "keywords": keywords, "latest_id": inbox.latest_id(), "statuses": MENTION_STATUSES,
               "agency_tags": tags.agency_tags(), **_row_context(rows, clients, keywords)}
    if is_htmx() and position:
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
    page = render_template("monitoring/_live.html", mentions=rows, latest_id=max(m.id for m in rows),
                           args=filters.as_args(), **_row_context(rows, clients, keywords))
    return announce(make_response(page), ngettext("%(num)d new mention.", "%(num)d new mentions.", len(rows)))


def _back_to_inbox():
    """Where a bulk action returns: the inbox page it came from (with its filters), else the inbox."""
    target = request.form.get("next") or ""
    return target if target.startswith(f"/a/{g.agency.slug}/") else url_for("monitoring.mentions")


@bp.post("/mentions/bulk")
def bulk_action():
    """Mark the selected mentions as read, new or archived; archiving offers to undo it."""
    status = {"read": "read", "unread": "new", "archive": "archived", "restore": "new"}.get(request.form.get("action"))
    ids = params.ids_arg("ids", source=request.form)
    if status is None or not ids:
        abort(400)
    before = inbox.statuses_of(ids) if status == "archived" else {}
    before.pop("archived", None)  # already archived: nothing to put back
    changed = inbox.set_status(ids, status)
    if before:
        flash_undo(ngettext("%(num)d mention archived.", "%(num)d mentions archived.", changed),
                   url_for("monitoring.undo_archive"), {"restore": inbox.pack_statuses(before), "next": _back_to_inbox()})
    return redirect(_back_to_inbox())


@bp.post("/mentions/bulk/undo")
def undo_archive():
    """Put back exactly the mentions a bulk archive took out of the inbox, each with the status it had."""
    statuses = inbox.unpack_statuses(request.form.get("restore"))
    if statuses is None:
        abort(400)
    restored = inbox.restore_statuses(statuses)
    flash(ngettext("%(num)d mention is back in the inbox.", "%(num)d mentions are back in the inbox.", restored),
          "success")
    return redirect(_back_to_inbox())


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


def _tagged_row(mention, error=None, typed=""):
    """A mention's row after a change of its tags (htmx), else back to the inbox; 422 with the message on a refusal."""
    if not is_htmx():
        return render_error(422, error) if error else redirect(_back_to_inbox())
    clients, keywords = _lookups()
    row = render_template("monitoring/_mention.html", mention=mention, tag_error=error, tag_typed=typed,
                          **_row_context([mention], clients, keywords))
    return row, 422 if error else 200


@bp.post("/mentions/<int:mention_id>/tags")
def add_tag(mention_id):
    """Put a tag on a mention (the agency's tags are suggested as it is typed)."""
    mention = get_or_404(Mention, mention_id)
    typed = params.text_arg("tag", 1000, source=request.form)
    try:
        tags.add(mention, typed, g.membership.user_id)
    except tags.TagError as refusal:
        return _tagged_row(mention, str(refusal), typed)
    return _tagged_row(mention)


@bp.post("/mentions/<int:mention_id>/tags/remove")
def remove_tag(mention_id):
    """Take a tag off a mention (putting it back is one click: nothing to confirm)."""
    mention = get_or_404(Mention, mention_id)
    tags.remove(mention, params.text_arg("tag", 1000, source=request.form))
    return _tagged_row(mention)


@bp.post("/mentions/<int:mention_id>/card")
def create_card(mention_id):
    """Make a board card from a mention (or open the one made already); the link is kept both ways."""
    mention = get_or_404(Mention, mention_id)
    card = mention_cards.card_for(mention, current_user)
    return redirect(url_for("boards.show_card", card_id=card.id))


@page_extra("card_panel", "linked_mentions")
def _card_mentions(card):
    """Let a board card show the mentions it was made from (boards know nothing of monitoring)."""
    return mention_cards.mentions_of_card(card.id)


def _export_setup():
    """What both exports read in the request: checked filters, names, the reader's layout and words."""
    refusal = export.check_filters(request.args)
    if refusal is not None:
        return None, refusal
    clients, keywords = _lookups()
    zone = agency_zone()
    return {"filters": inbox.read_filters(request.args), "client_names": {c.id: c.name for c in clients},
            "keyword_queries": {k.id: k.query for k in keywords}, "words": export.human_values(),
            "header": export.header(str(zone)), "layout": exports.layout_for(get_locale(), zone)}, None


def _filename(extension):
    name = _("mentions")
    return f"{name}-{local_today().isoformat()}.{extension}"


@bp.get("/mentions/export.csv")
def export_csv():
    """Stream every mention matching the filters as CSV for the reader's Excel (large sets included)."""
    setup, refusal = _export_setup()
    if refusal is not None:
        return refusal
    agency_id = g.agency.id
    audit_trail.record("mentions_exported", "CSV", dict(request.args.items()))

    def chunks():
        # The body is produced after the view returns: the agency is set again for its queries.
        with tenancy.agency_scope(agency_id):
            rows = export.rows(setup["filters"], setup["client_names"], setup["keyword_queries"], setup["words"])
            yield from exports.csv_chunks(setup["header"], rows, setup["layout"])

    return Response(stream_with_context(chunks()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{_filename("csv")}"'})


@bp.get("/mentions/export.xlsx")
def export_xlsx():
    """Every mention matching the filters as an Excel workbook, written to disk as it is read."""
    setup, refusal = _export_setup()
    if refusal is not None:
        return refusal
    rows = export.rows(setup["filters"], setup["client_names"], setup["keyword_queries"], setup["words"])
    try:
        workbook = exports.xlsx_file(setup["header"], rows, setup["layout"], _("Mentions"))
    except exports.TooManyRows:
        return render_error(400, _("Too many mentions for one spreadsheet: narrow the filters, or export as CSV."))
    audit_trail.record("mentions_exported", "XLSX", dict(request.args.items()))
    return send_file(workbook, mimetype=exports.XLSX_MIMETYPE, as_attachment=True, download_name=_filename("xlsx"))
