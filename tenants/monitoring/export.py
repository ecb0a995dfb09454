"""The mentions export (CSV or XLSX): checked filters, human columns, rows read in batches.

The cells themselves (formula guard, separator, dates in the agency's zone) are
`saas/exports.py`'s job; this module decides what a mention looks like in a spreadsheet.
"""
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from saas import db
from saas.errors import render_error
from tenants.clients.models import Client
from tenants.monitoring.inbox import filtered, read_filters
from tenants.monitoring.models import MENTION_STATUSES, SENTIMENTS, SOURCE_KINDS, Keyword, Mention

ID_RE = re.compile(r"[0-9]{1,10}")
MAX_ID = 2**31 - 1  # ids are PostgreSQL integers
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
CHOICES = {"source": SOURCE_KINDS, "sentiment": SENTIMENTS, "lang": ("fr", "en", "und"), "status": MENTION_STATUSES}
BAD_FILTER = _l("The export filter “%(name)s” is not valid. Go back to the inbox and export again from there.")
BAD_DATE = _l("Use dates like 2026-11-25.")


def check_filters(args):
    """Refuse (400) what the inbox would silently ignore, and (404) a client or keyword of no one.

    The inbox page drops a bad filter and shows more; an export must never widen quietly,
    nor fail once its first lines are sent. Returns an error response, or None.
    """
    for name in ("client", "keyword", "mention"):
        value = args.get(name)
        if value and not (ID_RE.fullmatch(value) and int(value) <= MAX_ID):
            return render_error(400, BAD_FILTER % {"name": name})
    for name, allowed in CHOICES.items():
        if args.get(name) and args.get(name) not in allowed:
            return render_error(400, BAD_FILTER % {"name": name})
    if read_filters(args).errors:  # the dates
        return render_error(400, BAD_DATE)
    if CONTROL_RE.search(args.get("q") or ""):
        return render_error(400, BAD_FILTER % {"name": "q"})
    for name, model in (("client", Client), ("keyword", Keyword), ("mention", Mention)):
        if args.get(name) and db.session.get(model, int(args[name])) is None:
            return render_error(404)
    return None


def header(zone_name):
    """The column titles, in the reader's language."""
    return [_("Published (%(zone)s)", zone=zone_name), _("Client"), _("Keyword"), _("Source type"), _("Source"),
            _("Author"), _("Title"), _("Excerpt"), _("Link"), _("Language"), _("Sentiment"), _("Sentiment score"),
            _("Status")]


def human_values():
    """The words shown instead of stored codes, in the reader's language (read once, in the request)."""
    return {
        "source": {"rss": _("RSS feed"), "hackernews": "Hacker News", "bluesky": "Bluesky", "mastodon": "Mastodon",
                   "reddit": "Reddit"},
        "language": {"fr": _("French"), "en": _("English"), "und": _("Undetermined")},
        "sentiment": {"positive": _("Positive"), "neutral": _("Neutral"), "negative": _("Negative")},
        "status": {"new": _("New"), "read": _("Read"), "archived": _("Archived")},
    }


def rows(filters, client_names, keyword_queries, words, batch=1000):
    """Yield one list of typed values per mention, newest first, reading the database in batches."""
    query = filtered(filters).order_by(Mention.published_at.desc(), Mention.id.desc())
    for mention in db.session.scalars(query.execution_options(yield_per=batch)):
        yield [mention.published_at, client_names.get(mention.client_id, ""), keyword_queries.get(mention.keyword_id, ""),
               words["source"].get(mention.source_kind, mention.source_kind), mention.source_name, mention.author or "",
               mention.title, mention.excerpt, mention.url or "", words["language"].get(mention.language, mention.language),
               words["sentiment"].get(mention.current_sentiment, mention.current_sentiment),
               round(mention.sentiment_score, 3), words["status"].get(mention.status, mention.status)]
