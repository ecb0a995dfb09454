"""Report forms (WTForms): a report's language and commentary, a schedule."""
from flask_babel import lazy_gettext as _l
from wtforms import Form, StringField
from wtforms.validators import StopValidation

from saas.forms import IdsField, Text, one_of, strip
from tenants.dashboards.models import FREQUENCIES, LANGUAGES

MAX_HIGHLIGHTS = 12


def _text(value):
    return strip(value).replace("\r\n", "\n")


def _few_lines(form, field):
    if len([line for line in field.data.splitlines() if line.strip()]) > MAX_HIGHLIGHTS:
        raise StopValidation(_l("At most %(n)d highlights, one a line.", n=MAX_HIGHLIGHTS))


class ReportForm(Form):
    """A report's language, summary and highlights (the period is read by periods.py)."""

    language = StringField(filters=[strip], validators=[one_of(LANGUAGES, _l("Choose French or English."))])
    summary = StringField(filters=[_text], validators=[Text(_l("Summary"), 5000, required=False)])
    highlights = StringField(filters=[_text], validators=[Text(_l("Highlights"), 3000, required=False), _few_lines])


def _allowed_recipients(form, field):
    if not field.data:
        raise StopValidation(_l("Choose at least one recipient."))
    if not set(field.data) <= form.allowed:
        raise StopValidation(_l("Choose among the agency's team and this client's guests."))


class ScheduleForm(Form):
    """A report schedule: weekly or monthly, its language, its recipients."""

    frequency = StringField(filters=[strip], validators=[one_of(FREQUENCIES, _l("Choose weekly or monthly."))])
    language = StringField(filters=[strip], validators=[one_of(LANGUAGES, _l("Choose French or English."))])
    recipient_ids = IdsField(validators=[_allowed_recipients])

    def __init__(self, formdata, allowed=(), **kwargs):
        super().__init__(formdata, **kwargs)
        self.allowed = set(allowed)
