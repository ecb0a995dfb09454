"""The client form (WTForms): name, sector, website, notes, colour, social handles."""
import re
from flask_babel import lazy_gettext as _l
from wtforms import Form, StringField
from wtforms.validators import StopValidation

from saas.forms import Colour, Text, WebAddress, default, read, strip
from tenants.clients.models import SOCIAL_NETWORKS

SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:(?!\d)")
HANDLE_RE = re.compile(r"^[@\w.\-/:]{1,100}$")
SECTORS = (
    "retail", "food", "luxury", "tech", "health", "finance", "energy", "transport",
    "tourism", "culture", "public", "nonprofit", "industry", "other",
)


def _with_scheme(value):
    return "https://" + value if value and not SCHEME_RE.match(value) else value


def _handle(form, field):
    if field.data and not HANDLE_RE.match(field.data):
        raise StopValidation(_l("This handle contains characters that are not allowed."))


class ClientForm(Form):
    """A client (brand) of the agency."""

    name = StringField(filters=[strip], validators=[Text(_l("Name"), 120)])
    sector = StringField(filters=[strip], validators=[Text(_l("Sector"), 80, required=False)])
    website = StringField(filters=[strip, _with_scheme], validators=[
        WebAddress(required=False, message=_l("Enter a web address like https://brand.fr."), max_length=500)])
    notes = StringField(filters=[strip], validators=[Text(_l("Notes"), 5000, required=False)])
    color = StringField(filters=[strip, default("#4f46e5")], validators=[Colour()])


for _network in SOCIAL_NETWORKS:
    setattr(ClientForm, f"handle_{_network}", StringField(filters=[strip], validators=[_handle]))


def _same_name(form, field):
    if field.data.lower() != form.client_name.lower():
        raise StopValidation(_l("Type the client's name exactly to confirm."))


class DeleteForm(Form):
    """The confirmation of a client's deletion: its name typed again (any case), given as `client_name`."""

    confirm_name = StringField(filters=[strip], validators=[_same_name])

    def __init__(self, formdata, client_name, **kwargs):
        self.client_name = client_name
        super().__init__(formdata, **kwargs)


def clean_client_form(formdata):
    """Read a client form into (values, errors); the handles are gathered in `social_handles`."""
    data, errors = read(ClientForm, formdata)
    values = {key: data[key] for key in ("name", "sector", "website", "notes", "color")}
    values["social_handles"] = {net: data[f"handle_{net}"] for net in SOCIAL_NETWORKS if data[f"handle_{net}"]}
    return values, errors
