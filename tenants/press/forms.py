"""Press forms (WTForms): a contact, a media list, the column mapping of an import."""
import re

from flask_babel import lazy_gettext as _l
from wtforms import Form, StringField
from wtforms.validators import StopValidation

from saas.forms import IdsField, Text, one_of, strip
from saas.validation import EMAIL_RE, SLUG_RE
from tenants.clients.models import SOCIAL_NETWORKS
from tenants.press.models import KINDS, LAWFUL_BASES, OUTLET_TYPES, REPLY_CHANNELS, REPLY_OUTCOMES

SPLIT = re.compile(r"[;,\n]+")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")


def items(value):
    """A filter: the comma-, semicolon- or line-separated items typed, trimmed, each once, in order."""
    seen, found = set(), []
    for item in SPLIT.split(value or ""):
        item = item.strip()
        if item and item.casefold() not in seen:
            seen.add(item.casefold())
            found.append(item)
    return found


def _emails(value):
    return [email.lower() for email in items(value)]


def _languages(value):
    return [code.lower() for code in items(value)]


class Items:
    """A list of short items: at most `count`, each at most `length` characters, optionally matching `pattern`."""

    def __init__(self, label, count=20, length=120, pattern=None, message=None):
        self.label, self.count, self.length, self.pattern, self.message = label, count, length, pattern, message

    def __call__(self, form, field):
        if len(field.data) > self.count:
            raise StopValidation(_l("%(field)s: at most %(n)d items.", field=self.label, n=self.count))
        for item in field.data:
            if len(item) > self.length or (self.pattern and not self.pattern.match(item)):
                raise StopValidation(self.message or _l("%(field)s: “%(item)s” is too long.", field=self.label,
                                                        item=item[:40]))


def _known_clients(form, field):
    if not set(field.data) <= form.client_ids:
        raise StopValidation(_l("Choose among the agency's clients."))


def _needs_a_name_or_email(form, field):
    if not (field.data or form.first_name.data or form.emails.data):
        raise StopValidation(_l("Give at least a name or an email address."))


class ContactForm(Form):
    """A press contact, with its GDPR fields."""

    first_name = StringField(filters=[strip], validators=[Text(_l("First name"), 80, required=False)])
    last_name = StringField(filters=[strip], validators=[Text(_l("Last name"), 80, required=False)])
    kind = StringField(filters=[strip], validators=[one_of(KINDS, _l("Choose the type of contact."))])
    role = StringField(filters=[strip], validators=[Text(_l("Role"), 120, required=False)])
    outlets = StringField(filters=[items], validators=[Items(_l("Outlets"))])
    outlet_type = StringField(filters=[strip], validators=[one_of(("", *OUTLET_TYPES), _l("Choose an outlet type."))])
    beats = StringField(filters=[items], validators=[Items(_l("Beats"), 30, 80)])
    languages = StringField(filters=[_languages], validators=[Items(
        _l("Languages"), 10, 3, LANGUAGE_RE, _l("Write languages as two-letter codes, like fr, en."))])
    emails = StringField(filters=[_emails], validators=[Items(
        _l("Email addresses"), 10, 254, EMAIL_RE, _l("Enter valid email addresses, like name@outlet.fr."))])
    phones = StringField(filters=[items], validators=[Items(_l("Phone numbers"), 10, 40)])
    city = StringField(filters=[strip], validators=[Text(_l("City"), 120, required=False)])
    region = StringField(filters=[strip], validators=[Text(_l("Region"), 120, required=False)])
    notes = StringField(filters=[strip], validators=[Text(_l("Notes"), 10_000, required=False)])
    lawful_basis = StringField(filters=[strip], validators=[one_of(LAWFUL_BASES, _l("Choose the lawful basis."))])
    data_source = StringField(filters=[strip], validators=[Text(_l("Source of the data"), 200)])
    client_ids = IdsField(validators=[_known_clients])

    def __init__(self, formdata, client_ids=(), **kwargs):
        super().__init__(formdata, **kwargs)
        self.client_ids = set(client_ids)

    def validate(self, extra_validators=None):
        """Check the fields, then that the contact has a name or an email address."""
        valid = super().validate(extra_validators)
        if not self.last_name.errors:
            try:
                _needs_a_name_or_email(self, self.last_name)
            except StopValidation as problem:
                self.last_name.errors = [str(problem)]
                valid = False
        return valid


for _network in SOCIAL_NETWORKS:
    setattr(ContactForm, f"handle_{_network}", StringField(filters=[strip], validators=[
        Text(_network, 200, required=False)]))


def handles(values):
    """The social handles typed in a contact form, by network."""
    return {network: values[f"handle_{network}"] for network in SOCIAL_NETWORKS if values.get(f"handle_{network}")}


def _language_code(form, field):
    if field.data and not LANGUAGE_RE.match(field.data):
        raise StopValidation(_l("Write languages as two-letter codes, like fr, en."))


class MediaListForm(Form):
    """A media list: its name, client or campaign, and saved filters."""

    name = StringField(filters=[strip], validators=[Text(_l("Name"), 120)])
    campaign = StringField(filters=[strip], validators=[Text(_l("Campaign"), 120, required=False)])
    client_id = IdsField(validators=[_known_clients])
    beat = StringField(filters=[strip], validators=[Text(_l("Beat"), 80, required=False)])
    outlet_type = StringField(filters=[strip], validators=[one_of(("", *OUTLET_TYPES), _l("Choose an outlet type."))])
    region = StringField(filters=[strip], validators=[Text(_l("Region"), 120, required=False)])
    language = StringField(filters=[lambda value: strip(value).lower()], validators=[_language_code])

    def __init__(self, formdata, client_ids=(), **kwargs):
        super().__init__(formdata, **kwargs)
        self.client_ids = set(client_ids)


def _moment(value):
    """A datetime-local field ("2026-03-01T09:30") as a naive datetime, "" when empty, the text when malformed."""
    from datetime import datetime

    value = strip(value)
    if not value:
        return None
    try:
        moment = datetime.strptime(value[:16], "%Y-%m-%dT%H:%M")
    except ValueError:
        return value
    return moment if 1900 <= moment.year <= 2199 else value


def _a_moment(form, field):
    if isinstance(field.data, str):
        raise StopValidation(_l("Enter the embargo as a date and a time."))


def _web_addresses(form, field):
    from saas.forms import web_address_problem

    for address in field.data:
        problem = web_address_problem(address)
        if problem:
            raise StopValidation(problem)


def _lines(value):
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def _one_client(form, field):
    if len(field.data) != 1 or not set(field.data) <= form.client_ids:
        raise StopValidation(_l("Choose among the agency's clients."))


class ReleaseForm(Form):
    """A press release: client, title, Markdown body, links to images and attachments, embargo, language."""

    client_id = IdsField(validators=[_one_client])
    title = StringField(filters=[strip], validators=[Text(_l("Title"), 200)])
    body = StringField(filters=[strip], validators=[Text(_l("Text"), 100_000, required=False)])
    images = StringField(filters=[_lines], validators=[Items(_l("Images"), 20, 1000), _web_addresses])
    attachments = StringField(filters=[_lines], validators=[Items(_l("Attachments"), 20, 1000), _web_addresses])
    embargo_at = StringField(filters=[_moment], validators=[_a_moment])
    language = StringField(filters=[strip], validators=[one_of(("fr", "en"), _l("Choose French or English."))])

    def __init__(self, formdata, client_ids=(), **kwargs):
        super().__init__(formdata, **kwargs)
        self.client_ids = set(client_ids)


def _newsroom_slug(form, field):
    if not field.data or not SLUG_RE.match(field.data):
        raise StopValidation(_l("Use 1 to 60 lower-case letters, digits and dashes, not starting or ending with a dash."))


class NewsroomForm(Form):
    """A client's public newsroom: on or off, its address, an introduction."""

    enabled = StringField(filters=[lambda value: (value or "") in ("1", "on", "y")])
    slug = StringField(filters=[lambda value: strip(value).lower()], validators=[_newsroom_slug])
    intro = StringField(filters=[lambda value: strip(value).replace("\r\n", "\n")],
                        validators=[Text(_l("Introduction"), 1000, required=False)])
def _keep(value):
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _coverage_url(form, field):
    from tenants.press.coverage_urls import coverage_url_problem

    problem = coverage_url_problem(field.data)
    if problem:
        raise StopValidation(problem)


def _a_day(value):
    """A date field ("2026-03-01") as a date, None when empty, the text when malformed."""
    from datetime import date

    value = strip(value)
    if not value:
        return None
    try:
        day = date.fromisoformat(value[:10]) if len(value) == 10 else None
    except ValueError:
        day = None
    return day if day is not None and 1900 <= day.year <= 2199 else value


def _is_day(form, field):
    if isinstance(field.data, str):
        raise StopValidation(_l("Enter the date as a day, like 2026-03-01."))


def _number(parse, message):
    def check(form, field):
        try:
            field.data = parse(field.data)
        except ValueError:
            raise StopValidation(message) from None
    return check


REACH_PROBLEM = _l("Enter the reach as a whole number from 0 to 1,000,000,000,000.")
MEDIA_VALUE_PROBLEM = _l("Enter the media value in euros, from 0 to 1,000,000,000, with at most two decimals.")


def _reach_check(form, field):
    from tenants.press.coverage import parse_reach

    _number(parse_reach, REACH_PROBLEM)(form, field)


def _media_value_check(form, field):
    from tenants.press.coverage import parse_media_value

    _number(parse_media_value, MEDIA_VALUE_PROBLEM)(form, field)


class CoverageFiguresForm(Form):
    """The figures of a piece of coverage: reach, media value (both optional)."""

    reach = StringField(filters=[_keep], validators=[_reach_check])
    media_value = StringField(filters=[_keep], validators=[_media_value_check])


class CoverageForm(CoverageFiguresForm):
    """Coverage added by hand: its address, outlet, author, headline, day, sentiment and figures."""

    url = StringField(filters=[strip], validators=[_coverage_url])
    outlet = StringField(filters=[strip], validators=[Text(_l("Outlet"), 300, required=False)])
    author = StringField(filters=[strip], validators=[Text(_l("Author"), 200, required=False)])
    headline = StringField(filters=[strip], validators=[Text(_l("Headline"), 500, required=False)])
    published_on = StringField(filters=[_a_day], validators=[_is_day])
    sentiment = StringField(filters=[lambda value: strip(value) or "neutral"], validators=[
        one_of(("positive", "neutral", "negative"), _l("Choose a sentiment."))])


class KeyTermsForm(Form):
    """A release's own key terms (empty: derived from its title)."""

    key_terms = StringField(filters=[strip], validators=[Text(_l("Key terms"), 500, required=False)])


def _review_day(form, field):
    if field.data is None:
        raise StopValidation(_l("Enter the date as a day, like 2026-03-01."))
    _is_day(form, field)


class ReviewForm(Form):
    """A press review: client, title, first and last day."""

    client_id = IdsField(validators=[_one_client])
    title = StringField(filters=[strip], validators=[Text(_l("Title"), 200)])
    first_day = StringField(filters=[_a_day], validators=[_review_day])
    last_day = StringField(filters=[_a_day], validators=[_review_day])

    def __init__(self, formdata, client_ids=(), **kwargs):
        super().__init__(formdata, **kwargs)
        self.client_ids = set(client_ids)

    def validate(self, extra_validators=None):
        """Check the fields, then that the period runs forward and lasts a year at most."""
        valid = super().validate(extra_validators)
        first, last = self.first_day.data, self.last_day.data
        if valid and ((last - first).days < 0 or (last - first).days > 366):
            self.last_day.errors = [str(_l("The last day comes after the first, at most a year later."))]
            valid = False
        return valid


def _received(form, field):
    from datetime import timedelta

    from saas.db import utcnow
    from saas.i18n import agency_zone

    if field.data is None or isinstance(field.data, str):
        raise StopValidation(_l("Enter when they replied, as a date and a time."))
    moment = field.data.replace(tzinfo=agency_zone())
    if moment > utcnow() + timedelta(minutes=5):
        raise StopValidation(_l("A reply cannot come from the future."))
    if moment.year < 2000:
        raise StopValidation(_l("Enter a date after 2000."))
    field.data = moment


class ReplyForm(Form):
    """A contact's reply logged by the RP: when (in the agency's zone), how, what it means, a note."""

    received_at = StringField(filters=[_moment], validators=[_received])
    channel = StringField(filters=[strip], validators=[one_of(REPLY_CHANNELS, _l("Choose how they replied."))])
    outcome = StringField(filters=[strip], validators=[one_of(REPLY_OUTCOMES, _l("Choose what the reply says."))])
    note = StringField(filters=[lambda value: strip(value).replace("\r\n", "\n")],
                       validators=[Text(_l("Note"), 5000, required=False)])

