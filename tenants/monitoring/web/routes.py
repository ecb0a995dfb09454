"""A client's monitoring settings: keywords (with preview and backfill progress) and sources."""
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from saas.domain import Conflict
from saas.billing.limits import LimitReached, check_limit
from saas.flashes import flash_undo
from saas.jobs import enqueue_after_commit
from saas.views import get_or_404, require_role
from saas.audit import service as audit_trail
from tenants.clients.models import Client
from tenants.monitoring import bp, catalogue, service
from tenants.monitoring.pipeline.jobs import backfill_keyword, refresh_source
from tenants.monitoring.language.explain import describe_query, sample_hits
from tenants.monitoring.language.matcher import build_index, match_details
from tenants.monitoring.language.query import parse_query
from tenants.monitoring.models import SEARCH_CONNECTORS, Keyword
from tenants.monitoring.web import forms
from tenants.monitoring.web.preview import preview_mentions, segments


def _page(client, errors=None, form=None, status=200):
    sources = service.sources_of(client.id)
    return render_template(
        "monitoring/client.html", client=client, keywords=service.keywords_of(client.id),
        archived_keywords=service.keywords_of(client.id, archived=True),
        settings=service.settings_of(client.id), sources=sources,
        items_per_day=service.items_per_day([source.id for source in sources]),
        failing_keywords=service.failing_keywords(client.id), press=catalogue.by_type(),
        followed_urls={source.url for source in sources},
        connectors=SEARCH_CONNECTORS, errors=errors or {}, form=form or {},
    ), status


@bp.get("/clients/<int:client_id>/monitoring")
def client_monitoring(client_id):
    """Keywords and sources of one client."""
    return _page(get_or_404(Client, client_id))


@bp.post("/clients/<int:client_id>/keywords")
def create_keyword(client_id):
    """Add a keyword; its backfill starts at once."""
    client = get_or_404(Client, client_id)
    values, errors = forms.clean_keyword_form(request.form, client.id)
    status = 422
    if not errors:
        try:
            check_limit("keywords")
        except LimitReached as exc:
            errors["query"], status = exc.message, 402
    if errors:
        return _page(client, errors, request.form, status)
    query, language = values["query"], values["language"]
    keyword = service.create_keyword(client.id, query, language, inflect=values["forms"] == "plurals")
    enqueue_after_commit(backfill_keyword, keyword.id, agency_id=g.agency.id, job_id=f"backfill-{keyword.id}")
    flash(_("Keyword added: the first mentions are being fetched."), "success")
    return redirect(url_for("monitoring.client_monitoring", client_id=client.id))


@bp.post("/clients/<int:client_id>/keywords/preview")
def preview_keyword(client_id):
    """Show what a query would match in a pasted text and among stored mentions."""
    client = get_or_404(Client, client_id)
    values, error = forms.clean_preview_form(request.form)
    sample = values["sample"]
    context = {"client": client, "error": error, "sample_segments": None, "matches": []}
    if not error:
        query = parse_query(values["query"], inflect=values["forms"] == "plurals", language=values["language"])
        index = build_index([(0, query, values["language"])])
        spans = match_details(index, sample).get(0) if sample else None
        context["explanation"] = describe_query(query)
        context["sample_hits"] = sample_hits(query, sample) if spans else []
        context["sample_segments"] = segments(sample, spans or []) if spans else None
        context["sample_matched"] = bool(spans)
        context["matches"] = preview_mentions(client.id, index)
    return render_template("monitoring/_preview.html", **context), (422 if error else 200)


@bp.get("/keywords/<int:keyword_id>/progress")
def keyword_progress(keyword_id):
    """The backfill progress of a keyword; answers 286 (stop polling) when done."""
    keyword = get_or_404(Keyword, keyword_id)
    body = render_template("monitoring/_progress.html", keyword=keyword,
                           failing_keywords=service.failing_keywords(keyword.client_id))
    return body, (286 if keyword.backfill_state in ("done", "failed") else 200)


@bp.post("/keywords/<int:keyword_id>/google-news")
def follow_google_news(keyword_id):
    """Follow the Google News search feeds of a keyword, as feeds of its client."""
    keyword = get_or_404(Keyword, keyword_id)
    followed = service.follow_google_news(keyword)
    flash(ngettext("%(num)d Google News search followed for this keyword.",
                   "%(num)d Google News searches followed for this keyword.", len(followed)), "success")
    return redirect(url_for("monitoring.client_monitoring", client_id=keyword.client_id))


@bp.post("/keywords/<int:keyword_id>/pause")
def pause_keyword(keyword_id):
    """Stop matching a keyword for now (its mentions stay)."""
    keyword = get_or_404(Keyword, keyword_id)
    service.set_keyword_active(keyword, False)
    return redirect(url_for("monitoring.client_monitoring", client_id=keyword.client_id))


@bp.post("/keywords/<int:keyword_id>/resume")
def resume_keyword(keyword_id):
    """Match a paused keyword again."""
    keyword = get_or_404(Keyword, keyword_id)
    check_limit("keywords")
    service.set_keyword_active(keyword, True)
    return redirect(url_for("monitoring.client_monitoring", client_id=keyword.client_id))


@bp.post("/keywords/<int:keyword_id>/archive")
def archive_keyword(keyword_id):
    """Archive a keyword: it stops matching and counting in the plan; its mentions stay; it can be restored."""
    keyword = get_or_404(Keyword, keyword_id)
    if keyword.archived_at is None:
        service.archive_keyword(keyword)
    flash_undo(_("Keyword “%(query)s” archived: it no longer looks for mentions; those it found stay in the inbox.",
                 query=keyword.query), url_for("monitoring.restore_keyword", keyword_id=keyword.id))
    return redirect(url_for("monitoring.client_monitoring", client_id=keyword.client_id))


@bp.post("/keywords/<int:keyword_id>/restore")
def restore_keyword(keyword_id):
    """Bring an archived keyword back: active again, or paused when the plan has no room for it."""
    keyword = get_or_404(Keyword, keyword_id)
    if keyword.archived_at is not None:
        try:
            check_limit("keywords")
            active = True
        except LimitReached as exc:
            active = False
            flash(exc.message, "error")
        service.restore_keyword(keyword, active)
        if active:
            enqueue_after_commit(backfill_keyword, keyword.id, agency_id=g.agency.id, job_id=f"backfill-{keyword.id}")
        flash(_("Keyword “%(query)s” restored.", query=keyword.query) if active else
              _("Keyword “%(query)s” restored, paused.", query=keyword.query), "success")
    return redirect(url_for("monitoring.client_monitoring", client_id=keyword.client_id))


@bp.route("/keywords/<int:keyword_id>/delete", methods=["GET", "POST"])
@require_role("owner", "admin")
def delete_keyword(keyword_id):
    """Delete an archived keyword for good, with its mentions, once the page saying how many is confirmed."""
    keyword = get_or_404(Keyword, keyword_id)
    count = service.count_mentions(keyword)
    if request.method == "GET" or keyword.archived_at is None or request.form.get("confirm") != "delete":
        # Only an archived keyword is deleted (the page says so); a POST without the page's button is refused.
        status = 200 if request.method == "GET" else 409 if keyword.archived_at is None else 422
        return render_template("monitoring/delete_keyword.html", keyword=keyword, count=count,
                               client=get_or_404(Client, keyword.client_id)), status
    client_id, query = keyword.client_id, keyword.query
    service.delete_keyword(keyword)
    audit_trail.record("keyword_deleted", query, {"mentions": count})
    flash(ngettext("Keyword “%(query)s” deleted, with its %(num)d mention.",
                   "Keyword “%(query)s” deleted, with its %(num)d mentions.", count, query=query), "success")
    return redirect(url_for("monitoring.client_monitoring", client_id=client_id))


@bp.post("/clients/<int:client_id>/feeds")
def follow_feed(client_id):
    """Follow an RSS or Atom feed for this client."""
    client = get_or_404(Client, client_id)
    values, errors = forms.clean_feed_form(request.form)
    if errors:
        return _page(client, errors, request.form, 422)
    service.follow_feed(client.id, values["url"])
    flash(_("Feed followed again, with its history.") if values["again"] else
          _("Feed added. It is fetched within a few minutes; its status shows below."), "success")
    return redirect(url_for("monitoring.client_monitoring", client_id=client.id))


@bp.post("/clients/<int:client_id>/catalogue")
def follow_catalogue(client_id):
    """Follow one outlet of the press catalogue (`outlet`), or a whole group of it (`group`)."""
    client = get_or_404(Client, client_id)
    chosen = catalogue.follow(client.id, request.form.get("outlet") or None, request.form.get("group") or None)
    flash(ngettext("%(num)d press outlet followed: its feeds are fetched within a few minutes.",
                   "%(num)d press outlets followed: their feeds are fetched within a few minutes.", len(chosen)),
          "success")
    return redirect(url_for("monitoring.client_monitoring", client_id=client.id))


@bp.post("/clients/<int:client_id>/feeds/<int:source_id>/remove")
def unfollow_feed(client_id, source_id):
    """Stop following a feed for this client; its mentions stay, and following it again brings it back whole."""
    client = get_or_404(Client, client_id)
    source = service.unfollow_feed(client.id, source_id)
    if source is not None:
        flash_undo(_("Feed “%(name)s” removed. Its mentions stay in the inbox.", name=source.title or source.url),
                   url_for("monitoring.follow_feed", client_id=client.id), {"url": source.url, "again": "1"})
    return redirect(url_for("monitoring.client_monitoring", client_id=client.id))


@bp.post("/clients/<int:client_id>/sources/<int:source_id>/fetch")
def fetch_source_now(client_id, source_id):
    """Fetch a source the client follows now (at most once a minute per source), for every agency."""
    client = get_or_404(Client, client_id)
    try:
        source = service.fetch_now(client.id, source_id)
    except Conflict as refused:  # fetched a moment ago: the page again, saying when to try
        flash(refused.message, "error")
        return _page(client, status=409)
    enqueue_after_commit(refresh_source, source.id, job_id=f"refresh-source-{source.id}")
    flash(_("“%(name)s” is being fetched: its status updates in a moment.", name=source.title or source.key),
          "success")
    return redirect(url_for("monitoring.client_monitoring", client_id=client.id))


@bp.post("/clients/<int:client_id>/connectors")
def update_connectors(client_id):
    """Choose which search services run for this client's keywords."""
    client = get_or_404(Client, client_id)
    values, errors = forms.clean_connectors_form(request.form)
    if errors:
        return _page(client, errors, request.form, 422)
    if any(c not in SEARCH_CONNECTORS for c in values["connectors"]):
        abort(400)
    token = values["mastodon_token"] or (None if values["forget_token"] else service.KEEP_TOKEN)
    service.update_connectors(client.id, values["connectors"], values["mastodon_instances"] or ["mastodon.social"],
                              token)
    flash(_("Search services saved."), "success")
    return redirect(url_for("monitoring.client_monitoring", client_id=client.id))
