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
SENSITIVITY_HINTS = {"low": _l("only large shifts alert"), "medium": _l("clear shifts alert"),
                     "high": _l("smaller shifts alert too")}
MODE_LABELS = {"weekly": _l("same hour of the week, past weeks"), "daily": _l("same hour, previous days"),
               "recent": _l("previous hours and the agency's usual levels (short history)"),
               "learning": _l("the agency's usual levels (still learning this client)")}
KIND_LABELS = {"crisis": _l("Crisis"), "buzz": _l("Buzz")}
CHANNEL_LABELS = {"email": _l("Email"), "webhook": _l("Webhook"), "digest": _l("Daily digest")}
STATUS_LABELS = {"pending": _l("Pending"), "retrying": _l("Retrying"), "sent": _l("Sent"), "failed": _l("Failed")}


def part_sentence(name, part):
    """Say what one part measured, with its numbers written as the reader's language writes them."""
    facts = part.get("facts", {})
    if name == "volume":
        return _("%(count)s mentions in the hour, %(ratio)s× the usual %(median)s", count=number(facts.get("count", 0)),
                 ratio=number(facts.get("ratio"), 1), median=number(facts.get("median")))
    if name == "growth":
        if facts.get("slope", 0) <= 0:
            return _("Not growing over the last hour")
        return _("Up %(slope)s mentions every 15 minutes, on a usual %(usual)s per 15 minutes",
                 slope=number(facts.get("slope")), usual=number(facts.get("usual")))
    if name == "negative":
        return negative_sentence(part, facts)
    if name == "reach":
        return _("%(sources)s sources, %(share)s from news sites, Reddit or Hacker News",
                 sources=number(facts.get("sources", 0)), share=percent(part.get("value")))
    if not facts.get("authors"):
        return _("No author information in these mentions")
    return _("%(new)s of %(authors)s authors new to this client", new=number(facts.get("new", 0)),
             authors=number(facts.get("authors", 0)))


def negative_sentence(part, facts):
    """The negative-share test in words: the share, the usual one, and how unlikely the shift is by chance."""
    words = _("%(share)s negative (%(negative)s mentions), usually %(usual)s", share=percent(part.get("value")),
              negative=number(facts.get("negative", 0)), usual=percent(facts.get("base_share")))
    if facts.get("absolute") and facts.get("absolute_minutes") == 30:
        return words + " · " + _("negative mentions within half an hour where an hour usually holds one or two: "
                                 "an alert whatever the history")
    if facts.get("absolute"):
        return words + " · " + _("a few negative mentions making half the hour: an alert whatever the history")
    evidence = facts.get("evidence") or 0
    if evidence >= 2:
        return words + " · " + _("a shift this large, over the last %(minutes)s minutes, happens by chance less "
                                 "than once in %(odds)s", minutes=number(facts.get("minutes", 60)),
                                 odds=number(round(10 ** min(evidence, 9))))
    return words


def raised_points(evidence):
    """The points a firing test added to the parts' sum to bring the score to the rule's threshold (0 if none)."""
    points = sum(part.get("points", 0) for part in evidence.get("parts", {}).values())
    return max(0.0, round((evidence.get("score") or 0) - points, 1))


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


def trigger_sentence(evidence):
    """Which test made an alert fire, in words: the negative-share test, the absolute rule or a volume surge."""
    negative = evidence.get("parts", {}).get("negative", {}).get("facts", {})
    rule = SENSITIVITY.get(evidence.get("sensitivity"), SENSITIVITY["medium"])
    if negative.get("absolute") and negative.get("absolute_minutes") == 30:
        return _("Fired by the absolute rule: negative mentions within half an hour for a client rarely mentioned.")
    if negative.get("absolute"):
        return _("Fired by the absolute rule: a few negative mentions making half of the hour.")
    if (negative.get("evidence") or 0) >= rule.negative:
        return _("Fired by the negative-share test: far more negative mentions than this client's usual share.")
    if evidence.get("kind") == "buzz":
        return _("Fired by a volume surge, without more negative mentions than usual.")
    return _("Fired by a volume surge with more negative mentions than usual.")


def threshold_of(sensitivity):
    """The score a rule of this sensitivity fires at (medium's for an unknown one)."""
    return SENSITIVITY.get(sensitivity, SENSITIVITY["medium"]).score


def headline(client_name, score, kind="crisis"):
    """The one-line title of an alert: a crisis, or a buzz (a positive or neutral surge)."""
    if kind == "buzz":
        return _("Buzz for %(client)s: mentions well above usual, score %(score)s/100", client=client_name,
                 score=number(round(score)))
    return _("Crisis alert for %(client)s: score %(score)s/100", client=client_name, score=number(round(score)))


def kind_sentence(kind):
    """What a kind of alert means, for its page."""
    if kind == "buzz":
        return _("A buzz: far more mentions than usual, without more negative ones. An opportunity to seize, "
                 "not a crisis: it opens no crisis card.")
    return _("A crisis: negative mentions well above this client's usual share or volume.")


def learning_words(hours, needed):
    """The learning state of a rule's series, or None once it knows the usual levels."""
    if hours >= needed:
        return None
    return _("Still learning this client's usual levels (%(hours)s of %(needed)s hours).", hours=number(hours),
             needed=number(needed))


def meanwhile_words():
    """What alerts while a client's usual levels are being learnt."""
    return _("Meanwhile, a crisis alerts on a negative shift against the usual share of negative mentions, or on "
             "a few negative mentions making half of an hour; volume alone alerts only far above the agency's "
             "usual levels.")
