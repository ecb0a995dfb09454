"""A client's competitors: add, rename, remove; their keywords, with the client's query language and plan limit."""
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from saas.audit import service as audit_trail
from saas.billing.limits import LimitReached, check_limit
from saas.db import utcnow
from saas.jobs import enqueue_after_commit
from saas.views import get_or_404, require_role
from tenants.clients.models import Client
from tenants.monitoring import bp, competitors, service
from tenants.monitoring.models import Competitor, Keyword
from tenants.monitoring.pipeline.jobs import backfill_keyword
from tenants.monitoring.web import forms


def _page(client, errors=None, form=None, status=200, editing=None):
    """The competitors page; `editing` is the competitor whose form `errors` and `form` belong to ("new": none)."""
    return render_template(
        "monitoring/competitors.html", client=client, competitors=competitors.competitors_of(client.id),
        failing_keywords=service.failing_keywords(client.id), errors=errors or {}, form=form or {},
        editing=editing, max_competitors=competitors.MAX_COMPETITORS, next_colour=competitors.next_colour(client.id),
        latest=competitors.latest_mentions(client.id, utcnow()), recent_days=competitors.RECENT_DAYS,
    ), status


def _back(client_id):
    return redirect(url_for("monitoring.client_competitors", client_id=client_id))


@bp.get("/clients/<int:client_id>/competitors")
def client_competitors(client_id):
    """The brands a client is compared with on its dashboard (share of voice), and their keywords."""
    return _page(get_or_404(Client, client_id))


@bp.post("/clients/<int:client_id>/competitors")
def create_competitor(client_id):
    """Add a competitor (its keywords come next, on the same page)."""
    client = get_or_404(Client, client_id)
    values, errors = forms.clean_competitor_form(request.form, client.id)
    if not errors and competitors.count_of(client.id) >= competitors.MAX_COMPETITORS:
        errors["name"] = _("A client is compared with at most %(num)d competitors: remove one first.",
                           num=competitors.MAX_COMPETITORS)
    if errors:
        return _page(client, errors, request.form, 422, editing="new")
    competitor = competitors.create_competitor(client.id, values["name"], values["color"])
    flash(_("Competitor “%(name)s” added: give it the keywords that name it.", name=competitor.name), "success")
    return redirect(url_for("monitoring.client_competitors", client_id=client.id, _anchor=f"competitor-{competitor.id}"))


@bp.post("/competitors/<int:competitor_id>")
def update_competitor(competitor_id):
    """Rename a competitor or change its colour."""
    competitor = get_or_404(Competitor, competitor_id)
    client = get_or_404(Client, competitor.client_id)
    values, errors = forms.clean_competitor_form(request.form, client.id, competitor.id)
    if errors:
        return _page(client, errors, request.form, 422, editing=competitor.id)
    competitors.update_competitor(competitor, values["name"], values["color"])
    flash(_("Competitor “%(name)s” saved.", name=competitor.name), "success")
    return _back(client.id)


@bp.post("/competitors/<int:competitor_id>/delete")
@require_role("owner", "admin")
def delete_competitor(competitor_id):
    """Remove a competitor with its keywords and the mentions they found (the form asks first)."""
    competitor = get_or_404(Competitor, competitor_id)
    client_id, name = competitor.client_id, competitor.name
    count = competitors.count_mentions(competitor)
    competitors.delete_competitor(competitor)
    audit_trail.record("competitor_deleted", name, {"mentions": count})
    flash(ngettext("Competitor “%(name)s” removed, with its %(num)d mention.",
                   "Competitor “%(name)s” removed, with its %(num)d mentions.", count, name=name), "success")
    return _back(client_id)


@bp.post("/competitors/<int:competitor_id>/keywords")
def add_competitor_keyword(competitor_id):
    """Monitor a competitor with one more query; it counts in the plan's keywords and is backfilled at once."""
    competitor = get_or_404(Competitor, competitor_id)
    client = get_or_404(Client, competitor.client_id)
    values, errors = forms.clean_keyword_form(request.form, client.id)
    status = 422
    if not errors:
        try:
            check_limit("keywords")
        except LimitReached as exc:
            errors["query"], status = exc.message, 402
    if errors:
        return _page(client, errors, request.form, status, editing=f"keyword-{competitor.id}")
    keyword = competitors.add_keyword(competitor, values["query"], values["language"],
                                      inflect=values["forms"] == "plurals")
    enqueue_after_commit(backfill_keyword, keyword.id, agency_id=g.agency.id, job_id=f"backfill-{keyword.id}")
    flash(_("Keyword added to “%(name)s”: the first mentions are being fetched.", name=competitor.name), "success")
    return redirect(url_for("monitoring.client_competitors", client_id=client.id, _anchor=f"competitor-{competitor.id}"))


@bp.post("/competitors/<int:competitor_id>/keywords/<int:keyword_id>/remove")
@require_role("owner", "admin")
def remove_competitor_keyword(competitor_id, keyword_id):
    """Stop monitoring one of a competitor's queries; the mentions it found go with it (the form asks first)."""
    competitor = get_or_404(Competitor, competitor_id)
    keyword = get_or_404(Keyword, keyword_id)
    if keyword.competitor_id != competitor.id:
        abort(404)
    count = competitors.count_mentions(keyword=keyword)
    query = keyword.query
    competitors.remove_keyword(keyword)
    flash(ngettext("Keyword “%(query)s” removed, with its %(num)d mention.",
                   "Keyword “%(query)s” removed, with its %(num)d mentions.", count, query=query), "success")
    return _back(competitor.client_id)
