"""Language and local formats: the language choice, the agency's time zone, numbers, dates, French elision.

Every time a person reads (pages, mails, exports, cards, webhooks) is in the agency's time zone:
`agency_zone()` is the one place that decides it (the agency's setting, else TIMEZONE), and
`local_time()`, `format_datetime()` and the template filters all go through it. Numbers and
percentages follow the reader's language ("11,0×", "10,3 %" in French).
"""
import re
from datetime import datetime, time, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import Blueprint, current_app, g, has_app_context, redirect, request, session
from flask_babel import Domain, get_locale
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape

from saas.urls import safe_next

bp = Blueprint("i18n", __name__)
FALLBACK_ZONE = "Europe/Paris"
# The zones offered in the agency settings (any valid zoneinfo name is accepted).
COMMON_ZONES = (
    "Europe/Paris", "Europe/Brussels", "Europe/Luxembourg", "Europe/Zurich", "Europe/Monaco", "Europe/London",
    "Europe/Dublin", "Europe/Lisbon", "Europe/Madrid", "Europe/Berlin", "Europe/Amsterdam", "Europe/Rome",
    "Europe/Athens", "Africa/Casablanca", "Africa/Algiers", "Africa/Tunis", "Africa/Dakar", "Africa/Abidjan",
    "Indian/Reunion", "Indian/Mayotte", "America/Guadeloupe", "America/Martinique", "America/Cayenne",
    "America/Toronto", "America/New_York", "America/Los_Angeles", "Pacific/Noumea", "Pacific/Tahiti", "Asia/Dubai",
    "Asia/Singapore", "Asia/Tokyo", "UTC",
)


def N_(message):
    """Mark a message for the catalogue; it is stored as is and translated where it is shown."""
    return message


def select_locale():
    """Pick the language of this request."""
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


@bp.post("/lang")
def set_language():
    """Switch the interface language and go back where the person was."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
    return redirect(safe_next(request.form.get("next")) or "/")


# --- The agency's time zone -------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _zone_names():
    return frozenset(available_timezones())


def is_zone(name):
    """Tell whether `name` is a time zone of the tz database (Europe/Paris, UTC...)."""
    return isinstance(name, str) and name in _zone_names()


def default_zone_name():
    """The platform's zone (the TIMEZONE setting): new agencies start with it."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return name if is_zone(name) else FALLBACK_ZONE


def zone_choices(current=None):
    """The zones the settings form offers, the agency's own first when it is not a common one."""
    return ((current,) if current and current not in COMMON_ZONES else ()) + COMMON_ZONES


def agency_zone():
    """The time zone of the current agency (pages, jobs, mails), else the platform's."""
    from saas import tenancy  # late: the tenancy imports the database layer

    agency_id = tenancy.current_agency_id()
    if agency_id is not None and has_app_context():
        known = g.setdefault("agency_zones", {})  # agency id -> ZoneInfo, for this request or job
        zone = known.get(agency_id)
        if zone is None:
            name = _agency_zone_name(agency_id)
            zone = known[agency_id] = ZoneInfo(name if is_zone(name) else default_zone_name())
        return zone
    return ZoneInfo(default_zone_name())


# How to read an agency's zone setting by id: accounts register it (saas/auth/__init__.py), as
# the agencies are theirs; this module sits below them.
_ZONE_READERS = []


def read_zones_with(reader):
    """Register `reader(agency_id)` -> the agency's zone name (or None when there is no such agency)."""
    _ZONE_READERS[:] = [reader]


def _agency_zone_name(agency_id):
    agency = g.get("agency")
    if agency is not None and agency.id == agency_id:
        return agency.timezone
    return _ZONE_READERS[0](agency_id) if _ZONE_READERS else None


def forget_agency_zone():
    """Drop what this request or job knows of agencies' zones (after a change of setting)."""
    if has_app_context():
        g.pop("agency_zones", None)
    from flask_babel import refresh

    refresh()


def _aware(value):
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def local_time(value):
    """A stored (UTC) moment in the agency's time zone; None stays None."""
    return _aware(value).astimezone(agency_zone()) if value is not None else None


def local_now():
    """Now, in the agency's time zone."""
    return datetime.now(agency_zone())


def local_today():
    """Today's date in the agency's time zone."""
    return local_now().date()


def local_moment(day, clock=time.min):
    """The UTC moment of a wall-clock time of a local day in the agency's zone (aware, as stored)."""
    return datetime.combine(day, clock, tzinfo=agency_zone()).astimezone(timezone.utc)


# --- Dates and numbers in the reader's language -----------------------------------------------------------------

NAMED_FORMATS = ("short", "medium", "long", "full")


class _Fields:
    """Babel's pattern fields, with the ones our patterns use read straight from the locale's names.

    Babel re-reads the locale's data for every field of every call; a board formats hundreds of due
    dates per page. Same text as Babel (tests/test_local_formats.py compares them); other fields go to Babel.
    """

    __slots__ = ("value", "locale")

    def __init__(self, value, locale):
        self.value, self.locale = value, locale

    def __getitem__(self, name):
        value = self.value
        if name == "d":
            return str(value.day)
        if name == "HH":
            return f"{value.hour:02d}"
        if name == "mm":
            return f"{value.minute:02d}"
        if name in ("MMM", "MMMM"):
            return _names(self.locale, "months", len(name))[value.month]
        if name in ("EEE", "EEEE"):
            return _names(self.locale, "days", len(name))[value.weekday()]
        return babel_dates.DateTimeFormat(value, self.locale)[name]


@lru_cache(maxsize=64)
def _names(locale, kind, width):
    names = getattr(locale, kind)["format"]["abbreviated" if width == 3 else "wide"]
    return dict(names.items())


@lru_cache(maxsize=32)
def _locale(code):
    return Locale.parse(code)


def _pattern_text(value, pattern, locale):
    """`value` written with a custom Babel pattern ("d MMM, HH:mm") in `locale` (a Locale)."""
    return babel_dates.parse_pattern(pattern).format % _Fields(value, locale)


def _current_locale():
    locale = get_locale()
    return locale if isinstance(locale, Locale) else _locale(str(locale))


def format_datetime(value, format="medium"):
    """A moment in the agency's zone, in the reader's language ("12 déc., 07:41")."""
    if format not in NAMED_FORMATS:  # a pattern of our own: the fast path (same text)
        return _pattern_text(_aware(value).astimezone(agency_zone()), format, _current_locale())
    return babel_dates.format_datetime(_aware(value), format, tzinfo=agency_zone(), locale=get_locale())


def format_date(value, format="medium"):
    """A date (or the local date of a moment) in the reader's language."""
    if isinstance(value, datetime):
        value = local_time(value).date()
    if format not in NAMED_FORMATS:
        return _pattern_text(value, format, _current_locale())
    return babel_dates.format_date(value, format, locale=get_locale())


def format_time(value, format="medium"):
    """The local time of a moment in the reader's language."""
    if isinstance(value, datetime):
        value = local_time(value).timetz()
    return babel_dates.format_time(value, format, locale=get_locale())


def _with_decimals(pattern, digits):
    """A Babel number pattern with exactly `digits` decimals ("#,##0 %" -> "#,##0.0 %")."""
    integer = pattern.split(";")[0].split(".")[0]
    head, _sep, tail = integer.rpartition("0")
    return f"{head}0{'.' + '0' * digits if digits else ''}{re.sub(r'^[#0]*', '', tail)}"


def number(value, digits=None):
    """A number in the reader's language: "10,3" in French; `digits` fixes the decimals ("11,0")."""
    value = value or 0
    if digits is None:
        return babel_numbers.format_decimal(value, locale=get_locale())
    pattern = _with_decimals(Locale.parse(get_locale()).decimal_formats[None].pattern, digits)
    return babel_numbers.format_decimal(value, pattern, locale=get_locale())


def percent(value, digits=0):
    """A share (0.103) as a percentage in the reader's language: "10,3 %" in French, "10.3%" in English."""
    pattern = _with_decimals(Locale.parse(get_locale()).percent_formats[None].pattern, digits)
    return babel_numbers.format_percent(value or 0, pattern, locale=get_locale())


# --- French elision of the names put into messages --------------------------------------------------------------

# "de Agence Lumière" -> "d’Agence Lumière", "en tant que invité" -> "en tant qu’invité". Only the word right
# before an inserted value is touched: the catalogue's own words are already written as French is.
ELIDED = {"de": "d’", "que": "qu’", "le": "l’", "la": "l’", "jusque": "jusqu’", "lorsque": "lorsqu’",
          "puisque": "puisqu’"}
_VOWEL = re.compile(r"[aeiouàâäéèêëîïôöùûüœæ]|y[^aeiouyàâäéèêëîïôöùûü]", re.IGNORECASE)
_NO_ELISION = re.compile(r"(onze|onzième|oui|ouistiti)\b", re.IGNORECASE)
# A mute h is elided before ("d’Hermès", "l’hôtel"); most names with h are aspirated ("de Hachette").
_MUTE_H = re.compile(r"h(abit|ebdo|erb|ermès|eur|ier|istoi|iver|omm|onneur|ôpital|ôte|oriz|orair|uile|umain|umeur|"
                     r"umour|ygi|ypo|yper|élène|éritag|ôtel)", re.IGNORECASE)


def sounds_like_vowel(text):
    """Tell whether a French word or name starts with a vowel sound (before which de, que, le, la elide)."""
    text = str(text).lstrip()
    if not text or _NO_ELISION.match(text):
        return False
    return bool(_VOWEL.match(text) or _MUTE_H.match(text))


def _elided(match):
    word = match.group(1)
    short = ELIDED[word.lower()]
    return short[0].upper() + short[1:] if word[0].isupper() else short


def elide(text, values):
    """Elide de, que, le, la right before each inserted value that starts with a vowel sound (French only)."""
    if not values or not str(get_locale() or "").startswith("fr"):
        return text
    is_markup = isinstance(text, Markup)
    result = str(text)
    for value in {str(v) for v in values if isinstance(v, str) or hasattr(v, "__html__")}:
        if not sounds_like_vowel(value):
            continue
        shown = str(escape(value)) if is_markup else value
        words = "|".join(ELIDED)
        result = re.sub(rf"(?<![\w’'-])({words})[ \u00a0]+(?={re.escape(shown)})", _elided, result,
                        flags=re.IGNORECASE)
    return Markup(result) if is_markup else result


class ElidingDomain(Domain):
    """Flask-Babel's message domain, with French elision before the values put into messages."""

    def gettext(self, string, **variables):
        return elide(super().gettext(string, **variables), list(variables.values()))

    def ngettext(self, singular, plural, num, **variables):
        return elide(super().ngettext(singular, plural, num, **variables), list(variables.values()))

    def pgettext(self, context, string, **variables):
        return elide(super().pgettext(context, string, **variables), list(variables.values()))

    def npgettext(self, context, singular, plural, num, **variables):
        return elide(super().npgettext(context, singular, plural, num, **variables), list(variables.values()))


# Messages without values, translated: the same for the life of the process (the catalogue does not
# change while it runs), by language. A list of 50 mentions asks for each of its words 50 times.
_MESSAGES = {}
_MESSAGES_MAX = 20_000  # template literals are few; a template translating data could grow it: then start over


def _eliding(function):
    """Wrap one of Jinja's gettext functions (new style) so that templates elide like Python code."""

    @pass_context
    def translate(__context, *args, **variables):
        if variables or not has_app_context():
            return elide(function(__context, *args, **variables), list(variables.values()))
        # The render's language comes with the template's context (`template_language`, read once per
        # render_template, so a mail written under force_locale gets its own); else it is looked up.
        key = (function, args, __context.eval_ctx.autoescape,
               __context.get("template_language") or str(get_locale()))
        try:
            return _MESSAGES[key]
        except KeyError:
            if len(_MESSAGES) >= _MESSAGES_MAX:
                _MESSAGES.clear()
            found = _MESSAGES[key] = function(__context, *args)
            return found

    return translate


def init_app(app):
    """Templates: elision in `_()`, and date and number filters in the agency's zone and the reader's language."""
    env = app.jinja_env
    for name in ("gettext", "ngettext", "pgettext", "npgettext"):
        if name in env.globals:
            env.globals[name] = _eliding(env.globals[name])
    env.filters.update(datetimeformat=format_datetime, dateformat=format_date, timeformat=format_time,
                       number=number, percent=percent, local_time=local_time)
    env.globals.update(local_today=local_today, agency_zone=agency_zone)
    app.context_processor(lambda: {"template_language": str(get_locale())})
