"""Route parameters, read in one place: typed and bounded, or refused with a clear message.

- Ids in the path go through `IdConverter`, installed as the app's `int` converter: only
  1..2^31-1 (every id column is a PostgreSQL `integer`) in ASCII digits; anything else
  matches no route and answers 404. Text in the path never holds a NUL byte (404 too).
- Query-string and form values go through the getters below (`int_arg`, `id_arg`,
  `ids_arg`, `date_arg`, `choice_arg`, `text_arg`, `cursor_arg`). Each reads `request.args`
  unless given another MultiDict (`request.form`, the args of the page htmx came from).
  An empty value counts as absent; a bad one raises `BadParameter`, a 400 whose message
  (French or English) names the parameter and says what it accepts.
- `as_int` and `as_date` are the same checks without the 400, for forms that report their
  errors in place (422) and for settings a person is only trying out.
- No value of the query string or of a form may hold a NUL byte (PostgreSQL stores none).

Values are checked here, before any query, so a number PostgreSQL cannot hold or a date
Python cannot step past never reaches the database or the calendar code. (WTForms and
webargs were weighed: both collect errors per form or schema, where these views need one
value at a time, one 400 page or htmx toast, keyset cursors and path converters.)
"""
import base64
import binascii
import json
import re
from datetime import date, datetime, timezone

from flask import request
from flask_babel import format_number
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, UnicodeConverter

MAX_INT = 2**31 - 1  # PostgreSQL `integer`: every id column, every counter and version
MAX_ID = MAX_INT
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2199, 12, 31)
MAX_IDS = 500  # ids a form may name at once
MAX_CURSOR = 200  # characters of an encoded page cursor

_INT_RE = re.compile(r"[+-]?[0-9]{1,20}")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class BadParameter(BadRequest):
    """A query-string or form value that is malformed or out of range: 400, with its message shown."""

    relais_message = True  # saas.errors shows this description instead of the generic one

    def __init__(self, name, message):
        super().__init__(message)
        self.parameter = name


class IdConverter(IntegerConverter):
    """`<int:x>` in a route: an id that can exist (1..2^31-1, ASCII digits), else no match (404)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class TextConverter(UnicodeConverter):
    """The default path converter, minus NUL bytes (a slug or token never holds one)."""

    def __init__(self, map, minlength=1, maxlength=None, length=None):
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]")


def as_int(text, low, high):
    """The whole number `text` holds when it lies in [low, high], else None."""
    text = str(text if text is not None else "").strip()
    if not _INT_RE.fullmatch(text):
        return None
    number = int(text)
    return number if low <= number <= high else None


def as_date(text, low=MIN_DATE, high=MAX_DATE):
    """The YYYY-MM-DD date `text` holds when it lies in [low, high], else None."""
    text = str(text if text is not None else "").strip()
    if not _DATE_RE.fullmatch(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if low <= day <= high else None


def _raw(name, source):
    """The value of `name` (stripped), or None when absent or empty."""
    value = (request.args if source is None else source).get(name)
    if value is None:
        return None
    value = str(value).strip()
    _refuse_nul(name, value)
    return value or None


def _refuse_nul(name, value):
    if "\x00" in value:
        raise BadParameter(name, _("“%(name)s” holds a character that is not allowed (a null byte).", name=name))


def _number_problem(name, low, high):
    return BadParameter(name, _("“%(name)s” must be a whole number from %(low)s to %(high)s.",
                                name=name, low=format_number(low), high=format_number(high)))


def int_arg(name, low, high, default=None, source=None):
    """A whole number in [low, high]; `default` when absent; else 400."""
    text = _raw(name, source)
    if text is None:
        return default
    number = as_int(text, low, high)
    if number is None:
        raise _number_problem(name, low, high)
    return number


def id_arg(name, default=None, source=None):
    """The id of a row (1..2^31-1); `default` when absent; else 400."""
    return int_arg(name, 1, MAX_ID, default, source)


def ids_arg(name, source=None, limit=MAX_IDS):
    """Every id a form names under `name` (each once, in order), at most `limit` of them; else 400."""
    values = [str(value).strip() for value in (request.args if source is None else source).getlist(name)]
    values = [value for value in values if value]
    if len(values) > limit:
        raise BadParameter(name, _("Choose at most %(n)s items at once.", n=format_number(limit)))
    ids = []
    for value in values:
        _refuse_nul(name, value)
        number = as_int(value, 1, MAX_ID)
        if number is None:
            raise _number_problem(name, 1, MAX_ID)
        ids.append(number)
    return list(dict.fromkeys(ids))


def date_arg(name, default=None, source=None):
    """A YYYY-MM-DD date between 1900 and 2199; `default` when absent; else 400."""
    text = _raw(name, source)
    if text is None:
        return default
    day = as_date(text)
    if day is None:
        raise BadParameter(name, _("“%(name)s” must be a date like 2026-03-31, from %(low)s to %(high)s.", name=name,
                                   low=MIN_DATE.isoformat(), high=MAX_DATE.isoformat()))
    return day


def choice_arg(name, choices, default=None, source=None):
    """One of `choices`; `default` when absent; else 400."""
    text = _raw(name, source)
    if text is None:
        return default
    if text not in choices:
        raise BadParameter(name, _("“%(name)s” must be one of: %(choices)s.", name=name, choices=", ".join(choices)))
    return text


def text_arg(name, max_length, default="", source=None):
    """Free text, stripped and cut to `max_length` characters; `default` when absent; 400 on a NUL byte."""
    text = _raw(name, source)
    return default if text is None else text[:max_length]


def encode_cursor(moment, row_id):
    """A keyset page cursor: the (timestamp, id) of the last row shown, URL-safe."""
    raw = json.dumps([moment.isoformat(), row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_arg(name, source=None):
    """The (aware timestamp, id) of a page cursor made by `encode_cursor`; None when absent; else 400."""
    text = _raw(name, source)
    if text is None:
        return None
    try:
        if len(text) > MAX_CURSOR:
            raise ValueError
        stamp, row_id = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        moment = datetime.fromisoformat(stamp)
        if type(row_id) is not int or not 1 <= row_id <= MAX_ID or not MIN_DATE <= moment.date() <= MAX_DATE:
            raise ValueError
    except (ValueError, TypeError, binascii.Error):
        raise BadParameter(name, _("This page link is not valid. Go back to the first page of the list.")) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc), row_id


def refuse_nul_bytes():
    """Before every request: no NUL byte in a query-string or form name or value (PostgreSQL stores none)."""
    sources = [request.args]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sources.append(request.form)
    for source in sources:
        for name, value in source.items(multi=True):
            _refuse_nul(name.replace("\x00", "\\0"), name + value)


def init_app(app):
    """Install the path converters and the NUL check; call before any route exists or hook runs."""
    app.url_map.converters.update({"int": IdConverter, "default": TextConverter, "string": TextConverter})
    app.before_request(refuse_nul_bytes)
