"""The unsubscribe link of press mails: anyone holding it, signed in or not, stops further mails.

GET shows a confirmation page (a mail scanner following links changes nothing); POST performs,
also as RFC 8058's one-click request (`List-Unsubscribe=One-Click`, sent by mail providers without
cookies). The signed token is the only credential, so the view is exempt from the CSRF check.
"""
from flask import render_template, request
from flask_babel import lazy_gettext as _

from saas import db, tenancy
from saas.errors import render_error
from saas.extensions import csrf
from tenants.press import public_bp, service
from tenants.press.models import PressContact


def _contact(token):
    found = service.read_unsubscribe_token(token)
    if found is None:
        return None, render_error(400, _("This unsubscribe link is not valid: copy the whole link from the mail."))
    agency_id, contact_id = found
    tenancy.set_agency(agency_id)
    contact = db.session.get(PressContact, contact_id)
    if contact is None:  # erased, or purged
        return None, render_error(404)
    return contact, None


@public_bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token):
    """Confirm (GET), then record (POST) that this person wants no more press mails from the agency."""
    contact, refusal = _contact(token)
    if refusal is not None:
        return refusal
    if request.method == "GET":
        return render_template("press/unsubscribe.html", contact=contact, done=contact.do_not_contact, token=token)
    service.set_do_not_contact(contact, True)
    if request.form.get("List-Unsubscribe") == "One-Click":
        return "", 204
    return render_template("press/unsubscribe.html", contact=contact, done=True, token=token)
