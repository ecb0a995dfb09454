"""Mention tags: an agency's own labels on mentions, read for a page at once, filtered on, set in full by the API.

A tag is free text, trimmed, its inner spaces collapsed, at most MAX_TAG_LENGTH characters; "Crise" and
"crise" are one tag (the casefolded `tag_key`), kept as first typed. A mention has at most MAX_TAGS.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, exists, func, select

from saas import db
from saas.search import natural_key
from tenants.monitoring.models import MAX_TAG_LENGTH, MAX_TAGS, Mention, MentionTag

SUGGESTED = 100  # the agency's tags offered while typing, the most used first


class TagError(ValueError):
    """A tag (or a set of tags) that cannot be kept; its message says why, in the reader's language."""


def clean(text):
    """The tag as kept: trimmed, inner spaces collapsed; TagError when empty, too long or with control characters."""
    tag = " ".join((text or "").split())
    if not tag:
        raise TagError(_l("Type a tag."))
    if len(tag) > MAX_TAG_LENGTH:
        raise TagError(_l("A tag has at most %(num)d characters.", num=MAX_TAG_LENGTH))
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in tag):
        raise TagError(_l("A tag cannot hold control characters."))
    return tag


def key(tag):
    """The form two tags are compared in (case and accents of case aside: casefold)."""
    return tag.casefold()


def tags_of(mention_ids):
    """{mention id: [tags]} of these mentions, each list in a person's order ("Sujet 2" before "Sujet 10")."""
    found = {}
    if not mention_ids:
        return found
    rows = db.session.execute(select(MentionTag.mention_id, MentionTag.tag)
                              .where(MentionTag.mention_id.in_(list(mention_ids)))
                              .order_by(MentionTag.mention_id, MentionTag.tag_key))
    for mention_id, tag in rows:
        found.setdefault(mention_id, []).append(tag)
    for tags in found.values():
        tags.sort(key=natural_key)
    return found


def attach(mentions):
    """Give each mention its `tags` list (what the API answers), in one query for all of them."""
    found = tags_of([m.id for m in mentions])
    for mention in mentions:
        mention.tags = found.get(mention.id, [])
    return mentions


def agency_tags(limit=SUGGESTED):
    """The agency's tags, the most used first (one spelling each), for suggestions."""
    rows = db.session.execute(select(MentionTag.tag_key, func.min(MentionTag.tag), func.count())
                              .group_by(MentionTag.tag_key)
                              .order_by(func.count().desc(), MentionTag.tag_key).limit(limit))
    return [tag for _key, tag, _count in sorted(rows, key=lambda row: (-row[2], natural_key(row[1])))]


def matching(tag):
    """The condition "the mention has this tag" (any case), for the inbox's query."""
    return exists().where(and_(MentionTag.agency_id == Mention.agency_id, MentionTag.mention_id == Mention.id,
                               MentionTag.tag_key == key(tag)))


def _current(mention):
    return db.session.scalars(select(MentionTag).where(MentionTag.mention_id == mention.id)
                              .order_by(MentionTag.tag_key)).all()


def _spelling_in_use(tag):
    """The agency's spelling of this tag when it has one already ("Crise" stays "Crise" when "crise" is typed)."""
    return db.session.scalar(select(MentionTag.tag).where(MentionTag.tag_key == key(tag))
                             .order_by(MentionTag.id).limit(1)) or tag


def add(mention, text, user_id):
    """Put a tag on a mention (nothing changes when it has it already); TagError past MAX_TAGS. Returns the tag."""
    tag = clean(text)
    current = _current(mention)
    if any(row.tag_key == key(tag) for row in current):
        return tag
    if len(current) >= MAX_TAGS:
        raise TagError(_l("A mention has at most %(num)d tags: remove one first.", num=MAX_TAGS))
    tag = _spelling_in_use(tag)
    db.session.add(MentionTag(mention_id=mention.id, tag=tag, tag_key=key(tag), created_by_id=user_id))
    db.session.flush()
    return tag


def remove(mention, text):
    """Take a tag off a mention (any case); returns whether it had it."""
    tag = " ".join((text or "").split())
    if not tag:
        return False
    result = db.session.execute(delete(MentionTag).where(MentionTag.mention_id == mention.id,
                                                         MentionTag.tag_key == key(tag))
                                .execution_options(synchronize_session=False))
    return result.rowcount > 0


def replace(mention, texts, user_id):
    """Make the mention's tags exactly these (the API's PATCH); doubles in another case count once.

    Tags it keeps keep who added them. TagError on a bad tag or past MAX_TAGS. Returns the tags, sorted.
    """
    wanted = {}
    for text in texts:
        tag = clean(text)
        wanted.setdefault(key(tag), tag)
    if len(wanted) > MAX_TAGS:
        raise TagError(_l("A mention has at most %(num)d tags: remove one first.", num=MAX_TAGS))
    for row in _current(mention):
        if row.tag_key not in wanted:
            db.session.delete(row)
        else:
            del wanted[row.tag_key]
    for tag in wanted.values():
        tag = _spelling_in_use(tag)
        db.session.add(MentionTag(mention_id=mention.id, tag=tag, tag_key=key(tag), created_by_id=user_id))
    db.session.flush()
    return tags_of([mention.id]).get(mention.id, [])
