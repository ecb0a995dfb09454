"""The alert rule form (WTForms): what a rule watches, when it fires, whom it alerts and how."""
from flask_babel import lazy_gettext as _l
from wtforms import Form, StringField
from wtforms.validators import StopValidation

from saas import db, params
from saas.forms import IdsField, Text, one_of, read, strip, whole_number
from tenants.crisis.models import RECIPIENT_POLES, SENSITIVITIES, WEBHOOK_FORMATS
from tenants.crisis.service import staff_members, webhook_problem
from tenants.monitoring.models import Keyword


def _required(message):
    def check(form, field):
        if field.data is None:
            raise StopValidation(message)

    return check


def _clients_keyword(form, field):
    if not (field.raw_data and field.raw_data[0]):
        return  # all the client's keywords
    keyword = db.session.get(Keyword, field.data) if field.data else None
    if keyword is None or keyword.client_id != form.client.id or keyword.competitor_id is not None:
        raise StopValidation(_l("Choose one of this client's keywords, or all of them."))


def _staff(form, field):
    if set(field.data) - {m.id for m in staff_members()}:
        raise StopValidation(_l("Choose recipients among the agency's team."))


def _webhook(form, field):
    problem = webhook_problem(field.data)
    if problem:
        raise StopValidation(problem)


def _ticked(value):
    return bool(value)


class RuleForm(Form):
    """An alert rule of `client` (given as a keyword argument: its keywords are the ones a rule may watch)."""

    name = StringField(filters=[strip], validators=[Text(_l("Name"), 120)])
    keyword_id = StringField(filters=[lambda value: params.as_int(value, 1, params.MAX_ID) if value else None],
                             validators=[_clients_keyword])
    sensitivity = StringField(filters=[lambda value: value or ""],
                              validators=[one_of(SENSITIVITIES, _l("Choose a sensitivity: low, medium or high."))])
    min_volume = StringField(filters=[whole_number(1, 100000)],
                             validators=[_required(_l("Enter a number of mentions between 1 and 100,000."))])
    cooldown_minutes = StringField(
        filters=[whole_number(0, 7 * 24 * 60)],
        validators=[_required(_l("Enter a number of minutes between 0 and 10,080 (a week)."))])
    recipient_pole = StringField(filters=[lambda value: value or None],
                                 validators=[one_of((None, *RECIPIENT_POLES), _l("Choose a pole: PR, CM, both, or nobody."))])
    recipient_ids = IdsField(filters=[lambda ids: sorted(ids or [])], validators=[_staff])
    notify_in_app = StringField(filters=[_ticked])
    notify_email = StringField(filters=[_ticked])
    notify_digest = StringField(filters=[_ticked])
    notify_buzz = StringField(filters=[_ticked])
    webhook_url = StringField(filters=[strip, lambda value: value or None], validators=[_webhook])
    webhook_format = StringField(filters=[lambda value: "json" if value is None else value],  # only a missing format
                                 validators=[one_of(WEBHOOK_FORMATS, _l("Choose a webhook format: JSON or Slack."))])
    active = StringField(filters=[_ticked])

    def __init__(self, formdata, client, **kwargs):
        self.client = client
        super().__init__(formdata, **kwargs)


class CloseCrisisForm(Form):
    """The note of the person closing a crisis (optional)."""

    note = StringField(filters=[lambda value: strip(value)[:2000]])


def clean_rule_form(formdata, client):
    """Read a rule form into (values, errors); errors keep what was typed."""
    return read(RuleForm, formdata, client=client)
