"""Board forms read into (values, errors); values keep what was typed, errors say what to fix."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import Form, StringField
from wtforms.validators import StopValidation

from saas import params
from saas.validation import text_problem
from saas.forms import Colour, Text, WebAddress, default, read, strip, web_address_problem, with_scheme
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


def clean_card_form(form, quick=False):
    """Read a card form (the quick-add form has only a title)."""
    values = {"title": form.get("title", "").strip()}
    errors = {"title": text_problem(values["title"], _l("Title"), 200)}
    if quick:
        return values, {k: v for k, v in errors.items() if v}
    values.update({
        "description": form.get("description", "").replace("\r\n", "\n").strip(),
        "pole": form.get("pole", "both"),
        "client_visible": form.get("client_visible") == "1",
        "source_url": form.get("source_url", "").strip() or None,
        "source_excerpt": form.get("source_excerpt", "").strip() or None,
    })
    errors["description"] = text_problem(values["description"], _l("Description"), MAX_DESCRIPTION, required=False)
    if values["pole"] not in POLES:
        errors["pole"] = _l("Choose a pole: PR, CM or both.")
    try:
        values.update(due_values(form.get("due_date", "").strip(), form.get("due_time", "").strip()))
    except ValueError:
        errors["due_date"] = _l("Enter a date like 2026-03-31 and, if you wish, a time like 14:30.")
    if values["source_url"]:
        errors["source_url"] = web_address_problem(values["source_url"])
    if values["source_excerpt"] and len(values["source_excerpt"]) > 2000:
        errors["source_excerpt"] = _l("Keep the excerpt under 2,000 characters.")
    return values, {k: v for k, v in errors.items() if v}


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
