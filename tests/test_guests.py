"""Client guests: invitations (real RQ worker and SMTP server), the portal, approvals, revocation."""
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from saas import db, tenancy
from saas.auth.models import Invitation, Membership
from saas.billing.limits import count_seats
from saas.db import utcnow
from saas.jobs import get_queue
from tenants.boards import details, service as boards
from tenants.boards.models import BoardCard, BoardColumn
from tenants.clients.models import Client
from tenants.guests.approvals import add_client_comment
from tenants.guests.models import GuestClient
from tenants.monitoring.models import Mention
from tests.conftest import PASSWORD, login
from tests.factories import populate, populate_reports
from tests.fake_stripe import billing_on, fake_stripe  # noqa: F401  (fixtures)
from tests.mailbox import text_of
from tests.conftest import run_worker

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", "Accept-Language": "en"}
INTERNAL_NOTE = "INTERNAL: our margin on this launch is 40 percent"
HIDDEN_NOTE = "INTERNAL: pitch the rival brand next month"


@dataclass
class World:
    """Agency A: client A1 (followed by a guest) and A2; agency B; ids of what each holds."""

    agency_id: int
    slug: str
    ids: dict
    b_agency_id: int
    b_ids: dict
    owner: str
    member: str
    guest: str



def build_world(app, make_agency):
    """Populate agencies A and B; give A a second client, a hidden card, internal notes and a client message."""
    a = populate(app, make_agency("Agence Alpha"), "Alpha")
    b = populate(app, make_agency("Agence Beta"), "Beta")
    with app.app_context(), tenancy.agency_scope(a.agency.id):
        card = db.session.get(BoardCard, a.ids["card_id"])
        board = card.board
        author = db.session.scalar(select(Membership).where(Membership.role == "owner")).user
        details.add_comment(board, card, INTERNAL_NOTE, author, [])
        hidden = _card(board, "Secret pitch", visible=False)
        details.add_comment(board, hidden, HIDDEN_NOTE, author, [])
        second = Client(name="Alpha Second Brand")
        db.session.add(second)
        db.session.flush()
        other = _card(boards.get_or_create_board(second), "Second brand launch", visible=True)
        add_client_comment(board, card, "Hello from the agency", author, notify=False)
        second_report = populate_reports(second, author, author, "Second brand")["report_id"]
        db.commit()
        ids = {**a.ids, "a2_id": second.id, "hidden_card_id": hidden.id, "a2_card_id": other.id,
               "a2_report_id": second_report}
    for name in ("mail", "default"):
        with app.app_context():
            get_queue(name).empty()
    return World(a.agency.id, a.agency.slug, ids, b.agency.id, b.ids, a.agency.owner_email, f"member@{a.agency.slug}.test",
                 f"guest@{a.agency.slug}.test")


def _card(board, title, visible):
    from tenants.boards import cards

    column = boards.list_columns(board)[1]
    card = cards.create_card(board, column, {"title": title, "pole": "both"}, None)
    card.client_visible = visible
    db.session.flush()
    return card


@pytest.fixture
def world(app, make_agency):
    return build_world(app, make_agency)


def signed_in(app, email):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, email)
    return client


@contextmanager
def in_agency(app, world):
    """Read or change agency A's data from the test."""
    with app.app_context(), tenancy.agency_scope(world.agency_id):
        yield


def card_state(app, world, card_id=None):
    """A card's approval state and the position of its column."""
    with in_agency(app, world):
        card = db.session.get(BoardCard, card_id or world.ids["card_id"])
        return card.approval_state, db.session.get(BoardColumn, card.column_id).position


def invitation_link(message):
    match = re.search(r"http://localhost(/invitations/\S+)", text_of(message))
    assert match, text_of(message)
    return match.group(1)


# Invitations -------------------------------------------------------------------------------------

def test_a_member_invites_a_guest_the_worker_mails_the_link_and_the_guest_lands_in_the_portal(app, world, mailbox):
    member = signed_in(app, world.member)
    response = member.post(f"/a/{world.slug}/guests/invite", data={
        "email": "Claire@Brand.test", "client_ids": [world.ids["client_id"]], "locale": "en"})
    assert response.status_code == 302
    assert mailbox.messages == []  # the request only queued it
    run_worker(app)
    [message] = mailbox.messages
    assert message["To"] == "claire@brand.test" and "Agence Alpha" in message["Subject"]
    assert "Alpha Client" in text_of(message) and "Alpha Second Brand" not in text_of(message)
    link = invitation_link(message)
    assert "lang=en" in link

    guest = app.test_client()
    page = guest.get(link)
    assert page.status_code == 200 and '<html lang="en">' in page.get_data(as_text=True)
    response = guest.post(link.split("?")[0], data={"name": "Claire Martin", "password": PASSWORD})
    assert response.status_code == 302 and response.location == f"/a/{world.slug}/portal/"
    portal = guest.get(response.location).get_data(as_text=True)
    assert "Alpha Client" in portal and "Alpha Launch card" in portal and "Alpha Second Brand" not in portal
    with in_agency(app, world):
        membership = db.session.scalar(select(Membership).where(
            Membership.role == "guest", Membership.user.has(email="claire@brand.test")))
        clients = db.session.scalars(
            select(GuestClient.client_id).where(GuestClient.membership_id == membership.id)).all()
        assert clients == [world.ids["client_id"]] and membership.user.locale == "en"


def test_guests_never_count_as_seats(app, world):
    with in_agency(app, world):
        before = count_seats()
    member = signed_in(app, world.member)
    member.post(f"/a/{world.slug}/guests/invite", data={"email": "x@brand.test", "client_ids": [world.ids["client_id"]],
                                                        "locale": "fr"})
    with in_agency(app, world):
        assert count_seats() == before
        assert db.session.scalar(select(func.count()).select_from(Membership).where(Membership.role == "guest")) == 1


def test_a_used_invitation_link_is_refused(app, world, mailbox):
    signed_in(app, world.owner).post(f"/a/{world.slug}/guests/invite", data={
        "email": "once@brand.test", "client_ids": [world.ids["client_id"]], "locale": "en"})
    run_worker(app)
    link = invitation_link(mailbox.messages[0]).split("?")[0]
    assert app.test_client().post(link, data={"name": "Once", "password": PASSWORD}).status_code == 302
    again = app.test_client().get(link, headers=EN)
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    assert app.test_client().post(link, data={"name": "Twice", "password": PASSWORD}, headers=EN).status_code == 410


def test_an_expired_or_cancelled_invitation_link_is_refused(app, world, mailbox):
    owner = signed_in(app, world.owner)
    for email in ("late@brand.test", "cancelled@brand.test"):
        owner.post(f"/a/{world.slug}/guests/invite", data={"email": email, "client_ids": [world.ids["client_id"]],
                                                           "locale": "en"})
    run_worker(app)
    links = {m["To"]: invitation_link(m) for m in mailbox.messages}
    with in_agency(app, world):
        late = db.session.scalar(select(Invitation).where(Invitation.email == "late@brand.test"))
        late.expires_at = utcnow() - timedelta(minutes=1)
        cancelled_id = db.session.scalar(select(Invitation.id).where(Invitation.email == "cancelled@brand.test"))
        db.commit()
    assert app.test_client().get(links["late@brand.test"], headers=EN).status_code == 410
    assert owner.post(f"/a/{world.slug}/guests/invitations/{cancelled_id}/cancel").status_code == 302
    assert app.test_client().get(links["cancelled@brand.test"]).status_code == 400
    with in_agency(app, world):
        assert db.session.scalar(select(func.count()).select_from(Membership).where(Membership.role == "guest")) == 1


@pytest.mark.parametrize("form, field, message", [
    ({"email": "not-an-email"}, "email", "valid email"),
    ({"client_ids": []}, "client_ids", "at least one client"),
    ({"locale": "de"}, "locale", "French or English"),
    ({"email": "member@agence-alpha.test"}, "email", "member of the agency"),
    ({"email": "guest@agence-alpha.test"}, "email", "already a guest"),
])
def test_the_invitation_form_refuses_bad_input_and_keeps_what_was_typed(app, world, form, field, message):
    data = {"email": "new@brand.test", "client_ids": [world.ids["client_id"]], "locale": "en", **form}
    response = signed_in(app, world.member).post(f"/a/{world.slug}/guests/invite", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body
    assert f'value="{data["email"]}"' in body
    with in_agency(app, world):
        invited = select(func.count()).select_from(Invitation).where(Invitation.email == data["email"])
        assert db.session.scalar(invited) == 0  # nothing was recorded


def test_inviting_to_another_agencys_client_is_404_and_a_tampered_id_is_400(app, world):
    member = signed_in(app, world.member)
    url = f"/a/{world.slug}/guests/invite"
    base = {"email": "new@brand.test", "locale": "en"}
    assert member.post(url, data={**base, "client_ids": [world.b_ids["client_id"]]}).status_code == 404
    assert member.post(url, data={**base, "client_ids": ["1 OR 1=1"]}).status_code == 400
    with in_agency(app, world):
        assert db.session.scalar(select(func.count()).select_from(Invitation).where(Invitation.role == "guest")) == 1


# The portal --------------------------------------------------------------------------------------

def test_a_guest_signs_in_to_the_portal_in_their_language_and_the_agencys_colour(app, world):
    with in_agency(app, world):
        guest = db.session.scalar(select(Membership).where(Membership.role == "guest"))
        guest.user.locale = "fr"
        db.session.execute(db.text("UPDATE agencies SET color = '#0e9384'"))
        db.commit()
    client = app.test_client()
    response = client.post("/login", data={"email": world.guest, "password": PASSWORD})
    assert response.location == f"/a/{world.slug}/portal/"
    body = client.get(response.location).get_data(as_text=True)
    assert '<html lang="fr">' in body and "--agency: #0e9384" in body and 'class="portal"' in body
    for staff_link in ("/clients/", "/members/", "/billing/", "/boards/", "/guests/"):
        assert f'href="/a/{world.slug}{staff_link}' not in body


def test_the_portal_shows_visible_cards_approvals_and_what_the_agency_shared(app, world):
    with in_agency(app, world):
        db.session.add(Mention(client_id=world.ids["client_id"], source_kind="rss", item_key="private",
                               title="A private mention", published_at=utcnow()))
        db.session.add(Mention(client_id=world.ids["client_id"], source_kind="rss", item_key="old",
                               title="An old mention", published_at=utcnow() - timedelta(days=40)))
        db.session.add(Mention(client_id=world.ids["client_id"], source_kind="rss", item_key="noise",
                               title="Archived noise", published_at=utcnow(), status="archived"))
        db.commit()
    body = signed_in(app, world.guest).get(f"/a/{world.slug}/portal/clients/{world.ids['client_id']}").get_data(as_text=True)
    assert "Alpha Launch card" in body and "Secret pitch" not in body
    assert "Alpha Client mention" in body  # shared by the agency
    assert "A private mention" not in body
    assert re.search(r'trend-number">2</span>\s*<span class="muted small">mentions in 30 days', body)


def test_the_portals_trend_writes_numbers_and_percentages_in_the_guests_language(app):
    from datetime import date

    from babel.numbers import format_decimal, format_percent
    from flask import render_template
    from flask_babel import force_locale

    from tenants.guests.portal import MonitoringSummary, TrendDay

    day = TrendDay(date(2026, 11, 27), {"positive": 1200, "neutral": 2400, "negative": 1200})
    summary = MonitoringSummary(days=[day], totals=dict(day.counts))
    with app.test_request_context("/"), force_locale("fr"):
        french = render_template("guests/_trend.html", summary=summary)
    total, share, half = (format_decimal(4800, locale="fr"), format_percent(0.25, locale="fr"),
                          format_percent(0.5, locale="fr"))
    assert re.fullmatch("4[\u00a0\u202f]800", total) and re.fullmatch("25[\u00a0\u202f]%", share)
    assert f'trend-number">{total}</span>' in french and f'trend-number">{share}</span>' in french
    assert f'trend-number">{half}</span>' in french and f"· {format_decimal(1200, locale='fr')}</span>" in french
    assert f"27 nov. · {total} mentions" in french  # the bar's title
    assert "4800" not in french and "25%" not in french and "height: 50.0%" in french  # CSS stays CSS
    with app.test_request_context("/"), force_locale("en"):
        english = render_template("guests/_trend.html", summary=summary)
    assert 'trend-number">4,800</span>' in english and 'trend-number">25%</span>' in english


def test_staff_preview_the_portal_read_only(app, world):
    owner = signed_in(app, world.owner)
    body = owner.get(f"/a/{world.slug}/portal/cards/{world.ids['card_id']}").get_data(as_text=True)
    assert 'data-testid="portal-preview"' in body and "Hello from the agency" in body and INTERNAL_NOTE not in body
    assert owner.post(f"/a/{world.slug}/portal/cards/{world.ids['card_id']}/comments", data={"body": "Hi"}).status_code == 403


def test_a_paused_workspace_lets_guests_read_and_never_tells_them_about_billing(app, world, billing_on):
    from saas.billing.models import Subscription

    with in_agency(app, world):
        db.session.scalar(select(Subscription)).trial_ends_at = utcnow() - timedelta(minutes=1)
        db.commit()
    guest = signed_in(app, world.guest)
    page = guest.get(f"/a/{world.slug}/portal/clients/{world.ids['client_id']}")
    assert page.status_code == 200 and "Alpha Launch card" in page.get_data(as_text=True)
    refused = guest.post(f"/a/{world.slug}/portal/cards/{world.ids['card_id']}/comments", data={"body": "Hello?"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 403 and "space is paused" in body
    for word in ("trial", "billing", "read-only", "plan"):
        assert word not in page.get_data(as_text=True).lower() and word not in body.lower(), word
