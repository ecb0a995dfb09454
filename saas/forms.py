"""Forms on WTForms: the shared fields and validators, and how views read a form.

A leaf of the platform: features declare their forms with these pieces instead of borrowing
each other's. `read(FormClass, request.form)` answers (values, errors) as the views and
templates expect: `values` what was read (trimmed, defaults applied), `errors` the first
message of each refused field, in the reader's language (lazy strings of the catalogue).
CSRF is checked for every POST by Flask-WTF's CSRFProtect (saas/extensions.py), so these
are plain `wtforms.Form`s.
"""
import re
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import Field, Form, StringField
from wtforms.validators import StopValidation

from saas import params
from saas.validation import clean_email, email_problem, text_problem

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")  # the one colour rule (clients, labels)
MAX_COMMENT = 10_000


def strip(value):
    """Trim a typed value (a missing field reads as the empty text)."""
    return (value or "").strip()


def default(text):
    """A filter: an empty value becomes `text`."""
    return lambda value: value or text


class Text:
    """A short text: required or not, at most `max_length` characters."""

    def __init__(self, label, max_length, required=True):
        self.label, self.max_length, self.required = label, max_length, required

    def __call__(self, form, field):
        problem = text_problem(field.data, self.label, self.max_length, self.required)
        if problem:
            raise StopValidation(problem)


class Email:
    """An email address (read with `email_filter`: trimmed, lower case)."""

    def __call__(self, form, field):
        problem = email_problem(field.data)
        if problem:
            raise StopValidation(problem)


def email_filter(value):
    """A filter: the email as stored and looked up (trimmed, lower case)."""
    return clean_email(value)


class Colour:
    """A colour written #rrggbb."""

    def __call__(self, form, field):
        if not COLOR_RE.match(field.data):
            raise StopValidation(_l("Choose a colour like #4f46e5."))


class Language:
    """One of the interface's languages (French or English)."""

    def __call__(self, form, field):
        if field.data not in current_app.config["LANGUAGES"]:
            raise StopValidation(_l("Choose French or English."))


def one_of(choices, message):
    """A validator: the value is one of `choices`, else `message`."""

    def check(form, field):
        if field.data not in choices:
            raise StopValidation(message)

    return check


def web_address_problem(url, required=True, message=None, max_length=1000, dotted=True):
    """Tell what is wrong with a web address (http or https only), or None.

    `message` replaces the general ones (missing or wrong); `dotted` asks for a dotted host name.
    """
    if not url:
        return (message or _l("Enter a web address.")) if required else None
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed [ipv6] bracket
        parts = None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname
            or (dotted and "." not in parts.hostname) or len(url) > max_length):
        return message or _l("Enter a web address like https://example.com/page.")
    return None


class WebAddress:
    """An http(s) address, with a dotted host name unless `dotted=False` (the one web address rule)."""

    def __init__(self, required=True, message=None, max_length=1000, dotted=True):
        self.required, self.message, self.max_length, self.dotted = required, message, max_length, dotted

    def __call__(self, form, field):
        problem = web_address_problem(field.data, self.required, self.message, self.max_length, self.dotted)
        if problem:
            raise StopValidation(problem)


def with_scheme(value):
    """A filter: an address typed without its scheme gets https://."""
    return "https://" + value if value and "://" not in value else value


class IdsField(Field):
    """The ids a form ticks under one name (each once, in order); 400 when one is not an id (a tampered form)."""

    def process_formdata(self, valuelist):
        self.data = params.ids_arg(self.name, source=MultiDict([(self.name, value) for value in valuelist]))


def whole_number(low, high):
    """A filter: the whole number typed when it lies in [low, high], else None (a validator says why)."""
    return lambda value: params.as_int(value, low, high)


def read(form_class, formdata, **kwargs):
    """Read `formdata` with `form_class`: (values, errors), errors by field name, first message each.

    `kwargs` go to the form (e.g. the client or the account its checks need).
    """
    form = form_class(formdata, **kwargs)
    form.validate()
    return form.data, {name: messages[0] for name, messages in form.errors.items() if messages}


class CommentForm(Form):
    """A comment on a card: by the team, or by a client guest."""

    body = StringField(filters=[lambda value: strip(value).replace("\r\n", "\n")],
                       validators=[Text(_l("Comment"), MAX_COMMENT)])


def clean_comment(form):
    """Read a comment's text: (body, problem or None)."""
    values, errors = read(CommentForm, form)
    return values["body"], errors.get("body")
