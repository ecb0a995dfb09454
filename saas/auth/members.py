"""The team page of a workspace: members, roles, invitations."""
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import Form, StringField
from wtforms.validators import StopValidation

from saas.audit import service as audit_trail
from saas.auth import logo, service
from saas.auth.jobs import send_invitation_email
from saas.auth.models import POLES, Invitation, Membership
from saas.db import utcnow
from saas.errors import render_error
from saas.forms import Email, default, email_filter, one_of, read, strip
from saas.jobs import enqueue_after_commit
from saas.signals import agency_timezone_changed, seat_requested
from saas.i18n import forget_agency_zone, is_zone, zone_choices
from saas.views import get_or_404, require_role

bp = Blueprint("members", __name__, url_prefix="/a/<agency_slug>/members")
INVITABLE_ROLES = ("admin", "member")


def _zone(form, field):
    if not is_zone(field.data):
        raise StopValidation(_l("Choose a time zone from the list, for example Europe/Paris."))


class InvitationForm(Form):
    """The invitation of a teammate: their email, role and pole."""

    email = StringField(filters=[email_filter], validators=[Email()])
    role = StringField(filters=[lambda value: "member" if value is None else value],  # only a missing role
                       validators=[one_of(INVITABLE_ROLES, _l("Choose a role: admin or member."))])
    pole = StringField(filters=[default("both")], validators=[one_of(POLES, _l("Choose a pole: PR, CM or both."))])


class RoleForm(Form):
    """A member's role and pole (no pole: both). The page offers only valid ones: one message covers both."""

    role = StringField(validators=[one_of(("owner", "admin", "member"), _l("Choose a valid role and pole."))])
    pole = StringField(filters=[lambda value: value or None],
                       validators=[one_of((None, *POLES), _l("Choose a valid role and pole."))])


class AgencySettingsForm(Form):
    """The agency's time zone (its logo is a file: read by `_uploaded_logo`)."""

    timezone = StringField(filters=[strip], validators=[_zone])


def _page(errors=None, form=None, status=200):
    return render_template(
        "members/index.html",
        members=service.members_of_agency(),
        invitations=service.pending_invitations() if g.membership.is_manager else [],
        errors=errors or {}, form=form or {}, poles=POLES, zones=zone_choices(g.agency.timezone),
    ), status


@bp.get("/")
def index():
    """List the agency's members and pending invitations."""
    return _page()


@bp.post("/invite")
@require_role("owner", "admin")
def invite():
    """Invite a teammate by email."""
    values, errors = read(InvitationForm, request.form)
    email, role, pole = values["email"], values["role"], values["pole"]
    if "email" not in errors and any(m.user.email == email for m in service.members_of_agency()):
        errors["email"] = _l("This person is already a member of the agency.")
    if errors:
        return _page(errors, request.form, 422)
    seat_requested.send(g.membership)  # billing refuses when the plan's seats are all taken
    invitation = service.create_invitation(email, role, pole, current_user)
    audit_trail.record("member_invited", email, {"role": role, "pole": pole})
    enqueue_after_commit(send_invitation_email, invitation.id, agency_id=g.agency.id, locale=str(get_locale()))
    flash(_("Invitation sent to %(email)s.", email=email), "success")
    return redirect(url_for("members.index"))


@bp.post("/<int:membership_id>/role")
@require_role("owner")
def change_role(membership_id):
    """Change a member's role and pole (owners only)."""
    membership = get_or_404(Membership, membership_id)
    if membership.role == "guest":  # guests become staff only through a staff invitation (a paid seat)
        flash(_("Guests are managed from the client portal settings, not from the team."), "error")
        return _page(status=409)
    values, errors = read(RoleForm, request.form)
    if errors:
        flash(_("Choose a valid role and pole."), "error")
        return _page(status=422)
    before = f"{membership.role}/{membership.pole or 'both'}"
    if not service.change_role(membership, values["role"], values["pole"] or "both"):
        flash(_("The agency must keep at least one owner."), "error")
        return _page(status=409)
    after = f"{membership.role}/{membership.pole or 'both'}"
    if after != before:
        audit_trail.record("role_changed", membership.user.email, {"from": before, "to": after})
    flash(_("Role updated."), "success")
    return redirect(url_for("members.index"))


@bp.post("/<int:membership_id>/remove")
@require_role("owner")
def remove(membership_id):
    """Remove someone from the agency (owners only; never the last owner)."""
    membership = get_or_404(Membership, membership_id)
    email = membership.user.email
    if not service.remove_member(membership, removed_by=current_user):
        flash(_("The agency must keep at least one owner."), "error")
        return _page(status=409)
    audit_trail.record("member_removed", email, {"role": membership.role})
    flash(_("Member removed."), "success")
    if membership.user_id == current_user.id:
        return redirect(url_for("auth.agencies"))
    return redirect(url_for("members.index"))


@bp.errorhandler(413)
def too_large(_error):
    """A body past the site's limit (a huge "logo") is refused before the view runs: say what to do."""
    return render_error(413, logo.too_heavy_message())


def _uploaded_logo(errors):
    """The re-encoded logo of the settings form, None when no file was chosen; a refusal goes into `errors`."""
    upload = request.files.get("logo")
    if upload is None or not upload.filename:
        return None
    try:
        return logo.reencode(upload.read(logo.MAX_BYTES + 1))
    except logo.LogoRefused as refusal:
        errors["logo"] = str(refusal)
        return None


@bp.post("/settings")
@require_role("owner", "admin")
def agency_settings():
    """Set the agency's time zone (every time shown or written for the agency is in it) and, if a file is chosen,
    its logo (reports, press reviews, the client portal). A refused file keeps nothing and loses nothing typed."""
    values, errors = read(AgencySettingsForm, request.form)
    png = _uploaded_logo(errors)
    if errors:
        return _page(errors, request.form, 422)
    zone, changes = values["timezone"], {}
    if zone != g.agency.timezone:
        changes["timezone"] = f"{g.agency.timezone} -> {zone}"
        g.agency.timezone = zone
        forget_agency_zone()
        agency_timezone_changed.send(g.agency)
    if png is not None:
        changes["logo"] = "replaced" if g.agency.logo_updated_at else "added"
        logo.set_logo(g.agency, png)
        flash(_("Logo saved: it shows on reports, press reviews and the client portal."), "success")
    if changes:
        audit_trail.record("agency_settings_changed", g.agency.name, changes)
    if png is None or "timezone" in changes:
        flash(_("Time zone saved: times are shown in %(zone)s.", zone=zone), "success")
    return redirect(url_for("members.index"))


@bp.post("/settings/logo/remove")
@require_role("owner", "admin")
def remove_logo():
    """Remove the agency's logo: reports, press reviews and the portal show its name in its colour again."""
    if g.agency.logo_updated_at is not None:
        logo.remove_logo(g.agency)
        audit_trail.record("agency_settings_changed", g.agency.name, {"logo": "removed"})
    flash(_("Logo removed: the agency's name shows in its place."), "success")
    return redirect(url_for("members.index"))


@bp.post("/invitations/<int:invitation_id>/revoke")
@require_role("owner", "admin")
def revoke_invitation(invitation_id):
    """Cancel a pending invitation; its link stops working."""
    invitation = get_or_404(Invitation, invitation_id)
    if invitation.revoked_at is None:
        audit_trail.record("invitation_revoked", invitation.email)
    invitation.revoked_at = invitation.revoked_at or utcnow()
    flash(_("Invitation cancelled."), "success")
    return redirect(url_for("members.index"))


@bp.post("/invitations/<int:invitation_id>/resend")
@require_role("owner", "admin")
def resend_invitation(invitation_id):
    """Send the invitation email again."""
    invitation = get_or_404(Invitation, invitation_id)
    if invitation.accepted_at or invitation.revoked_at:
        flash(_("This invitation is no longer pending."), "error")
        return _page(status=409)
    enqueue_after_commit(send_invitation_email, invitation.id, agency_id=g.agency.id, locale=str(get_locale()))
    flash(_("Invitation sent again to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("members.index"))
