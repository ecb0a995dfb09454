"""Board forms read into (values, errors); values keep what was typed, errors say what to fix."""
import re
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from saas import params
from saas.auth.validation import text_problem
from saas.i18n import local_moment
from tenants.boards.cards import end_of_day
from tenants.boards.models import POLES

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_DESCRIPTION = 20_000


def web_address_problem(url, required=True):
    """Tell what is wrong with a web address (http or https only), or None."""
    if not url:
        return _l("Enter a web address.") if required else None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or "." not in parts.hostname or len(url) > 1000:
        return _l("Enter a web address like https://example.com/page.")
    return None


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


def clean_column_form(form):
    """Read a column form: name, optional WIP limit, and whether its cards are done."""
    values = {"name": form.get("name", "").strip(), "done": form.get("done") == "1"}
    errors = {"name": text_problem(values["name"], _l("Name"), 60)}
    wip = form.get("wip_limit", "").strip()
    values["wip_limit"] = params.as_int(wip, 1, 999)
    if wip and values["wip_limit"] is None:
        errors["wip_limit"] = _l("Enter a limit between 1 and 999, or leave it empty.")
    return values, {k: v for k, v in errors.items() if v}


def clean_label_form(form):
    """Read a label form: a name and a colour."""
    values = {"name": form.get("name", "").strip(), "color": form.get("color", "").strip() or "#6366f1"}
    errors = {"name": text_problem(values["name"], _l("Name"), 40)}
    if not COLOR_RE.match(values["color"]):
        errors["color"] = _l("Choose a colour like #4f46e5.")
    return values, {k: v for k, v in errors.items() if v}


def clean_checklist_item(form):
    """Read a checklist line."""
    text = form.get("text", "").strip()
    return text, text_problem(text, _l("Item"), 200)


def clean_link(form):
    """Read a link: its address and an optional title."""
    values = {"url": form.get("url", "").strip(), "title": form.get("title", "").strip()[:200]}
    if values["url"] and "://" not in values["url"]:
        values["url"] = "https://" + values["url"]
    return values, web_address_problem(values["url"])
