"""Press coverage ("retombées"): proposed from a sent release's mentions, added by hand, accepted or rejected.

A sent release's proposals are the client's mentions from press and web feeds (source kind
"rss": outlets, news, blogs), published from its first send until PRESS_COVERAGE_WINDOW_DAYS after
the send or the embargo (the later), whose folded title and excerpt hold the release's key terms:
at least two of them (one when the release has a single term). The client's keywords already
matched, being the client's mentions. Everything is filtered in SQL by one INSERT ... SELECT
that skips the addresses already there (rejected ones included): a run is idempotent.
"""
import hashlib
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import String, and_, case, func, literal, select, update

from saas import db
from saas.db import UTCDateTime, utcnow
from saas.normalize import normalize
from saas.search import terms as search_terms
from tenants.clients.models import Client
from tenants.monitoring.language import lexicons
from tenants.monitoring.models import Mention
from tenants.press.models import (MAX_MEDIA_VALUE, MAX_REACH, PressContact, PressCoverage, PressRelease, PressSend,
                                  PressSendRecipient)

COVERAGE_KINDS = ("rss",)  # press outlets, news (Google News), blogs: what the query language calls "press"
MAX_TERMS = 8
# Words of press-release titles that say nothing about the news itself.
FILLER = frozenset(normalize(
    "lance lancent lancement annonce annoncent presente presentent devoile devoilent inaugure nouveau nouvelle "
    "nouveaux nouvelles communique presse officiel officielle premier premiere grand grande "
    "launch launches launched announce announces announced unveil unveils new introduces release press first"
).split())


def domain_of(url):
    """The host of an address without "www." (the outlet when none is known)."""
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url or "").hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def url_key(url):
    """The key of an address: the mentions' own (sha256 of the address, 40 hex)."""
    return hashlib.sha256(url.encode()).hexdigest()[:40]


def _stop_words():
    words = lexicons.language_words()
    return frozenset(normalize(" ".join(words.get("fr", ()) | words.get("en", ()))).split()) | FILLER


def derived_terms(title, client_name=""):
    """The significant words of a title, folded: no frequent or filler word, none of the client's name."""
    stop, brand = _stop_words(), set(normalize(client_name or "").split())
    found = []
    for word in normalize(title or "").split():
        if word in stop or word in brand or word in found or len(word) < 3:
            continue
        if len(word) > 4 and word[-1] in "sx":  # a plural: its stem starts the singular and the plural
            word = word[:-1]
        if word not in found:
            found.append(word)
    return found[:MAX_TERMS]


def typed_terms(text):
    """Key terms typed by the RP: words and "phrases" (the search boxes' syntax), at most MAX_TERMS."""
    return [term for term in (normalize(term) for term in search_terms(text)) if term][:MAX_TERMS]


def release_terms(release, client_name=None):
    """The terms a mention must hold for the release: the RP's own, else those of its title."""
    if release.key_terms:
        return list(release.key_terms)
    if client_name is None:
        client = db.session.get(Client, release.client_id)
        client_name = client.name if client else ""
    return derived_terms(release.title, client_name)


def needed(terms):
    """How many of the terms a mention must hold: two, or one when there is only one."""
    return min(2, len(terms))


def first_send_at(release):
    """When the release was first sent, or None."""
    return db.session.scalar(select(func.min(PressSend.created_at)).where(PressSend.release_id == release.id))


def window(release, sent_at=None):
    """(start, end) of the release's coverage window, or None before it is sent."""
    sent_at = sent_at or first_send_at(release)
    if sent_at is None:
        return None
    opening = max(sent_at, release.embargo_at) if release.embargo_at else sent_at
    return sent_at, opening + timedelta(days=current_app.config["PRESS_COVERAGE_WINDOW_DAYS"])


def _holds_terms(terms):
    folded = literal(" ") + func.relais_fold(func.coalesce(Mention.title, "") + literal(" ")
                                             + func.coalesce(Mention.excerpt, ""), type_=String)
    hits = [case((folded.like(literal("% ") + func.relais_fold(literal(term), type_=String) + literal("%")), 1),
                 else_=0) for term in terms]
    return sum(hits[1:], hits[0]) >= needed(terms)


def propose(release):
    """Insert the release's new proposals (SQL-side, duplicates skipped); link their authors; return how many."""
    if release.state != "sent":
        return 0
    span = window(release)
    terms = release_terms(release)
    if span is None or not terms:
        return 0
    start, end = span
    scope = f"release:{release.id}"
    agency_id = release.agency_id
    chosen = select(  # the mention's own agency_id: on Citus the INSERT ... SELECT stays on the agency's shard
        Mention.agency_id, Mention.client_id, literal(release.id), Mention.id, literal(scope, String),
        Mention.item_key, Mention.url, Mention.source_name, func.coalesce(Mention.author, ""), Mention.title,
        Mention.published_at, func.coalesce(Mention.sentiment_corrected, Mention.sentiment),
        literal("monitoring", String), literal("proposed", String), literal(utcnow(), UTCDateTime),
    ).where(Mention.agency_id == agency_id, Mention.client_id == release.client_id,
            Mention.source_kind.in_(COVERAGE_KINDS), Mention.url.is_not(None), Mention.url != "",
            Mention.published_at >= start, Mention.published_at <= end, _holds_terms(terms))
    columns = ["agency_id", "client_id", "release_id", "mention_id", "scope", "url_key", "url", "outlet", "author",
               "headline", "published_at", "sentiment", "origin", "status", "created_at"]
    if db.is_postgres():
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = (insert(PressCoverage).from_select(columns, chosen)
                 .on_conflict_do_nothing(index_elements=["agency_id", "scope", "url_key"])
                 .returning(PressCoverage.id))
    ids = [row[0] for row in db.session.execute(statement)]
    if ids:
        link_contacts(db.session.scalars(select(PressCoverage).where(PressCoverage.id.in_(ids))).all(), release)
    db.session.flush()
    return len(ids)


def _folded_name(contact):
    return normalize(f"{contact.first_name} {contact.last_name}")


def link_contacts(rows, release=None):
    """Link each row without a contact to the known contact who wrote it.

    The author's folded name equals a contact's (first last or last first; among namesakes, the one
    of the outlet); without an author, the one recipient of the release at that outlet.
    """
    rows = [row for row in rows if row.contact_id is None]
    names = {normalize(row.author) for row in rows if row.author and normalize(row.author)}
    by_name = {}
    if names:
        full = func.relais_fold(PressContact.first_name + literal(" ") + PressContact.last_name, type_=String)
        reverse = func.relais_fold(PressContact.last_name + literal(" ") + PressContact.first_name, type_=String)
        for contact in db.session.scalars(select(PressContact).where(full.in_(names) | reverse.in_(names))
                                          .order_by(PressContact.id)):
            for key in {_folded_name(contact), normalize(f"{contact.last_name} {contact.first_name}")}:
                by_name.setdefault(key, []).append(contact)
    recipients = {}
    if release is not None:
        for contact_id, outlet in db.session.execute(
                select(PressSendRecipient.contact_id, PressSendRecipient.outlet).join(
                    PressSend, and_(PressSend.agency_id == PressSendRecipient.agency_id,
                                    PressSend.id == PressSendRecipient.send_id))
                .where(PressSend.release_id == release.id, PressSendRecipient.contact_id.is_not(None))):
            recipients.setdefault(normalize(outlet or ""), set()).add(contact_id)
    for row in rows:
        outlet = normalize(row.outlet or "")
        namesakes = by_name.get(normalize(row.author or ""), []) if row.author else []
        if namesakes:
            same_outlet = [c for c in namesakes if outlet and outlet in {normalize(o) for o in c.outlets or []}]
            row.contact_id = (same_outlet or namesakes)[0].id
        elif not row.author and outlet and len(recipients.get(outlet, ())) == 1:
            row.contact_id = next(iter(recipients[outlet]))


def releases_to_watch():
    """(agency id, release id) of every sent release whose coverage window is still open (all agencies)."""
    days = current_app.config["PRESS_COVERAGE_WINDOW_DAYS"]
    since = utcnow() - timedelta(days=days + 1)
    query = (select(PressRelease.agency_id, PressRelease.id).join(
        PressSend, and_(PressSend.agency_id == PressRelease.agency_id, PressSend.release_id == PressRelease.id))
        .where(PressRelease.state == "sent")
        .group_by(PressRelease.agency_id, PressRelease.id, PressRelease.embargo_at)
        .having((func.max(PressSend.created_at) >= since) | (PressRelease.embargo_at >= since)))
    return db.session.execute(query).all()


# -- reading and deciding --------------------------------------------------------------------------------------

def of_release(release):
    """A release's coverage: proposals first, then accepted, then rejected; newest first in each."""
    order = case({"proposed": 0, "accepted": 1}, value=PressCoverage.status, else_=2)
    return db.session.scalars(select(PressCoverage).where(PressCoverage.release_id == release.id).order_by(
        order, PressCoverage.published_at.desc().nulls_last(), PressCoverage.id.desc())).all()


def status_counts(release_id):
    """{status: count} of a release's coverage."""
    return dict(db.session.execute(select(PressCoverage.status, func.count()).where(
        PressCoverage.release_id == release_id).group_by(PressCoverage.status)).all())


def card_coverage(card):
    """page_extra of a board card: (release id, accepted coverage count) when the card plans a release, else None."""
    row = db.session.execute(select(PressRelease.id, select(func.count()).where(
        PressCoverage.release_id == PressRelease.id, PressCoverage.agency_id == PressRelease.agency_id,
        PressCoverage.status == "accepted").scalar_subquery()).where(PressRelease.card_id == card.id)).first()
    return (row[0], row[1]) if row is not None else None


def decide(coverage, accepted, actor):
    """Accept or reject a piece of coverage (either way again, later)."""
    coverage.status = "accepted" if accepted else "rejected"
    coverage.decided_by_id, coverage.decided_at = actor.id, utcnow()
    db.session.flush()


def add_by_url(client_id, release, values, actor):
    """Add coverage by hand (accepted); an address already listed is accepted instead. Return (row, created)."""
    scope = f"release:{release.id}" if release is not None else f"client:{client_id}"
    key = url_key(values["url"])
    found = db.session.scalar(select(PressCoverage).where(PressCoverage.scope == scope, PressCoverage.url_key == key))
    if found is not None:
        decide(found, True, actor)
        return found, False
    row = PressCoverage(client_id=client_id, release_id=release.id if release is not None else None, scope=scope,
                        url_key=key, url=values["url"], outlet=values["outlet"], author=values["author"],
                        headline=values["headline"], published_at=values["published_at"],
                        sentiment=values["sentiment"], reach=values.get("reach"),
                        media_value=values.get("media_value"), origin="manual", status="accepted",
                        decided_by_id=actor.id, decided_at=utcnow())
    db.session.add(row)
    db.session.flush()
    link_contacts([row], release)
    db.session.flush()
    return row, True


def parse_reach(text):
    """A reach typed by a person: a whole number from 0 to MAX_REACH, None when empty; ValueError otherwise."""
    text = "".join((text or "").split()).replace("\u202f", "")
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        raise ValueError("reach")
    value = int(text)
    if value > MAX_REACH:
        raise ValueError("reach")
    return value


def parse_media_value(text):
    """A media value in euros (a comma or a point before the cents), 0 to MAX_MEDIA_VALUE; ValueError otherwise."""
    text = "".join((text or "").split()).replace("\u202f", "").replace("€", "")
    if not text:
        return None
    if not text.isascii() or text.count(",") + text.count(".") > 1:
        raise ValueError("media_value")
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValueError("media_value") from None
    if not value.is_finite() or value < 0 or value > MAX_MEDIA_VALUE or value != value.quantize(Decimal("0.01")):
        raise ValueError("media_value")
    return value


def set_figures(coverage, reach, media_value):
    """Save a piece of coverage's reach and media value."""
    coverage.reach, coverage.media_value = reach, media_value
    db.session.flush()


def of_client(client_id, start=None, end=None, release_id=None, statuses=("accepted",)):
    """A client's coverage (accepted by default) published in [start, end), of one release when given."""
    query = select(PressCoverage).where(PressCoverage.client_id == client_id, PressCoverage.status.in_(statuses))
    if start is not None:
        query = query.where(PressCoverage.published_at >= start)
    if end is not None:
        query = query.where(PressCoverage.published_at < end)
    if release_id is not None:
        query = query.where(PressCoverage.release_id == release_id)
    return db.session.scalars(query.order_by(PressCoverage.published_at.desc().nulls_last(),
                                             PressCoverage.id.desc())).all()


def client_releases(client_id):
    """The client's releases, newest first (the coverage page's filter)."""
    return db.session.scalars(select(PressRelease).where(PressRelease.client_id == client_id)
                              .order_by(PressRelease.updated_at.desc(), PressRelease.id.desc())).all()


def contacts_by_id(rows):
    """{contact id: contact} of the rows' linked contacts, in one query."""
    ids = {row.contact_id for row in rows if row.contact_id}
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(select(PressContact).where(PressContact.id.in_(ids)))}


def forget_contacts(contact_ids_query):
    """Unlink coverage from contacts being erased (the coverage stays: it is what was published)."""
    db.session.execute(update(PressCoverage).where(PressCoverage.contact_id.in_(contact_ids_query))
                       .values(contact_id=None))


def totals(rows):
    """(count, reach, media value) of coverage rows (unknown figures count as nothing)."""
    return (len(rows), sum(row.reach or 0 for row in rows), sum((row.media_value or Decimal(0)) for row in rows))


def contact_history(contact):
    """What a contact received and wrote: [(release, sent at, status)] newest first, and their accepted coverage."""
    received = db.session.execute(
        select(PressRelease, PressSend.created_at, PressSendRecipient.status)
        .join(PressSend, and_(PressSend.agency_id == PressSendRecipient.agency_id,
                              PressSend.id == PressSendRecipient.send_id))
        .join(PressRelease, and_(PressRelease.agency_id == PressSend.agency_id,
                                 PressRelease.id == PressSend.release_id))
        .where(PressSendRecipient.contact_id == contact.id)
        .order_by(PressSend.created_at.desc(), PressSend.id.desc()).limit(100)).all()
    authored = db.session.scalars(select(PressCoverage).where(
        PressCoverage.contact_id == contact.id, PressCoverage.status == "accepted")
        .order_by(PressCoverage.published_at.desc().nulls_last(), PressCoverage.id.desc()).limit(100)).all()
    return [tuple(row) for row in received], authored
