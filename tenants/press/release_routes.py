"""Press releases: list, write with a live preview, detail, approval state, send to a media list, send status."""
from datetime import timezone

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas import db, params
from saas.errors import render_error
from saas.forms import read
from saas.i18n import agency_zone, local_time
from saas.views import get_or_404
from tenants.clients.service import list_clients
from tenants.press import bp, coverage, forms, releases, replies, sending, service
from tenants.press.labels import channel_labels, outcome_labels
from tenants.press.models import MediaList, PressRelease, PressSend

FORM_PAGE = "press/release_form.html"


def _client_names():
    return {client.id: client.name for client in list_clients()}


def _read_release():
    values, errors = read(forms.ReleaseForm, request.form, client_ids=[c.id for c in list_clients()])
    if not errors:
        values["client_id"] = values["client_id"][0]
        moment = values["embargo_at"]
        values["embargo_at"] = (moment.replace(tzinfo=agency_zone()).astimezone(timezone.utc)
                                if moment is not None else None)
    return values, errors


def _form_page(form, errors=None, release=None, status=200):
    return render_template(FORM_PAGE, form=form, errors=errors or {}, release=release, clients=list_clients(),
                           preview=releases.rendered(release) if release is not None else None), status


@bp.get("/releases/")
def releases_index():
    """The agency's press releases, newest first (one client's with ?client=)."""
    client_id = params.id_arg("client")
    found = releases.list_releases(client_id)
    return render_template("press/releases.html", releases=found, client_names=_client_names(), client_id=client_id)


@bp.get("/releases/new")
def new_release():
    """The form of a new release."""
    client_id = params.id_arg("client")
    return _form_page({"language": "fr", "client_id": client_id or ""})


@bp.post("/releases/")
def create_release():
    """Create a release and its board card; errors come back with what was typed (422)."""
    values, errors = _read_release()
    if errors:
        return _form_page(request.form, errors, status=422)
    release = releases.create_release(values, current_user)
    flash(_("Press release created, with its card on the client's board."), "success")
    return redirect(url_for("press.release", release_id=release.id))


@bp.post("/releases/preview")
def preview_release():
    """The release as it will be sent, from the form being typed (htmx)."""
    values, _errors = read(forms.ReleaseForm, request.form, client_ids=[c.id for c in list_clients()])
    draft = PressRelease(title=values.get("title") or "", body=values.get("body") or "",
                         images=values.get("images") if isinstance(values.get("images"), list) else [],
                         attachments=values.get("attachments") if isinstance(values.get("attachments"), list) else [],
                         language=values.get("language") if values.get("language") in ("fr", "en") else "fr")
    moment = values.get("embargo_at")
    draft.embargo_at = (moment.replace(tzinfo=agency_zone()).astimezone(timezone.utc)
                        if moment is not None and not isinstance(moment, str) else None)
    return render_template("press/_preview.html", rendered=releases.rendered(draft))


def detail_page(release, errors=None, status=200, key_terms_typed=None, coverage_typed=None, row_errors=None,
                row_form=None):
    """The release's page: as it will be sent, approval, sending, sends, and its coverage."""
    card = releases.release_card(release)
    lists = service.all_lists()
    client_name = _client_names().get(release.client_id, "")
    rows = coverage.of_release(release)
    terms = coverage.release_terms(release, client_name)
    return render_template("press/release.html", release=release, card=card, rendered=releases.rendered(release),
                           lists=lists, counts=service.member_counts(lists), sends=sending.sends_of(release),
                           client_name=client_name, errors=errors or {}, coverage_rows=rows,
                           contacts=coverage.contacts_by_id(rows), terms=terms, needed=coverage.needed(terms),
                           window=coverage.window(release), key_terms_typed=key_terms_typed,
                           typed=coverage_typed or {}, row_errors=row_errors or {}, row_form=row_form or {},
                           origin="release", replies=replies.of_release(release), channel_labels=channel_labels(),
                           outcome_labels=outcome_labels()), status


@bp.get("/releases/<int:release_id>")
def release(release_id):
    """A release: as it will be sent, its approval state, its card, sending to a media list, its sends."""
    return detail_page(get_or_404(PressRelease, release_id))


@bp.get("/releases/<int:release_id>/edit")
def edit_release(release_id):
    """The edit form of a release not yet sent."""
    found = get_or_404(PressRelease, release_id)
    local = local_time(found.embargo_at)
    form = {"client_id": found.client_id, "title": found.title, "body": found.body,
            "images": "\n".join(found.images or []), "attachments": "\n".join(found.attachments or []),
            "embargo_at": local.strftime("%Y-%m-%dT%H:%M") if local else "", "language": found.language}
    return _form_page(form, release=found)


@bp.post("/releases/<int:release_id>")
def update_release(release_id):
    """Save a release's edits (409 once it is sent)."""
    found = get_or_404(PressRelease, release_id)
    if found.state == "sent":
        return render_error(409, _("This release has been sent: it can no longer be edited."))
    values, errors = _read_release()
    if errors:
        return _form_page(request.form, errors, release=found, status=422)
    releases.update_release(found, values)
    flash(_("Press release saved."), "success")
    return redirect(url_for("press.release", release_id=found.id))


@bp.post("/releases/<int:release_id>/send")
def send_release(release_id):
    """Send an approved release to a media list (a staff owner or admin may override a missing approval)."""
    found = get_or_404(PressRelease, release_id)
    db.session.refresh(found, with_for_update=True)  # two clicks, two tabs: one send at a time per release
    releases.sync_state(found)
    list_id = params.id_arg("list_id", source=request.form)
    media_list = get_or_404(MediaList, list_id) if list_id else None
    override = request.form.get("override") == "1"
    if media_list is None:
        return detail_page(found, {"list_id": _("Choose a media list.")}, 422)
    if not sending.new_recipients(found, media_list):
        return detail_page(found, {"list_id": _("Nobody on this list can receive it: everyone has already received "
                                                "this release, asked not to be contacted, or has no address.")}, 409)
    if found.state not in ("approved", "sent"):  # sent: to a further list, its approval given before
        if not override:
            return detail_page(found, {"list_id": _("The client has not approved this release yet.")}, 409)
        if g.membership.role not in ("owner", "admin"):
            refusal = _("Only an owner or an admin may send without the client's approval.")
            return detail_page(found, {"list_id": refusal}, 403)
    send = sending.start_send(found, media_list, current_user, overridden=found.state not in ("approved", "sent"))
    sending.queue_send_after_commit(send, g.agency.id)
    flash(_("Sending started."), "success")
    return redirect(url_for("press.send_status", send_id=send.id))


def _status_context(send):
    return {"send": send, "counts": sending.counts(send), "recipients": sending.recipients(send),
            "release": releases.get_release(send.release_id)}


@bp.get("/sends/<int:send_id>")
def send_status(send_id):
    """A send's status: counts per status, every recipient, polled while it runs."""
    return render_template("press/send.html", **_status_context(get_or_404(PressSend, send_id)))


@bp.get("/sends/<int:send_id>/progress")
def send_progress(send_id):
    """The progress fragment (htmx); 286 stops the polling once the send is over."""
    send = get_or_404(PressSend, send_id)
    body = render_template("press/_send_progress.html", **_status_context(send))
    return body, 286 if send.state == "done" else 200


@bp.post("/sends/<int:send_id>/resend")
def resend_failed(send_id):
    """Queue again the recipients whose mail failed."""
    send = get_or_404(PressSend, send_id)
    count = sending.resend_failed(send, current_user)
    if count:
        sending.queue_send_after_commit(send, g.agency.id)
        flash(_("Sending again to the failed recipients."), "success")
    else:
        flash(_("No failed recipient to send to."), "info")
    return redirect(url_for("press.send_status", send_id=send.id))
