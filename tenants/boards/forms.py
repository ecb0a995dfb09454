"""Board forms read into (values, errors); values keep what was typed, errors say what to fix."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import Form, StringField
from wtforms.validators import StopValidation

from saas import params
from saas.forms import Colour, Text, WebAddress, default, read, strip, with_scheme
from saas.i18n import local_moment
from tenants.boards.cards import end_of_day
from tenants.boards.models import POLES

MAX_DESCRIPTION = 20_000


def due_values(date_text, time_text):
    """Read a due date, with or without a time, typed in the agency's zone; raise ValueError.

    A date alone stays a date (`due_on`, shown without a time); `due_at` is always the moment
    the card is due, in UTC: the time typed, or the end of that day.
    """
    if not date_text:
        if time_text:
            raise ValueError
        return {"due_at": None, "due_on": None}
    day = params.as_date(date_text)
    if day is None:
        raise ValueError
    if not time_text:
        return {"due_at": end_of_day(day), "due_on": day}
    return {"due_at": local_moment(day, datetime.strptime(time_text, "%H:%M").time()), "due_on": None}


def _pole(form, field):
    if field.data not in POLES:
        raise StopValidation(_l("Choose a pole: PR, CM or both."))


def _due(form, field):
    try:
        due_values(field.data, form.due_time.data)
    except ValueError:
        raise StopValidation(_l("Enter a date like 2026-03-31 and, if you wish, a time like 14:30.")) from None


def _excerpt(form, field):
    if field.data and len(field.data) > 2000:
        raise StopValidation(_l("Keep the excerpt under 2,000 characters."))


def _or_none(value):
    return value or None


class QuickCardForm(Form):
    """The quick-add form at the bottom of a column: a title only."""

    title = StringField(filters=[strip], validators=[Text(_l("Title"), 200)])


class CardForm(QuickCardForm):
    """A card: title, description, pole, due date (and time), client visibility, the mention it came from."""

    description = StringField(filters=[lambda value: strip(value).replace("\r\n", "\n")],
                              validators=[Text(_l("Description"), MAX_DESCRIPTION, required=False)])
    pole = StringField(filters=[lambda value: "both" if value is None else value], validators=[_pole])  # only a missing pole
    client_visible = StringField()
    source_url = StringField(filters=[strip, _or_none], validators=[WebAddress(required=False)])
    source_excerpt = StringField(filters=[strip, _or_none], validators=[_excerpt])
    due_time = StringField(filters=[strip])
    due_date = StringField(filters=[strip], validators=[_due])  # checked with due_time


def clean_card_form(formdata, quick=False):
    """Read a card form (the quick-add form has only a title)."""
    values, errors = read(QuickCardForm if quick else CardForm, formdata)
    if quick:
        return values, errors
    values["client_visible"] = values["client_visible"] == "1"
    due_date, due_time = values.pop("due_date"), values.pop("due_time")
    if "due_date" not in errors:
        values.update(due_values(due_date, due_time))
    return values, errors


def _check_wip_limit(form, field):
    if field.data and params.as_int(field.data, 1, 999) is None:
        raise StopValidation(_l("Enter a limit between 1 and 999, or leave it empty."))


class ColumnForm(Form):
    """A column: its name, an optional WIP limit, and whether its cards are done."""

    name = StringField(filters=[strip], validators=[Text(_l("Name"), 60)])
    wip_limit = StringField(filters=[strip], validators=[_check_wip_limit])
    done = StringField()


def clean_column_form(formdata):
    """Read a column form: name, optional WIP limit, and whether its cards are done."""
    data, errors = read(ColumnForm, formdata)
    return {"name": data["name"], "done": data["done"] == "1",
            "wip_limit": params.as_int(data["wip_limit"], 1, 999)}, errors


class LabelForm(Form):
    """A label: a name and a colour."""

    name = StringField(filters=[strip], validators=[Text(_l("Name"), 40)])
    color = StringField(filters=[strip, default("#6366f1")], validators=[Colour()])


def clean_label_form(formdata):
    """Read a label form: a name and a colour."""
    return read(LabelForm, formdata)


class ChecklistItemForm(Form):
    """A checklist line."""

    text = StringField(filters=[strip], validators=[Text(_l("Item"), 200)])


def clean_checklist_item(formdata):
    """Read a checklist line: (text, problem or None)."""
    data, errors = read(ChecklistItemForm, formdata)
    return data["text"], errors.get("text")


class LinkForm(Form):
    """A link on a card: its address (https:// added when typed without) and an optional title."""

    url = StringField(filters=[strip, with_scheme], validators=[WebAddress()])
    title = StringField(filters=[lambda value: strip(value)[:200]])


def clean_link(formdata):
    """Read a link: its address and an optional title; (values, problem or None)."""
    data, errors = read(LinkForm, formdata)
    return data, errors.get("url")
