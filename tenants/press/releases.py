"""Press releases: write (Markdown, sanitised), link to a card of the client's board, follow the client's approval.

The approval is the portal's own (tenants/guests/approvals.py) on the release's card: the state of
a release not yet sent follows its card's approval state (awaiting, approved; changes requested
brings it back to draft), written when the approval is asked, withdrawn or decided (signals), never on a GET.
"""
from flask import render_template
from markupsafe import Markup
from sqlalchemy import select

from saas import db
from saas.domain import NotFound
from saas.i18n import format_datetime
from tenants.boards import cards
from tenants.boards.markdown import render_markdown
from tenants.boards.models import BoardCard
from tenants.boards.service import get_or_create_board, list_columns
from tenants.clients.models import Client
from tenants.press.models import PressRelease

APPROVAL_TO_STATE = {"awaiting": "awaiting", "approved": "approved", "changes_requested": "draft", "none": "draft"}
FIELDS = ("client_id", "title", "body", "images", "attachments", "embargo_at", "language")


def list_releases(client_id=None):
    """The agency's releases, newest first (one client's when given)."""
    query = select(PressRelease).order_by(PressRelease.updated_at.desc(), PressRelease.id.desc())
    if client_id is not None:
        query = query.where(PressRelease.client_id == client_id)
    return db.session.scalars(query).all()


def release_card(release):
    """The release's card on its client's board, or None (deleted from the board)."""
    return db.session.get(BoardCard, release.card_id) if release.card_id else None


def card_description(release):
    """The card's description: where the release is written (the card links back to it)."""
    from saas.mail import absolute_url

    return f"[{release.title}]({absolute_url('press.release', agency_slug=_slug(), release_id=release.id)})"


def _slug():
    from saas import tenancy
    from saas.auth.models import Agency

    return db.session.get(Agency, tenancy.current_agency_id()).slug


def create_release(values, actor):
    """Create a release and its card (pole RP, visible to the client) in the first column of the client's board."""
    release = PressRelease(**{key: values[key] for key in FIELDS}, state="draft",
                           created_by_id=actor.id if actor else None)
    db.session.add(release)
    db.session.flush()
    client = db.session.get(Client, release.client_id)
    board = get_or_create_board(client)
    column = list_columns(board)[0]
    card = cards.create_card(board, column, {"title": release.title[:200], "description": card_description(release),
                                             "pole": "rp", "client_visible": True}, actor)
    release.card_id = card.id
    db.session.flush()
    return release


def update_release(release, values):
    """Save a release's edits (a sent release is not edited: the view refuses first)."""
    for key in FIELDS:
        setattr(release, key, values[key])
    card = release_card(release)
    if card is not None and card.title != release.title[:200]:
        card.title = release.title[:200]
        card.version += 1
    db.session.flush()


def sync_state(release, card=None):
    """Follow the card's approval: a release not yet sent takes its state from it."""
    card = card if card is not None else release_card(release)
    if release.state != "sent" and card is not None:
        state = APPROVAL_TO_STATE.get(card.approval_state, "draft")
        if release.state != state:
            release.state = state
    return release


def release_of_card(card_id):
    """The release a card plans, or None."""
    return db.session.scalar(select(PressRelease).where(PressRelease.card_id == card_id))


APPROVAL_EVENTS = ("approval.requested", "approval.withdrawn", "approval.decided")


def on_event(name, card=None, **_values):
    """Receiver of saas.signals.event_happened: an approval asked, withdrawn or decided on a release's card moves
    the release (pages only read the state: no write on a GET)."""
    if name not in APPROVAL_EVENTS or card is None:
        return
    release = release_of_card(card.id)
    if release is not None:
        sync_state(release, card)
        db.session.flush()


def get_release(release_id):
    """A release of the current agency, or NotFound."""
    release = db.session.get(PressRelease, release_id)
    if release is None:
        raise NotFound(release_id)
    return release


def body_html(release):
    """The release's body as sanitised HTML (Markdown without raw HTML, cleaned by nh3)."""
    return render_markdown(release.body)


def embargo_text(release):
    """"dd month yyyy hh:mm (zone)" of the embargo in the agency's time zone, or ""."""
    if release.embargo_at is None:
        return ""
    from saas.i18n import agency_zone

    return f"{format_datetime(release.embargo_at, 'long')} ({agency_zone().key})"


def rendered(release, first_name="", outlet=""):
    """The release as it will be sent (the HTML part), for the page, the preview and the portal."""
    return Markup(render_template("press/_release_mail.html", release=release, body=body_html(release),
                                  embargo=embargo_text(release), first_name=first_name, outlet=outlet))


def portal_release(card):
    """page_extra of the portal's card: the release the card plans, as it will be sent, or None."""
    release = release_of_card(card.id)
    return rendered(release) if release is not None else None
