"""The API token form (WTForms): name, scope, client, expiry."""
from flask_babel import lazy_gettext as _l
from wtforms import Form, StringField
from wtforms.validators import StopValidation

from saas import params
from saas.forms import Text, one_of, strip
from tenants.api.models import SCOPES
from tenants.api.tokens import EXPIRY_DAYS


def optional_id(value):
    """The client id chosen, None for every client, -1 when it is not a number."""
    value = (value or "").strip()
    if not value:
        return None
    number = params.as_int(value, 1, params.MAX_ID)
    return -1 if number is None else number


def _known_client(form, field):
    if field.data is not None and field.data not in form.client_ids:
        raise StopValidation(_l("Choose one of the agency's clients."))


class TokenForm(Form):
    """A new API token."""

    name = StringField(filters=[strip], validators=[Text(_l("Name"), 80)])
    scope = StringField(filters=[strip], validators=[one_of(SCOPES, _l("Choose read or read and write."))])
    client = StringField(filters=[optional_id], validators=[_known_client])
    expiry = StringField(filters=[strip], validators=[
        one_of(tuple(str(days) for days in EXPIRY_DAYS), _l("Choose when the token expires."))])

    def __init__(self, formdata, client_ids=(), **kwargs):
        super().__init__(formdata, **kwargs)
        self.client_ids = set(client_ids)
