"""From a mention to a board card: the card is pre-filled and the link is kept both ways."""
from flask_babel import gettext as _
from sqlalchemy import select

from saas import db
from saas.i18n import format_datetime
from tenants.boards import cards, service as boards
from tenants.boards.models import BoardCard
from tenants.clients.models import Client
from tenants.monitoring.models import CardMention, Mention


def card_values(mention):
    """The new card's fields: title, the excerpt, the source link and the sentiment (the time in the agency's zone)."""
    labels = {"positive": _("positive"), "neutral": _("neutral"), "negative": _("negative")}
    title = (mention.title or mention.excerpt or mention.url or _("Mention")).strip()[:200]
    lines = [f"> {mention.excerpt.strip()}" if mention.excerpt.strip() else "",
             _("Source: %(source)s, %(date)s. Sentiment: %(sentiment)s.", source=mention.source_name or mention.source_kind,
               date=format_datetime(mention.published_at, "d MMM y, HH:mm"), sentiment=labels[mention.current_sentiment])]
    if mention.url:
        lines.append(mention.url)
    return {"title": title, "description": "\n\n".join(line for line in lines if line), "pole": "cm",
            "source_url": mention.url, "source_excerpt": (mention.excerpt or "")[:2000] or None}


def card_for(mention, actor):
    """The card made from this mention: the existing one, or a new one in the first column."""
    linked = db.session.scalar(select(CardMention.card_id).where(CardMention.mention_id == mention.id))
    if linked is not None:
        return db.session.get(BoardCard, linked)
    board = boards.get_or_create_board(db.session.get(Client, mention.client_id))
    card = cards.create_card(board, boards.list_columns(board)[0], card_values(mention), actor)
    db.session.add(CardMention(card_id=card.id, mention_id=mention.id))
    mention.status = "read" if mention.status == "new" else mention.status
    db.session.flush()
    return card


def cards_of(mention_ids):
    """For each mention id, the card made from it: {mention_id: (card_id, title)}."""
    if not mention_ids:
        return {}
    rows = db.session.execute(
        select(CardMention.mention_id, BoardCard.id, BoardCard.title)
        .join(BoardCard, (BoardCard.id == CardMention.card_id) & (BoardCard.agency_id == CardMention.agency_id))
        .where(CardMention.mention_id.in_(mention_ids))
    ).all()
    return {mention_id: (card_id, title) for mention_id, card_id, title in rows}


def mentions_of_card(card_id):
    """The mentions a card was made from or linked to."""
    return db.session.scalars(
        select(Mention).join(CardMention, (CardMention.mention_id == Mention.id) & (CardMention.agency_id == Mention.agency_id))
        .where(CardMention.card_id == card_id).order_by(Mention.published_at.desc())
    ).all()
