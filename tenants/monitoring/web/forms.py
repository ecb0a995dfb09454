"""Monitoring forms (WTForms): a keyword, its preview, a feed, the search services of a client."""
import re

from flask_babel import lazy_gettext as _l
from wtforms import Form, StringField
from wtforms.validators import StopValidation

from saas.forms import Colour, Text, WebAddress, read, strip
from tenants.monitoring import competitors, service

LANGUAGES = (None, "fr", "en")
INSTANCE_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789.-"
MAX_INSTANCES = 5
MAX_SAMPLE = 5000


def _or_none(value):
    return value or None


def _query(empty_message):
    def check(form, field):
        problem = service.check_query(field.data) if field.data else empty_message
        if problem:
            raise StopValidation(problem)

    return check


def _not_taken(form, field):
    taken = service.keyword_taken(form.client_id, field.data)
    if taken is not None and taken.competitor_id is not None:
        raise StopValidation(_l("A competitor of this client is already monitored with this query."))
    if taken is not None:
        raise StopValidation(_l("This client already monitors this query.") if taken.archived_at is None else
                             _l("This query is among the archived keywords: restore it from there."))


def _language(form, field):
    if field.data not in LANGUAGES:
        raise StopValidation(_l("Choose French, English or any language."))


FORMS_OPTIONS = ("plurals", "exact")  # the keyword's inflect option: plurals and inflections, or exact forms


def _forms_option(value):
    return value or "plurals"


def _forms(form, field):
    if field.data not in FORMS_OPTIONS:
        raise StopValidation(_l("Choose “with plurals and inflections” or “exact forms only”."))


class KeywordForm(Form):
    """A keyword of client `client_id` (a keyword argument): its query, once per client, and its language."""

    query = StringField(filters=[strip],
                        validators=[_query(_l("Type what to look for, for example: Danone.")), _not_taken])
    language = StringField(filters=[_or_none], validators=[_language])
    forms = StringField(filters=[_forms_option], validators=[_forms])

    def __init__(self, formdata, client_id, **kwargs):
        self.client_id = client_id
        super().__init__(formdata, **kwargs)


class PreviewForm(Form):
    """A query to try on a pasted text and on the stored mentions."""

    query = StringField(filters=[strip], validators=[_query(_l("Type a query to preview it."))])
    language = StringField(filters=[_or_none])
    forms = StringField(filters=[_forms_option], validators=[_forms])
    sample = StringField(filters=[lambda value: (value or "")[:MAX_SAMPLE]])


class FeedForm(Form):
    """A feed to follow (its reachability is checked by the fetch)."""

    url = StringField(filters=[strip], validators=[
        WebAddress(message=_l("Enter the address of an RSS or Atom feed, starting with https://"), dotted=False)])
    again = StringField()  # followed again from the undo of its removal


def instance_hosts(text):
    """Read a list of Mastodon server names (at most 5 kept); raise ValueError naming the first wrong one."""
    hosts = []
    for raw in text.replace(",", " ").split():
        host = raw.strip().lower().removeprefix("https://").rstrip("/")
        if not host or "." not in host or any(ch not in INSTANCE_CHARS for ch in host) or len(host) > 100:
            raise ValueError(raw)
        hosts.append(host)
    return hosts[:MAX_INSTANCES]


def _instances(form, field):
    try:
        instance_hosts(field.data)
    except ValueError as exc:
        raise StopValidation(_l("“%(host)s” is not a server name like mastodon.social.", host=exc.args[0])) from None


TOKEN_CHARS = re.compile(r"^[A-Za-z0-9._~+/=-]{16,200}$")


def _token(form, field):
    if field.data and not TOKEN_CHARS.match(field.data):
        raise StopValidation(_l("Paste the access token exactly as Mastodon shows it (letters, digits, "
                                "“-” and “_”, 16 to 200 characters)."))


class ConnectorsForm(Form):
    """The search services a client's keywords run on, its Mastodon servers and the agency's access token."""

    mastodon_instances = StringField(filters=[lambda value: value or ""], validators=[_instances])
    mastodon_token = StringField(filters=[lambda value: (value or "").strip()], validators=[_token])


def clean_keyword_form(formdata, client_id):
    """Read the new keyword form: (values, errors)."""
    return read(KeywordForm, formdata, client_id=client_id)


def clean_preview_form(formdata):
    """Read the preview form: (values, the query's problem or None)."""
    values, errors = read(PreviewForm, formdata)
    return values, errors.get("query") or errors.get("forms")


def clean_feed_form(formdata):
    """Read the feed form: (values, errors)."""
    return read(FeedForm, formdata)


def clean_connectors_form(formdata):
    """Read the search services form: (values with the Mastodon servers as a list, errors).

    `connectors` holds the services ticked as sent; the view refuses a name it does not know (400).
    """
    values, errors = read(ConnectorsForm, formdata)
    values["mastodon_instances"] = [] if errors else instance_hosts(values["mastodon_instances"])
    values["connectors"] = formdata.getlist("connectors")
    values["forget_token"] = formdata.get("forget_token") == "1"
    return values, errors


def _competitor_name_free(form, field):
    if competitors.name_taken(form.client_id, field.data, but=form.competitor_id):
        raise StopValidation(_l("This client already has a competitor of this name."))


class CompetitorForm(Form):
    """A competitor of client `client_id` (the one being renamed is `competitor_id`): its name, its colour."""

    name = StringField(filters=[strip], validators=[Text(_l("Name"), 80), _competitor_name_free])
    color = StringField(filters=[strip], validators=[Colour()])

    def __init__(self, formdata, client_id, competitor_id=None, **kwargs):
        self.client_id, self.competitor_id = client_id, competitor_id
        super().__init__(formdata, **kwargs)


def clean_competitor_form(formdata, client_id, competitor_id=None):
    """Read a competitor's name and colour (a new competitor without a colour gets the palette's next)."""
    if competitor_id is None and not formdata.get("color"):
        formdata = formdata.copy()
        formdata["color"] = competitors.next_colour(client_id)
    return read(CompetitorForm, formdata, client_id=client_id, competitor_id=competitor_id)
