"""Press coverage: look for a release's coverage, accept or reject proposals (htmx), add by address, figures,
and a client's coverage page with its filters."""
from datetime import timedelta

from flask import flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas import db, params
from saas.forms import read
from saas.htmx import announce, is_htmx
from saas.i18n import local_moment
from saas.jobs import enqueue_after_commit
from saas.views import get_or_404
from tenants.clients.models import Client
from tenants.press import bp, coverage, forms
from tenants.press.jobs import find_release_coverage
from tenants.press.models import PressCoverage, PressRelease
from tenants.press.release_routes import detail_page

ROW = "press/_coverage_row.html"
bp.add_app_template_filter(coverage.domain_of, "press_domain")
bp.add_app_template_filter(lambda term: f'"{term}"' if " " in term else term, "press_term")


def _values(values):
    """A coverage form's values as the service takes them (the day becomes the start of the agency's day)."""
    day = values["published_on"]
    return {**values, "published_at": local_moment(day) if day is not None else None}


def _row(row, errors=None, form=None, status=200, counted=False):
    """A coverage row (htmx); after a decision on a release's page, its counts too (swapped out of band)."""
    origin = request.form.get("from", "release")
    body = render_template(ROW, c=row, contacts=coverage.contacts_by_id([row]), row_errors={row.id: errors or {}},
                           row_form={row.id: form or {}}, origin=origin)
    if counted and origin == "release" and row.release_id:
        body += render_template("press/_coverage_count.html", counts=coverage.status_counts(row.release_id), oob=True)
    return body, status


def _back(row):
    if request.form.get("from") == "client":
        return redirect(url_for("press.client_coverage", client_id=row.client_id))
    if row.release_id:
        return redirect(url_for("press.release", release_id=row.release_id, _anchor="coverage"))
    return redirect(url_for("press.client_coverage", client_id=row.client_id))


@bp.post("/releases/<int:release_id>/coverage/search")
def search_coverage(release_id):
    """Look for the release's coverage now (an RQ job); proposals appear on the release's page."""
    release = get_or_404(PressRelease, release_id)
    if release.state != "sent":
        return detail_page(release, {"coverage": _("Coverage is looked for once the release has been sent.")}, 409)
    enqueue_after_commit(find_release_coverage, release.id, agency_id=g.agency.id,
                         job_id=f"press-coverage-{release.id}")
    flash(_("Looking for coverage in the client's mentions: proposals appear here in a moment."), "success")
    return redirect(url_for("press.release", release_id=release.id, _anchor="coverage"))


@bp.post("/releases/<int:release_id>/key-terms")
def save_key_terms(release_id):
    """Save the words a mention must hold to be proposed as the release's coverage (empty: from the title)."""
    release = get_or_404(PressRelease, release_id)
    values, errors = read(forms.KeyTermsForm, request.form)
    if errors:
        return detail_page(release, {"key_terms": errors["key_terms"]}, 422, key_terms_typed=request.form)
    release.key_terms = coverage.typed_terms(values["key_terms"]) or None
    flash(_("Key terms saved."), "success")
    return redirect(url_for("press.release", release_id=release.id, _anchor="coverage"))


@bp.post("/releases/<int:release_id>/coverage")
def add_release_coverage(release_id):
    """Add a release's coverage by its address (accepted at once)."""
    release = get_or_404(PressRelease, release_id)
    values, errors = read(forms.CoverageForm, request.form)
    if errors:
        return detail_page(release, errors, 422, coverage_typed=request.form)
    row, created = coverage.add_by_url(release.client_id, release, _values(values), current_user)
    flash(_("Coverage added.") if created else _("This address was listed already: it is accepted."), "success")
    return redirect(url_for("press.release", release_id=release.id, _anchor="coverage"))


@bp.post("/coverage/<int:coverage_id>/decision")
def decide_coverage(coverage_id):
    """Accept or reject a piece of coverage (htmx swaps its row)."""
    row = get_or_404(PressCoverage, coverage_id)
    action = params.choice_arg("action", ("accept", "reject"), source=request.form)
    if action is None:
        raise params.BadParameter("action", _("Choose to accept or to reject."))
    coverage.decide(row, action == "accept", current_user)
    if is_htmx():
        response = make_response(*_row(row, counted=True))
        return announce(response, _("Coverage accepted.") if action == "accept" else _("Coverage rejected."))
    return _back(row)


@bp.post("/coverage/<int:coverage_id>/figures")
def coverage_figures(coverage_id):
    """Save a piece of coverage's reach and media value; a bad number comes back with its message (422)."""
    row = get_or_404(PressCoverage, coverage_id)
    values, errors = read(forms.CoverageFiguresForm, request.form)
    if errors:
        if is_htmx():
            return _row(row, errors, request.form, 422)
        if request.form.get("from") == "client" or row.release_id is None:
            return _client_page(db.session.get(Client, row.client_id), row_errors={row.id: errors},
                                row_form={row.id: request.form}, status=422)
        return detail_page(get_or_404(PressRelease, row.release_id), status=422, row_errors={row.id: errors},
                           row_form={row.id: request.form})
    coverage.set_figures(row, values["reach"], values["media_value"])
    if is_htmx():
        return _row(row)
    flash(_("Figures saved."), "success")
    return _back(row)


def _period():
    """The client page's period: [from, to] days of the agency, as [start, end) moments (None when open)."""
    first, last = params.date_arg("from"), params.date_arg("to")
    if first and last and last < first:
        raise params.BadParameter("to", _("The last day comes after the first."))
    return first, last, (local_moment(first) if first else None), (
        local_moment(last + timedelta(days=1)) if last else None)


def _client_page(client, errors=None, typed=None, status=200, row_errors=None, row_form=None):
    first, last, start, end = _period()
    release_id = params.id_arg("release")
    releases = coverage.client_releases(client.id)
    if release_id is not None and release_id not in {r.id for r in releases}:
        raise params.BadParameter("release", _("Choose one of the client's releases."))
    rows = coverage.of_client(client.id, start, end, release_id)
    count, reach, value = coverage.totals(rows)
    return render_template("press/coverage.html", client=client, rows=rows, contacts=coverage.contacts_by_id(rows),
                           releases=releases, release_names={r.id: r.title for r in releases}, release_id=release_id,
                           first=first, last=last, count=count, reach=reach, value=value, errors=errors or {},
                           typed=typed or {}, row_errors=row_errors or {}, row_form=row_form or {},
                           origin="client"), status


@bp.get("/clients/<int:client_id>/coverage")
def client_coverage(client_id):
    """A client's accepted coverage: outlet, day, author, headline, sentiment, figures; by period and release."""
    return _client_page(get_or_404(Client, client_id))


@bp.post("/clients/<int:client_id>/coverage")
def add_client_coverage(client_id):
    """Add a client's coverage (of no release) by its address."""
    client = get_or_404(Client, client_id)
    values, errors = read(forms.CoverageForm, request.form)
    if errors:
        return _client_page(client, errors, request.form, 422)
    _row_added, created = coverage.add_by_url(client.id, None, _values(values), current_user)
    flash(_("Coverage added.") if created else _("This address was listed already: it is accepted."), "success")
    return redirect(url_for("press.client_coverage", client_id=client.id))
