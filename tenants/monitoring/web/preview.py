"""Helpers of the query preview and of highlighted excerpts."""
from sqlalchemy import select

from saas import db
from tenants.monitoring.language.matcher import match_details
from tenants.monitoring.models import Mention

PREVIEW_SCAN = 2000


def segments(text, spans):
    """Split a text into (piece, highlighted) pairs so templates escape every piece."""
    pieces, cursor = [], 0
    for start, end in sorted((int(s), int(e)) for s, e in spans):
        if start < cursor or end > len(text):
            continue
        if start > cursor:
            pieces.append((text[cursor:start], False))
        pieces.append((text[start:end], True))
        cursor = end
    if cursor < len(text):
        pieces.append((text[cursor:], False))
    return pieces


def preview_mentions(client_id, index, limit=10):
    """Stored mentions of the client that the previewed query would have matched."""
    mentions = db.session.scalars(select(Mention).where(Mention.client_id == client_id)
                                  .order_by(Mention.id.desc()).limit(PREVIEW_SCAN)).all()
    found = []
    for mention in mentions:
        spans = match_details(index, f"{mention.title}\n{mention.excerpt}").get(0)
        if spans:
            found.append(mention)
            if len(found) == limit:
                break
    return found
