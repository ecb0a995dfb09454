"""Press contacts and media lists: save with search keys, filter, merge, resolve lists, GDPR rights and retention.

Search and filters read two folded columns the service rewrites on every save: `search_text`
(words of the name, outlets, role, beats, places, emails; saas/search.py matches each term at the
start of a word, case and accents aside) and `facets` ("|beat:sante publique|lang:fr|email:a@b.fr|"),
which the filters and the duplicate checks match as whole keys.
"""
import logging
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, delete, func, or_, select, update

from saas import db, tenancy
from saas import search as text_search
from saas.audit import service as audit_trail
from saas.db import utcnow
from saas.domain import NotFound
from saas.mail import absolute_url
from saas.normalize import normalize
from tenants.clients.models import Client
from tenants.press import replies
from tenants.press.models import (MediaList, MediaListMember, PressContact, PressContactClient,
                                  PressCoverage, PressSendRecipient)

log = logging.getLogger(__name__)

PAGE_SIZE = 50
LIST_FIELDS = ("outlets", "beats", "languages", "emails", "phones")
TEXT_FIELDS = ("first_name", "last_name", "kind", "role", "outlet_type", "city", "region", "notes",
               "lawful_basis", "data_source")
FILTERS = ("beat", "outlet_type", "region", "language")
UNSUBSCRIBE_SALT = "relais-press-unsubscribe"


def fold(text):
    """Lower-case unaccented words joined by single spaces (the search's folding)."""
    return normalize(text or "").strip()


def _facet(kind, value):
    return f"|{kind}:{value}|"


def refresh_keys(contact):
    """Rewrite the contact's search words and filter keys from its fields."""
    words = [contact.first_name, contact.last_name, contact.role, contact.city, contact.region,
             *contact.outlets, *contact.beats, *contact.emails]
    contact.search_text = " ".join(fold(word) for word in words if word)
    keys = [f"beat:{fold(beat)}" for beat in contact.beats] + [f"lang:{code}" for code in contact.languages]
    keys += [f"email:{email}" for email in contact.emails] + [f"name:{name_key(contact)}"]
    keys += [f"type:{contact.outlet_type}"] if contact.outlet_type else []
    keys += [f"region:{fold(contact.region)}"] if contact.region else []
    contact.facets = "|" + "|".join(keys) + "|"


def name_key(contact_or_values):
    """The folded full name that, with an outlet, tells two contacts are one person."""
    get = contact_or_values.get if isinstance(contact_or_values, dict) else lambda key: getattr(contact_or_values, key)
    return fold(f"{get('first_name') or ''} {get('last_name') or ''}")


def new_contact(values):
    """A contact (not yet added) from cleaned values, every field given its default, search keys written."""
    defaults = {**{key: "" for key in TEXT_FIELDS}, **{key: [] for key in LIST_FIELDS}, "social_handles": {},
                "kind": "journalist", "lawful_basis": "legitimate_interest"}
    contact = PressContact(**{**defaults, **{key: value for key, value in contact_fields(values).items() if value}})
    refresh_keys(contact)
    return contact


def create_contact(values, client_ids=()):
    """Create a contact of the current agency from cleaned values."""
    contact = new_contact(values)
    db.session.add(contact)
    db.session.flush()
    set_contact_clients(contact, client_ids)
    return contact


def update_contact(contact, values, client_ids=()):
    """Save a contact's edited fields and client links."""
    for key, value in contact_fields(values).items():
        setattr(contact, key, value)
    contact.updated_at = utcnow()
    refresh_keys(contact)
    set_contact_clients(contact, client_ids)
    db.session.flush()


def contact_fields(values):
    fields = {key: values[key] for key in (*TEXT_FIELDS, *LIST_FIELDS) if key in values}
    if "social_handles" in values:
        fields["social_handles"] = dict(values["social_handles"])
    return fields


def merge_into(contact, values):
    """Fill the contact's empty fields from `values` and add what its lists lack; tell whether anything changed."""
    changed = False
    for key in TEXT_FIELDS:
        if values.get(key) and not getattr(contact, key):
            setattr(contact, key, values[key])
            changed = True
    for key in LIST_FIELDS:
        current = list(getattr(contact, key) or [])
        known = {fold(item) for item in current}
        added = [item for item in values.get(key) or [] if fold(item) not in known]
        if added:
            setattr(contact, key, current + added)
            changed = True
    handles = dict(contact.social_handles or {})
    for network, handle in (values.get("social_handles") or {}).items():
        if handle and not handles.get(network):
            handles[network] = handle
            changed = True
    if changed:
        contact.social_handles = handles
        contact.updated_at = utcnow()
        refresh_keys(contact)
    return changed


def set_contact_clients(contact, client_ids):
    """Link the contact to exactly these clients of the agency."""
    wanted = set(client_ids or ())
    rows = db.session.scalars(select(PressContactClient).where(PressContactClient.contact_id == contact.id)).all()
    for row in rows:
        if row.client_id not in wanted:
            db.session.delete(row)
    for client_id in wanted - {row.client_id for row in rows}:
        db.session.add(PressContactClient(contact_id=contact.id, client_id=client_id))
    db.session.flush()


def contact_clients(contact):
    """The clients a contact is linked to, by name."""
    return db.session.scalars(select(Client).join(PressContactClient, PressContactClient.client_id == Client.id)
                              .where(PressContactClient.contact_id == contact.id).order_by(Client.name)).all()


def email_owner(email, exclude_id=None):
    """The contact of the agency holding this email address, or None."""
    query = select(PressContact).where(PressContact.facets.contains(_facet("email", email), autoescape=True))
    if exclude_id is not None:
        query = query.where(PressContact.id != exclude_id)
    return db.session.scalars(query.limit(1)).first()


def _filter_conditions(filters):
    conditions = []
    if filters.get("beat"):
        conditions.append(PressContact.facets.contains(_facet("beat", fold(filters["beat"])), autoescape=True))
    if filters.get("outlet_type"):
        conditions.append(PressContact.outlet_type == filters["outlet_type"])
    if filters.get("region"):
        conditions.append(PressContact.facets.contains(_facet("region", fold(filters["region"])), autoescape=True))
    if filters.get("language"):
        conditions.append(PressContact.facets.contains(_facet("lang", filters["language"]), autoescape=True))
    return conditions


def filtered(search="", filters=None):
    """The SELECT of the agency's contacts matching the search words and the filters, by name."""
    query = select(PressContact).where(*_filter_conditions(filters or {}))
    terms = text_search.terms(search)
    if terms:
        query = query.where(text_search.all_terms(PressContact.search_text, terms))
    return query.order_by(func.lower(PressContact.last_name), func.lower(PressContact.first_name), PressContact.id)


def page_of(query, number, size=PAGE_SIZE):
    """One page of a SELECT of contacts: (contacts, total, number of pages)."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // size))
    number = min(number, pages)
    return db.session.scalars(query.offset((number - 1) * size).limit(size)).all(), total, pages


def filter_choices():
    """The beats, regions and languages the agency's contacts hold, for the filters' menus."""
    beats, regions, languages = {}, {}, set()
    for contact_beats, region, contact_languages in db.session.execute(
            select(PressContact.beats, PressContact.region, PressContact.languages)):
        for beat in contact_beats or ():
            beats.setdefault(fold(beat), beat)
        if region:
            regions.setdefault(fold(region), region)
        languages.update(contact_languages or ())
    by_name = lambda found: sorted(found.values(), key=fold)  # noqa: E731
    return {"beats": by_name(beats), "regions": by_name(regions), "languages": sorted(languages)}


def set_do_not_contact(contact, flag):
    """Mark a contact as not to be contacted (dated), or lift the mark."""
    if flag and not contact.do_not_contact:
        contact.do_not_contact, contact.do_not_contact_at = True, utcnow()
    elif not flag:
        contact.do_not_contact, contact.do_not_contact_at = False, None
    contact.updated_at = utcnow()


# -- unsubscribe links ------------------------------------------------------------------------------------------

def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(contact):
    """The signed token of a contact's unsubscribe link (agency and contact; it does not expire)."""
    return _serializer().dumps([contact.agency_id, contact.id])


def read_unsubscribe_token(token):
    """(agency id, contact id) of a token, or None when it was not signed by this app."""
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    if not (isinstance(value, list) and len(value) == 2 and all(type(part) is int for part in value)):
        return None
    return value[0], value[1]


def unsubscribe_url(contact):
    """The absolute unsubscribe link of a contact, for a mail's body and its List-Unsubscribe header."""
    return absolute_url("press_public.unsubscribe", token=unsubscribe_token(contact))


# -- media lists ------------------------------------------------------------------------------------------------

def all_lists():
    """The agency's media lists, by name."""
    return db.session.scalars(select(MediaList).order_by(func.lower(MediaList.name))).all()


def create_list(values):
    """Create a media list from cleaned values (name, campaign, client_id, filters)."""
    media_list = MediaList(**values)
    db.session.add(media_list)
    db.session.flush()
    return media_list


def update_list(media_list, values):
    """Save a media list's edited values."""
    for key, value in values.items():
        setattr(media_list, key, value)
    media_list.updated_at = utcnow()
    db.session.flush()


def list_filters(values):
    """The saved filters of a media list: only those given a value."""
    return {key: values[key] for key in FILTERS if values.get(key)}


def _member_ids(media_list):
    return select(MediaListMember.contact_id).where(MediaListMember.list_id == media_list.id)


def resolved(media_list):
    """The SELECT of a list's contacts: added by hand, or matched now by its saved filters."""
    condition = PressContact.id.in_(_member_ids(media_list))
    if media_list.filters:
        condition = or_(condition, and_(*_filter_conditions(media_list.filters)))
    return select(PressContact).where(condition).order_by(func.lower(PressContact.last_name),
                                                          func.lower(PressContact.first_name), PressContact.id)


def members(media_list):
    """(contacts who may be contacted, contacts excluded because they asked not to be), by name."""
    contacts = db.session.scalars(resolved(media_list)).all()
    return [c for c in contacts if not c.do_not_contact], [c for c in contacts if c.do_not_contact]


def sendable_members(media_list):
    """The contacts a send to this list reaches: not marked "do not contact", with an email address."""
    query = resolved(media_list).where(PressContact.do_not_contact.is_(False),
                                       PressContact.facets.contains("|email:", autoescape=True))
    return db.session.scalars(query).all()


def member_counts(lists):
    """{list id: (members who may be contacted, excluded)} for several lists."""
    counts = {}
    for media_list in lists:
        query = resolved(media_list).order_by(None).with_only_columns(PressContact.do_not_contact)
        flags = db.session.scalars(query).all()
        counts[media_list.id] = (flags.count(False), flags.count(True))
    return counts


def hand_added_ids(media_list):
    """The ids of the contacts added to a list by hand."""
    return set(db.session.scalars(_member_ids(media_list)))


def add_members(media_list, contacts):
    """Add contacts to a list by hand (those already there stay once); mark them used."""
    present = hand_added_ids(media_list)
    now = utcnow()
    for contact in contacts:
        contact.last_used_at = now
        if contact.id not in present:
            db.session.add(MediaListMember(list_id=media_list.id, contact_id=contact.id))
    media_list.updated_at = now
    db.session.flush()


def remove_member(media_list, contact):
    """Take a contact added by hand off a list."""
    db.session.execute(delete(MediaListMember).where(MediaListMember.list_id == media_list.id,
                                                     MediaListMember.contact_id == contact.id))


def delete_list(media_list):
    """Delete a media list (its contacts stay)."""
    db.session.execute(delete(MediaListMember).where(MediaListMember.list_id == media_list.id))
    db.session.delete(media_list)


def lists_of(contact):
    """The media lists a contact was added to by hand."""
    return db.session.scalars(select(MediaList).where(MediaList.id.in_(
        select(MediaListMember.list_id).where(MediaListMember.contact_id == contact.id))).order_by(MediaList.name)).all()


# -- data subject rights and retention ---------------------------------------------------------------------------

def subject_data(contact):
    """Everything held on one contact, as a JSON-ready dict (a data subject's access request)."""
    moment = lambda value: value.isoformat() if value else None  # noqa: E731
    return {
        "id": contact.id, "first_name": contact.first_name, "last_name": contact.last_name, "kind": contact.kind,
        "role": contact.role, "outlets": contact.outlets, "outlet_type": contact.outlet_type, "beats": contact.beats,
        "languages": contact.languages, "emails": contact.emails, "phones": contact.phones,
        "social_handles": contact.social_handles, "city": contact.city, "region": contact.region,
        "notes": contact.notes, "lawful_basis": contact.lawful_basis, "source": contact.data_source,
        "do_not_contact": contact.do_not_contact, "do_not_contact_at": moment(contact.do_not_contact_at),
        "created_at": moment(contact.created_at), "updated_at": moment(contact.updated_at),
        "last_used_at": moment(contact.last_used_at),
        "clients": [client.name for client in contact_clients(contact)],
        "media_lists": [media_list.name for media_list in lists_of(contact)],
        "replies": replies.subject_data(contact),
    }


def _delete_contacts(condition):
    ids = select(PressContact.id).where(condition)
    db.session.execute(delete(MediaListMember).where(MediaListMember.contact_id.in_(ids)))
    db.session.execute(delete(PressContactClient).where(PressContactClient.contact_id.in_(ids)))
    # The sends keep a row per recipient; an erased person's address and name go with them.
    db.session.execute(delete(PressSendRecipient).where(PressSendRecipient.contact_id.in_(ids)))
    replies.forget_contacts(ids)
    # Coverage they wrote stays (it was published); only the link to the erased contact goes.
    db.session.execute(update(PressCoverage).where(PressCoverage.contact_id.in_(ids)).values(contact_id=None))
    return db.session.execute(delete(PressContact).where(condition)).rowcount


def erase_contact(contact):
    """Erase a contact and its links for good (a data subject's erasure request); audited, without the name."""
    contact_id = contact.id
    _delete_contacts(PressContact.id == contact_id)
    db.session.expunge(contact)
    audit_trail.record("press_contact_erased", f"#{contact_id}")


def retention_days():
    """Days a contact nobody touched or used is kept (PRESS_CONTACT_RETENTION_DAYS, 30 at least)."""
    return max(30, int(current_app.config.get("PRESS_CONTACT_RETENTION_DAYS", 1095)))


def purge_stale(days):
    """Delete the current agency's contacts untouched and unused for `days` days; return how many went."""
    cutoff = utcnow() - timedelta(days=days)
    in_lists = select(MediaListMember.contact_id)
    condition = ((PressContact.updated_at < cutoff)
                 & (PressContact.last_used_at.is_(None) | (PressContact.last_used_at < cutoff))
                 & PressContact.id.not_in(in_lists))
    return _delete_contacts(condition)


def agencies_with_contacts():
    """The ids of the agencies holding at least one contact (the purge's round)."""
    with tenancy.all_agencies():
        return db.session.scalars(select(PressContact.agency_id).distinct()).all()


def get_contact(contact_id):
    """A contact of the current agency, or NotFound."""
    contact = db.session.get(PressContact, contact_id)
    if contact is None:
        raise NotFound()
    return contact
