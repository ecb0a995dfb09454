"""The crisis card on the client's board: one per crisis, for both poles, with the agency's checklist.

Built only with the boards' own operations (create_card, set_assignees, checklist, move_card),
so the board's activity log, live feed and notifications see it like any card; the mentions
are tied to it with the card-mention link (`card_mentions`) the card panel already shows.
"""
from contextlib import nullcontext
from datetime import timedelta

from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from saas import db
from saas.db import utcnow
from saas.i18n import number
from tenants.boards import cards, details
from tenants.boards.labels import create_label, list_labels
from tenants.boards.models import BoardCard, BoardColumn
from tenants.boards.notifications.models import Notification
from tenants.boards.notifications.service import notify_members
from tenants.boards.service import get_or_create_board, list_columns
from tenants.crisis.explain import explained_parts, window_words
from tenants.crisis.models import CrisisCard
from tenants.monitoring.models import CardMention

MAX_MENTIONS = 20
FIRST_MENTIONS = 8
LABEL_COLOR = "#ef4444"


def checklist():
    """The steps an agency takes in a crisis, PR and CM side by side."""
    return [_("Holding statement drafted (PR)"), _("Press Q&A prepared for journalists (PR)"),
            _("Community reply posted and pinned (CM)"), _("Client approval of the statement and replies")]


def _in_app_language():
    """The person's language in a request, else the app's (the detector runs in a job)."""
    if has_request_context():
        return nullcontext()
    return force_locale(current_app.config["BABEL_DEFAULT_LOCALE"])


def crisis_label():
    """The agency's crisis label, created on first use."""
    name = _("Crisis")
    label = next((label for label in list_labels() if label.name.lower() == name.lower()), None)
    return label or create_label({"name": name, "color": LABEL_COLOR})


def card_description(alert, link):
    """The card's Markdown: the score, each part in words, the link to the full explanation."""
    lines = [_("**Crisis score %(score)d/100**, detected by the rule “%(rule)s”.", score=round(alert.score),
               rule=alert.rule.name), window_words(alert.window_start), ""]
    lines += [f"- **{label}** ({number(part['points'])}/{weight}): {sentence}"
              for _n, label, part, weight, sentence in explained_parts(alert.evidence)]
    why = _("Why this alert: chart, terms, sources, mentions")
    lines += ["", f"[{why}]({link})"]
    return "\n".join(lines)


def open_card(crisis, alert, recipients, mentions, link, notify):
    """Create the crisis card in the board's first column, assigned to the recipients of both poles."""
    with _in_app_language():
        board = get_or_create_board(crisis.client)
        column = next((c for c in list_columns(board) if not c.done), list_columns(board)[0])
        first = mentions[0] if mentions else None
        values = {"title": _("Crisis: %(client)s", client=crisis.client.name)[:200], "pole": "both",
                  "description": card_description(alert, link), "due_at": utcnow() + timedelta(hours=1),
                  "source_url": first.url if first else None, "source_excerpt": first.excerpt if first else None}
        card = cards.create_card(board, column, values, None, recipients if notify else (), [crisis_label()])
        if not notify:
            cards.set_assignees(card, recipients)
        for text in checklist():
            details.add_checklist_item(board, card, text, None)
    link_mentions(card, mentions, FIRST_MENTIONS)
    db.session.add(CrisisCard(crisis_id=crisis.id, card_id=card.id))
    crisis.card_made = True
    db.session.flush()
    return card


def card_of(crisis):
    """The crisis card, or None when there is none (or a person deleted it)."""
    card_id = db.session.scalar(select(CrisisCard.card_id).where(CrisisCard.crisis_id == crisis.id))
    return db.session.get(BoardCard, card_id) if card_id else None


def link_mentions(card, mentions, limit=MAX_MENTIONS):
    """Link the card to mentions it is not linked to yet (the boards' card-mention link), MAX_MENTIONS in all."""
    linked = set(db.session.scalars(select(CardMention.mention_id).where(CardMention.card_id == card.id)))
    room = min(limit, MAX_MENTIONS - len(linked))
    fresh = [m.id for m in mentions if m.id not in linked][:max(room, 0)]
    rows = [{"agency_id": card.agency_id, "card_id": card.id, "mention_id": mention_id, "created_at": utcnow()}
            for mention_id in fresh]
    db.insert_ignoring_duplicates(CardMention, rows, ["agency_id", "card_id", "mention_id"])
    return len(rows)


def update_card(crisis, recipients, mentions, notify):
    """Bring an open crisis's card up to date: new mentions, new recipients (notified in the app)."""
    card = card_of(crisis)
    if card is None:
        return None
    link_mentions(card, mentions)
    current = {m.id for m in card.assignees}
    added = [m for m in recipients if m.id not in current]
    if added:
        cards.set_assignees(card, card.assignees + added)
        if notify:
            notify_members(added, "assigned", card, None)
    return card


def skip_board_emails(card, memberships):
    """Mark the card's fresh board notifications as emailed for members who get the alert email instead."""
    ids = [m.id for m in memberships]
    if not ids:
        return
    for notification in db.session.scalars(select(Notification).where(
            Notification.card_id == card.id, Notification.membership_id.in_(ids), Notification.emailed_at.is_(None))):
        notification.emailed_at = utcnow()


def close_card(crisis, actor):
    """Move the crisis card to the board's first done column."""
    card = card_of(crisis)
    if card is None:
        return
    done = db.session.scalar(select(BoardColumn).where(BoardColumn.board_id == card.board_id, BoardColumn.done)
                             .order_by(BoardColumn.position))
    if done is not None and card.column_id != done.id:
        cards.move_card(card.board, card, done, None, actor)
