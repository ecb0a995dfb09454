"""The webhook endpoint form (WTForms): address, description, events, client and sentiment filters."""
from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectMultipleField, StringField
from wtforms.validators import StopValidation

from saas.forms import Text, strip
from saas.http_errors import FetchError, error_text
from saas.http_targets import allowed_hosts, parse_target, resolve_allowed
from tenants.api.forms import optional_id
from tenants.api.webhooks.models import EVENT_TYPES, SENTIMENTS

MAX_URL = 1000


def endpoint_url_problem(url):
    """Why an endpoint address is refused (shape, https, private network), or None."""
    if not url:
        return _l("Enter the address that receives the events.")
    if len(url) > MAX_URL:
        return _l("This address is too long.")
    try:
        target = parse_target(url)
        if target.scheme != "https" and target.host not in allowed_hosts():
            return _l("The address must start with https:// (events are signed, not hidden).")
        resolve_allowed(target)
    except FetchError as exc:
        return error_text(exc.code, exc.params)
    return None


def _endpoint_url(form, field):
    problem = endpoint_url_problem(field.data)
    if problem:
        raise StopValidation(problem)


def _known_client(form, field):
    if field.data is not None and field.data not in form.client_ids:
        raise StopValidation(_l("Choose one of the agency's clients."))


def _some_events(form, field):
    if not field.data:
        raise StopValidation(_l("Choose at least one event."))


class _Choices(SelectMultipleField):
    """Ticked values among fixed choices; an unknown one is refused with the field's message."""

    def pre_validate(self, form):
        if any(value not in self.allowed for value in self.data or []):
            raise StopValidation(self.refusal)


class EventsField(_Choices):
    allowed, refusal = EVENT_TYPES, _l("Choose events from the list.")


class SentimentsField(_Choices):
    allowed, refusal = SENTIMENTS, _l("Choose sentiments from the list.")


class EndpointForm(Form):
    """A webhook endpoint of the agency."""

    endpoint_url = StringField(filters=[strip], validators=[_endpoint_url])
    description = StringField(filters=[strip], validators=[Text(_l("Description"), 200, required=False)])
    events = EventsField(choices=EVENT_TYPES, validate_choice=False, filters=[lambda v: sorted(set(v or []))],
                         validators=[_some_events])
    client = StringField(filters=[optional_id], validators=[_known_client])
    sentiments = SentimentsField(choices=SENTIMENTS, validate_choice=False, filters=[lambda v: sorted(set(v or []))])

    def __init__(self, formdata, client_ids=(), **kwargs):
        super().__init__(formdata, **kwargs)
        self.client_ids = set(client_ids)
