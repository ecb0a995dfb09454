"""The mentions inbox: filters, full-text search (search.py), keyset pagination, bulk actions (exports: export.py)."""
import base64
import json
from dataclasses import dataclass, field
from datetime import datetime, time, timezone

from flask_babel import to_user_timezone, to_utc
from sqlalchemy import and_, func, or_, select, update

from saas import db
from tenants.monitoring import search
from tenants.monitoring.models import MENTION_STATUSES, SENTIMENTS, SOURCE_KINDS, Mention

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
    errors: dict = field(default_factory=dict)

    def as_args(self):
        """The filters as query-string arguments (for links and the export)."""
        values = {"client": self.client_id, "mention": self.mention_id, "keyword": self.keyword_id, "source": self.source,
                  "sentiment": self.sentiment, "lang": self.language, "status": self.status, "q": self.text or None,
                  "from": to_user_timezone(self.date_from).date().isoformat() if self.date_from else None,
                  "to": to_user_timezone(self.date_to).date().isoformat() if self.date_to else None}
        return {k: v for k, v in values.items() if v not in (None, "")}


def _int(value):
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def _date(value, end_of_day=False):
    """The first (or last) moment of a day in the agency's time zone, in UTC (the day the page shows)."""
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
        return to_utc(datetime.combine(day, time.max if end_of_day else time.min)).replace(tzinfo=timezone.utc)
    except (TypeError, ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved out of range
        return None


def read_filters(args):
    """Read the inbox filters from request arguments; unknown values are ignored, bad dates reported."""
    filters = InboxFilters(
        client_id=_int(args.get("client")), mention_id=_int(args.get("mention")), keyword_id=_int(args.get("keyword")),
        source=args.get("source") if args.get("source") in SOURCE_KINDS else None,
        sentiment=args.get("sentiment") if args.get("sentiment") in SENTIMENTS else None,
        language=args.get("lang") if args.get("lang") in ("fr", "en", "und") else None,
        status=args.get("status") if args.get("status") in MENTION_STATUSES else None,
        date_from=_date(args.get("from")), date_to=_date(args.get("to"), end_of_day=True),
        text=(args.get("q") or "").strip()[:200],
    )
    for name in ("from", "to"):
        if args.get(name) and not _date(args.get(name)):
            filters.errors[name] = True
    return filters


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
    if filters.status:
        query = query.where(Mention.status == filters.status)
    else:
        query = query.where(Mention.status != "archived")
    return query


def encode_cursor(mention):
    """The position after this mention, for the next page."""
    raw = json.dumps([mention.published_at.isoformat(), mention.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    """Read a page cursor; None when absent or forged."""
    if not cursor:
        return None
    try:
        stamp, mention_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(stamp), int(mention_id)
    except (ValueError, TypeError):
        return None


def page(filters, cursor=None, size=PAGE_SIZE):
    """One page of mentions, newest first (keyset pagination); returns (mentions, next cursor)."""
    query = filtered(filters)
    position = decode_cursor(cursor)
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


def set_status(mention_ids, status):
    """Mark mentions as new, read or archived; ids of other agencies are ignored by scoping."""
    result = db.session.execute(update(Mention).where(Mention.id.in_(mention_ids)).values(status=status)
                                .execution_options(synchronize_session=False))
    return result.rowcount


def correct_sentiment(mention, label, user_id):
    """Keep a person's correction of a mention's sentiment (the computed one stays too)."""
    mention.sentiment_corrected = None if label == mention.sentiment else label
    mention.corrected_by_id = user_id if mention.sentiment_corrected else None
