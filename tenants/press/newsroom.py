"""A client's public newsroom: its sent releases, once their embargo is over, read-only, with an Atom feed.

Off until a staff member turns it on (`/a/<slug>/press/newsroom`). The public address is
`/newsroom/<agency slug>/<newsroom slug>`: the agency is read from its slug (a platform table), then
every query runs in its scope like any request. A release shows from the later of its first sending
and its embargo; a draft, a release awaiting approval or one under embargo answers 404, as does a
newsroom turned off, an archived client or an agency being deleted.
"""
import re

from markupsafe import Markup
from sqlalchemy import and_, case, func, or_, select

from saas import db
from saas.db import utcnow
from saas.validation import slugify
from tenants.clients.models import Client
from tenants.press import releases
from tenants.press.models import PressNewsroom, PressRelease, PressSend

MERGE_FIELD = re.compile(r"[ \u00a0]?\{\{\s*(?:first_name|outlet)\s*\}\}")
SHOWN = 50  # releases on the page and in the feed, newest first


def newsrooms_by_client():
    """The agency's newsrooms by client id."""
    return {room.client_id: room for room in db.session.scalars(select(PressNewsroom))}


def default_slug(client):
    """A newsroom address from the client's name (the client's id when the name has no letter)."""
    return slugify(client.name) or f"client-{client.id}"


def slug_taken(slug, client_id):
    """Whether another client's newsroom of the agency has this address."""
    return db.session.scalar(select(PressNewsroom.id).where(PressNewsroom.slug == slug,
                                                            PressNewsroom.client_id != client_id)) is not None


def save_newsroom(client, values):
    """Create or update the client's newsroom (the caller checked the slug is free)."""
    room = db.session.scalar(select(PressNewsroom).where(PressNewsroom.client_id == client.id))
    if room is None:
        room = PressNewsroom(client_id=client.id)
        db.session.add(room)
    room.enabled, room.slug, room.intro = bool(values["enabled"]), values["slug"], values["intro"] or ""
    db.session.flush()
    return room


def open_newsroom(slug):
    """The agency's newsroom at this address, if it is on and its client not archived: (newsroom, client) or None."""
    room = db.session.scalar(select(PressNewsroom).where(PressNewsroom.slug == slug,
                                                         PressNewsroom.enabled.is_(True)))
    if room is None:
        return None
    client = db.session.get(Client, room.client_id)
    if client is None or client.is_archived:
        return None
    return room, client


def _published():
    """(release, published at) of the releases out: sent, the later of their first sending and their embargo past."""
    first_sent = (select(PressSend.agency_id, PressSend.release_id, func.min(PressSend.created_at).label("sent_at"))
                  .group_by(PressSend.agency_id, PressSend.release_id).subquery())
    now = utcnow()
    published_at = case((PressRelease.embargo_at > first_sent.c.sent_at, PressRelease.embargo_at),
                        else_=first_sent.c.sent_at).label("published_at")
    return (select(PressRelease, published_at)
            .join(first_sent, and_(first_sent.c.agency_id == PressRelease.agency_id,
                                   first_sent.c.release_id == PressRelease.id))
            .where(PressRelease.state == "sent",
                   or_(PressRelease.embargo_at.is_(None), PressRelease.embargo_at <= now)))


def published_releases(client_id, limit=SHOWN):
    """The client's releases out, newest first: [(release, published at)]."""
    query = _published().where(PressRelease.client_id == client_id)
    rows = db.session.execute(query.order_by(query.selected_columns.published_at.desc(), PressRelease.id.desc())
                              .limit(limit)).all()
    return [tuple(row) for row in rows]


def published_release(client_id, release_id):
    """One of the client's releases, if it is out: (release, published at) or None."""
    row = db.session.execute(_published().where(and_(PressRelease.client_id == client_id,
                                                     PressRelease.id == release_id))).first()
    return None if row is None else tuple(row)


def public_body(release):
    """The release's HTML for everyone: the merge fields ({{first_name}}, {{outlet}}) left out, with the space
    before them ("Bonjour {{first_name}}," reads "Bonjour,")."""
    return Markup(MERGE_FIELD.sub("", str(releases.body_html(release))))


def excerpt(release, length=220):
    """The first words of the release as plain text (its rendered text, tags and merge fields left out)."""
    text = " ".join(public_body(release).striptags().split())
    return text if len(text) <= length else text[:length].rsplit(" ", 1)[0] + "…"
