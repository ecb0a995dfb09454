"""Guest forms (WTForms) read into (values, errors); values keep what was typed, errors say what to fix."""
from flask_babel import lazy_gettext as _l
from wtforms import Form, StringField
from wtforms.validators import StopValidation

from saas import params
from saas.forms import Email, IdsField, Language, email_filter, read


def chosen_client_ids(form):
    """Read the client ids a form ticks (400 when one is not an id: a tampered form)."""
    return params.ids_arg("client_ids", source=form)


def _some_client(form, field):
    if not field.data:
        raise StopValidation(_l("Choose at least one client the guest will follow."))


class GuestInvitationForm(Form):
    """The invitation of a client's person: their email and the language of their email."""

    email = StringField(filters=[email_filter], validators=[Email()])
    locale = StringField(filters=[lambda value: value or ""], validators=[Language()])
    client_ids = IdsField(validators=[_some_client])


def clean_guest_invitation(formdata):
    """Read the invitation form: the guest's email, their clients, the language of their email."""
    return read(GuestInvitationForm, formdata)


def typed_invitation(form):
    """Keep what the person typed in the invitation form, to give it back as it was."""
    return {"email": form.get("email", ""), "locale": form.get("locale", ""),
            "client_ids": [value for value in form.getlist("client_ids") if value.isdigit()]}
