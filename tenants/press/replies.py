"""A contact's replies, logged by the RP: the contact's history and the release's page read them."""
from flask_login import current_user
from sqlalchemy import delete, select

from saas import db
from tenants.press.models import PressContact, PressRelease, PressReply

SHOWN = 100  # the newest replies shown on a page


def log_reply(contact, values, release=None):
    """Record a reply of `contact` (about `release`, or none); returns it."""
    reply = PressReply(contact_id=contact.id, release_id=release.id if release else None,
                       received_at=values["received_at"], channel=values["channel"], outcome=values["outcome"],
                       note=values["note"] or "", created_by_id=getattr(current_user, "id", None))
    db.session.add(reply)
    db.session.flush()
    return reply


def of_contact(contact):
    """[(reply, release or None)] of a contact, newest first."""
    rows = db.session.execute(
        select(PressReply, PressRelease)
        .outerjoin(PressRelease, (PressRelease.agency_id == PressReply.agency_id)
                   & (PressRelease.id == PressReply.release_id))
        .where(PressReply.contact_id == contact.id)
        .order_by(PressReply.received_at.desc(), PressReply.id.desc()).limit(SHOWN)).all()
    return [tuple(row) for row in rows]


def of_release(release):
    """[(reply, contact)] about a release, newest first."""
    rows = db.session.execute(
        select(PressReply, PressContact)
        .join(PressContact, (PressContact.agency_id == PressReply.agency_id)
              & (PressContact.id == PressReply.contact_id))
        .where(PressReply.release_id == release.id)
        .order_by(PressReply.received_at.desc(), PressReply.id.desc()).limit(SHOWN)).all()
    return [tuple(row) for row in rows]


def remove(reply):
    """Delete a reply logged by mistake."""
    db.session.delete(reply)


def forget_contacts(contact_ids_query):
    """Delete the replies of contacts being erased (what they said is theirs)."""
    db.session.execute(delete(PressReply).where(PressReply.contact_id.in_(contact_ids_query)))


def subject_data(contact):
    """A contact's replies for their access request."""
    return [{"received_at": reply.received_at.isoformat(), "channel": reply.channel, "outcome": reply.outcome,
             "release": release.title if release else None, "note": reply.note}
            for reply, release in of_contact(contact)]
