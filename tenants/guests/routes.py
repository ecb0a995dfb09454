"""The Guests page of a workspace: invite a client's people, change their clients, revoke them."""
from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import get_locale
from flask_login import current_user

from saas.pagecache import cached_page
from saas.jobs import enqueue_after_commit
from saas.urls import safe_next
from saas.views import get_all_or_404
from saas.audit import service as audit_trail
from tenants.clients.models import Client
from tenants.clients.service import list_clients
from tenants.guests import bp, forms, service
from tenants.guests.jobs import send_guest_invitation_email


def _page(errors=None, form=None, status=200):
    """Render the Guests page, with the invitation form (filled in again after a refusal)."""
    form = form or {"locale": str(get_locale()), "client_ids": []}
    return render_template("guests/index.html", guests=service.list_guests(),
                           invitations=service.pending_guest_invitations(), clients=list_clients(),
                           errors=errors or {}, form=form), status


@bp.get("/")
@cached_page
def index():
    """List the agency's guests, their clients and last sign-in, and pending invitations."""
    return _page()


@bp.post("/invite")
def invite():
    """Invite someone of a client as a guest of one or more clients (any teammate may)."""
    values, errors = forms.clean_guest_invitation(request.form)
    clients = get_all_or_404(Client, values["client_ids"])
    if "email" not in errors:
        problem = service.invitation_problem(values["email"])
        errors.update({"email": problem} if problem else {})
    if errors:
        return _page(errors, forms.typed_invitation(request.form), 422)
    invitation = service.invite_guest(values["email"], clients, current_user)
    audit_trail.record("guest_invited", values["email"], {"clients": ", ".join(c.name for c in clients)})
    enqueue_after_commit(send_guest_invitation_email, invitation.id, agency_id=g.agency.id, locale=values["locale"])
    flash(_("Invitation sent to %(email)s.", email=values["email"]), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("guests.index"))


@bp.post("/<int:guest_id>/clients")
def update_clients(guest_id):
    """Choose which clients a guest follows."""
    membership = service.find_guest(guest_id)
    clients = get_all_or_404(Client, forms.chosen_client_ids(request.form))
    if not clients:
        flash(_("Choose at least one client. To end a guest's access, revoke them."), "error")
        return _page(status=422)
    service.set_guest_clients(membership, clients)
    flash(_("%(name)s now follows %(clients)s.", name=membership.user.name,
            clients=", ".join(c.name for c in clients)), "success")
    return redirect(url_for("guests.index"))


@bp.post("/<int:guest_id>/revoke")
def revoke(guest_id):
    """Revoke a guest: their access ends at once, open sessions included."""
    membership = service.find_guest(guest_id)
    name = membership.user.name
    audit_trail.record("guest_removed", membership.user.email)
    service.revoke_guest(membership)
    flash(_("%(name)s no longer has access to the portal.", name=name), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("guests.index"))


@bp.post("/invitations/<int:guest_invitation_id>/cancel")
def cancel_invitation(guest_invitation_id):
    """Cancel a pending guest invitation; its link stops working."""
    invitation = service.find_guest_invitation(guest_invitation_id)
    service.cancel_invitation(invitation)
    flash(_("Invitation cancelled."), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("guests.index"))


@bp.post("/invitations/<int:guest_invitation_id>/resend")
def resend_invitation(guest_invitation_id):
    """Send a pending guest invitation again."""
    invitation = service.find_guest_invitation(guest_invitation_id)
    if invitation.accepted_at or invitation.revoked_at:
        flash(_("This invitation is no longer pending."), "error")
        return _page(status=409)
    enqueue_after_commit(send_guest_invitation_email, invitation.id, agency_id=g.agency.id, locale=str(get_locale()))
    flash(_("Invitation sent again to %(email)s.", email=invitation.email), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("guests.index"))
