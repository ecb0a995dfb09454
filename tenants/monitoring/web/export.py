"""The mentions export (CSV or XLSX): checked filters, human columns, rows read in batches.

The cells themselves (formula guard, separator, dates in the agency's zone) are
`saas/exports.py`'s job; this module decides what a mention looks like in a spreadsheet.
"""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from saas import db
from saas.errors import render_error
from tenants.clients.models import Client
from tenants.monitoring import tags
from tenants.monitoring.web.inbox import filtered, read_filters
from tenants.monitoring.models import Keyword, Mention

BAD_DATE = _l("Use dates like 2026-11-25.")


def check_filters(args):
    """Refuse what would widen or break an export before its first line is sent.

    Malformed or out-of-range values are a 400 from `saas.params` (via `read_filters`); a bad
    date (which the inbox page only reports beside its field) is a 400 here; a client, keyword
    or mention of no one is a 404. Returns an error response, or None.
    """
    filters = read_filters(args)
    if filters.errors:  # the dates
        return render_error(400, BAD_DATE)
    for value, model in ((filters.client_id, Client), (filters.keyword_id, Keyword), (filters.mention_id, Mention)):
        if value and db.session.get(model, value) is None:
            return render_error(404)
    return None


def header(zone_name):
    """The column titles, in the reader's language."""
    return [_("Published (%(zone)s)", zone=zone_name), _("Client"), _("Keyword"), _("Source type"), _("Source"),
            _("Author"), _("Title"), _("Excerpt"), _("Link"), _("Language"), _("Sentiment"), _("Sentiment score"),
            _("Status"), _("Tags")]


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
    """Yield one list of typed values per mention, newest first, reading the database in batches (the tags of a
    batch in one query; a cell of tags starting like a formula is defused by saas/exports.py like any text)."""
    query = filtered(filters).order_by(Mention.published_at.desc(), Mention.id.desc())
    for mentions in db.session.scalars(query.execution_options(yield_per=batch)).partitions():
        labels = tags.tags_of([m.id for m in mentions])
        for mention in mentions:
            yield [mention.published_at, client_names.get(mention.client_id, ""),
                   keyword_queries.get(mention.keyword_id, ""),
                   words["source"].get(mention.source_kind, mention.source_kind), mention.source_name,
                   mention.author or "", mention.title, mention.excerpt, mention.url or "",
                   words["language"].get(mention.language, mention.language),
                   words["sentiment"].get(mention.current_sentiment, mention.current_sentiment),
                   round(mention.sentiment_score, 3), words["status"].get(mention.status, mention.status),
                   ", ".join(labels.get(mention.id, []))]
