"""The mentions inbox: filters, full-text search (search.py), keyset pagination, bulk actions (exports: export.py)."""
from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy import and_, func, or_, select, update

from saas import db, params
from saas.i18n import local_moment, local_time
from saas.signals import mentions_changed
from tenants.monitoring import tags
from tenants.monitoring.web import search
from tenants.monitoring.models import MAX_TAG_LENGTH, MENTION_STATUSES, SENTIMENTS, SOURCE_KINDS, Mention

PAGE_SIZE = 50


@dataclass
class InboxFilters:
    """What the person asked to see; every value comes from the query string, checked."""

    client_id: int | None = None
    mention_id: int | None = None
    keyword_id: int | None = None
    source: str | None = None
    sentiment: str | None = None
    language: str | None = None
    status: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    text: str = ""
    tag: str = ""
    errors: dict = field(default_factory=dict)

    def as_args(self):
        """The filters as query-string arguments (for links and the export)."""
        values = {"client": self.client_id, "mention": self.mention_id, "keyword": self.keyword_id, "source": self.source,
                  "sentiment": self.sentiment, "lang": self.language, "status": self.status, "q": self.text or None,
                  "tag": self.tag or None,
                  "from": local_time(self.date_from).date().isoformat() if self.date_from else None,
                  "to": local_time(self.date_to).date().isoformat() if self.date_to else None}
        return {k: v for k, v in values.items() if v not in (None, "")}


def _day_bound(args, name, errors, end_of_day=False):
    """A date filter as the first (or last) moment of that day in the agency's time zone, in UTC (the day the
    page shows); a bad one is reported in the form."""
    try:
        day = params.date_arg(name, source=args)
    except params.BadParameter:
        errors[name] = True
        return None
    if not day:
        return None
    return local_moment(day, time.max if end_of_day else time.min)


def read_filters(args):
    """Read the inbox filters from request arguments: a malformed or out-of-range value is a 400 (saas.params),
    a bad date is reported beside the date fields."""
    errors = {}
    return InboxFilters(
        client_id=params.id_arg("client", source=args), mention_id=params.id_arg("mention", source=args),
        keyword_id=params.id_arg("keyword", source=args),
        source=params.choice_arg("source", SOURCE_KINDS, source=args),
        sentiment=params.choice_arg("sentiment", SENTIMENTS, source=args),
        language=params.choice_arg("lang", ("fr", "en", "und"), source=args),
        status=params.choice_arg("status", MENTION_STATUSES, source=args),
        date_from=_day_bound(args, "from", errors), date_to=_day_bound(args, "to", errors, end_of_day=True),
        text=params.text_arg("q", 200, source=args), errors=errors,
        tag=" ".join(params.text_arg("tag", 4 * MAX_TAG_LENGTH, source=args).split()),
    )


def filtered(filters):
    """The SELECT of mentions matching the filters (the agency scoping is added centrally)."""
    query = select(Mention)
    conditions = [
        (filters.client_id, lambda v: Mention.client_id == v), (filters.mention_id, lambda v: Mention.id == v),
        (filters.keyword_id, lambda v: Mention.keyword_id == v),
        (filters.source, lambda v: Mention.source_kind == v), (filters.language, lambda v: Mention.language == v),
        (filters.date_from, lambda v: Mention.published_at >= v), (filters.date_to, lambda v: Mention.published_at <= v),
        (filters.sentiment, lambda v: func.coalesce(Mention.sentiment_corrected, Mention.sentiment) == v),
    ]
    for value, condition in conditions:
        if value:
            query = query.where(condition(value))
    text_condition = search.matching(filters.text)
    if text_condition is not None:
        query = query.where(text_condition)
    if filters.tag:
        query = query.where(tags.matching(filters.tag))
    if filters.status:
        query = query.where(Mention.status == filters.status)
    else:
        query = query.where(Mention.status != "archived")
    return query


def encode_cursor(mention):
    """The position after this mention, for the next page."""
    return params.encode_cursor(mention.published_at, mention.id)


def page(filters, position=None, size=PAGE_SIZE):
    """One page of mentions, newest first (keyset pagination after `position`, a (published_at, id) pair read
    by `params.cursor_arg`); returns (mentions, next cursor)."""
    query = filtered(filters)
    if position:
        stamp, mention_id = position
        query = query.where(or_(Mention.published_at < stamp,
                                and_(Mention.published_at == stamp, Mention.id < mention_id)))
    rows = db.session.scalars(query.order_by(Mention.published_at.desc(), Mention.id.desc()).limit(size + 1)).all()
    more = len(rows) > size
    rows = rows[:size]
    return rows, (encode_cursor(rows[-1]) if more and rows else None)


def newer_than(filters, mention_id):
    """Mentions stored after `mention_id` that match the filters (for the live inbox)."""
    query = filtered(filters).where(Mention.id > mention_id)
    return db.session.scalars(query.order_by(Mention.published_at.desc(), Mention.id.desc()).limit(PAGE_SIZE)).all()


def latest_id():
    """The newest mention id of the agency (0 when none)."""
    return db.session.scalar(select(func.max(Mention.id))) or 0


def statuses_of(mention_ids):
    """The current status of each of these mentions: {status: [ids]} (ids of other agencies are not seen)."""
    found = {}
    for mention_id, status in db.session.execute(select(Mention.id, Mention.status).where(Mention.id.in_(mention_ids))):
        found.setdefault(status, []).append(mention_id)
    return found


def pack_statuses(statuses):
    """Write {status: [ids]} short enough for a form field: "new:1a.2.b;read:..." (sorted ids, base-36 gaps)."""
    parts = []
    for status, ids in sorted(statuses.items()):
        previous, gaps = 0, []
        for mention_id in sorted(ids):
            gaps.append(_base36(mention_id - previous))
            previous = mention_id
        parts.append(f"{status}:{'.'.join(gaps)}")
    return ";".join(parts)


def unpack_statuses(text, limit=500):
    """Read what pack_statuses wrote; None when it is not that (a tampered form)."""
    statuses, count = {}, 0
    try:
        for part in (text or "").split(";"):
            status, _sep, gaps = part.partition(":")
            if status not in MENTION_STATUSES or not gaps:
                return None
            ids, previous = [], 0
            for gap in gaps.split("."):
                previous += int(gap, 36)
                if previous > params.MAX_ID:
                    return None
                ids.append(previous)
            count += len(ids)
            statuses[status] = ids
    except ValueError:
        return None
    return statuses if 0 < count <= limit else None


def _base36(number):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


def restore_statuses(statuses):
    """Put archived mentions back to the status they had (those changed since are left alone)."""
    restored = 0
    for status, ids in statuses.items():
        restored += db.session.execute(
            update(Mention).where(Mention.id.in_(ids), Mention.status == "archived").values(status=status)
            .execution_options(synchronize_session=False)).rowcount
    return restored


def set_status(mention_ids, status):
    """Mark mentions as new, read or archived; ids of other agencies are ignored by scoping."""
    result = db.session.execute(update(Mention).where(Mention.id.in_(mention_ids)).values(status=status)
                                .execution_options(synchronize_session=False))
    return result.rowcount


def correct_sentiment(mention, label, user_id):
    """Keep a person's correction of a mention's sentiment (the computed one stays too)."""
    mention.sentiment_corrected = None if label == mention.sentiment else label
    mention.corrected_by_id = user_id if mention.sentiment_corrected else None
    db.session.flush()
    mentions_changed.send(mention.client_id, first=mention.published_at, last=mention.published_at)
