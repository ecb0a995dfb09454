"""The score's parts in words, for pages, emails, webhooks and the crisis card (in the reader's language)."""
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from saas.i18n import format_datetime, format_time, number, percent
from tenants.crisis.detector import SENSITIVITY, WEIGHTS

PART_ORDER = ("volume", "growth", "negative", "reach", "new_authors")
PART_LABELS = {"volume": _l("Volume above usual"), "growth": _l("Speed of growth"),
               "negative": _l("Negative share"), "reach": _l("Reach of the sources"),
               "new_authors": _l("New authors")}
SENSITIVITY_LABELS = {"low": _l("Low"), "medium": _l("Medium"), "high": _l("High")}
MODE_LABELS = {"weekly": _l("same hour of the week, last 4 weeks"), "daily": _l("same hour, previous days"),
               "recent": _l("previous hours (short history)"), "learning": _l("still learning the usual rhythm")}
CHANNEL_LABELS = {"email": _l("Email"), "webhook": _l("Webhook"), "digest": _l("Daily digest")}
STATUS_LABELS = {"pending": _l("Pending"), "retrying": _l("Retrying"), "sent": _l("Sent"), "failed": _l("Failed")}


def part_sentence(name, part):
    """Say what one part measured, with its numbers written as the reader's language writes them."""
    facts = part.get("facts", {})
    if name == "volume":
        return _("%(count)d mentions in the hour, %(ratio)s× the usual %(median)s", count=facts.get("count", 0),
                 ratio=number(facts.get("ratio"), 1), median=number(facts.get("median")))
    if name == "growth":
        if facts.get("slope", 0) <= 0:
            return _("Not growing over the last hour")
        return _("Up %(slope)s mentions every 15 minutes, on a usual %(usual)s per 15 minutes",
                 slope=number(facts.get("slope")), usual=number(facts.get("usual")))
    if name == "negative":
        return _("%(share)s negative, usually %(usual)s", share=percent(part.get("value")),
                 usual=percent(facts.get("base_share")))
    if name == "reach":
        return _("%(sources)d sources, %(share)s from news sites, Reddit or Hacker News",
                 sources=facts.get("sources", 0), share=percent(part.get("value")))
    if not facts.get("authors"):
        return _("No author information in these mentions")
    return _("%(new)d of %(authors)d authors new to this client", new=facts.get("new", 0),
             authors=facts.get("authors", 0))


def explained_parts(evidence):
    """The parts of an alert in display order: (name, label, part, weight, sentence)."""
    parts = evidence.get("parts", {})
    return [(name, PART_LABELS[name], parts[name], WEIGHTS[name], part_sentence(name, parts[name]))
            for name in PART_ORDER if name in parts]


def window_end(window_start):
    """The end of the hour an alert scored."""
    return window_start + timedelta(hours=1)


def window_words(window_start):
    """The hour an alert scored, in the agency's zone: "12 déc., 07:00–08:00"."""
    return _("Hour scored: %(start)s–%(end)s", start=format_datetime(window_start, "d MMM, HH:mm"),
             end=format_time(window_end(window_start), "HH:mm"))


def threshold_of(sensitivity):
    """The score a rule of this sensitivity fires at."""
    return SENSITIVITY[sensitivity].score


def headline(client_name, score):
    """The one-line title of an alert."""
    return _("Crisis alert for %(client)s: score %(score)d/100", client=client_name, score=round(score))
