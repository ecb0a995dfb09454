"""Guest forms read into (values, errors); values keep what was typed, errors say what to fix."""
from flask import current_app
from flask_babel import lazy_gettext as _l

from saas import params
from saas.auth.validation import clean_email, email_problem


def chosen_client_ids(form):
    """Read the client ids a form ticks (400 when one is not an id: a tampered form)."""
    return params.ids_arg("client_ids", source=form)


def clean_guest_invitation(form):
    """Read the invitation form: the guest's email, their clients, the language of their email."""
    values = {"email": clean_email(form.get("email")), "client_ids": chosen_client_ids(form),
              "locale": form.get("locale", "")}
    errors = {"email": email_problem(values["email"])}
    if not values["client_ids"]:
        errors["client_ids"] = _l("Choose at least one client the guest will follow.")
    if values["locale"] not in current_app.config["LANGUAGES"]:
        errors["locale"] = _l("Choose French or English.")
    return values, {key: value for key, value in errors.items() if value}


def typed_invitation(form):
    """Keep what the person typed in the invitation form, to give it back as it was."""
    return {"email": form.get("email", ""), "locale": form.get("locale", ""),
            "client_ids": [value for value in form.getlist("client_ids") if value.isdigit()]}
