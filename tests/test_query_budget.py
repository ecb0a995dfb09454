"""Query budgets of the signed-in pages (issue 13): the layout costs at most 2 queries, no template
queries, and every page runs as many queries with a lot of data as with a little.

Counted: every statement the app's engine runs, except the row-level security setting each
transaction starts with (tests/querycount.py). Billing is on (as in production) so that its
banner and limits are in the count.
"""
from datetime import timedelta

import jinja2
import pytest
from flask import render_template
from sqlalchemy import select

from benchmarks.bench_board import seed_board
from saas import db, tenancy
from saas.auth import service as accounts
from saas.auth.models import Membership
from saas.db import utcnow
from tests.conftest import PASSWORD, login
from tests.querycount import count_queries

LAYOUT_BUDGET = 2


@pytest.fixture
def billing_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_budget")


def grow(agency, clients, mentions_each, cards_each, guest_email=None):
    """Add `clients` clients with a keyword, mentions, a board, a crisis with an alert, a guest and notifications."""
    from tenants.boards.models import BoardCard, BoardLabel
    from tenants.boards.notifications.service import notify_members
    from tenants.clients.models import Client
    from tenants.crisis.models import AlertRule, Crisis, CrisisAlert
    from tenants.guests import service as guests
    from tenants.monitoring import service as monitoring
    from tenants.monitoring.models import Mention

    with tenancy.agency_scope(agency.id):
        if not db.session.scalars(select(BoardLabel)).first():
            db.session.add_all([BoardLabel(name="Crise", color="#ef4444"), BoardLabel(name="Presse", color="#3b82f6")])
        made = []
        start = len(db.session.scalars(select(Client)).all())
        for n in range(start, start + clients):
            client = Client(name=f"Brand {n:03d}", sector="Food", website=f"https://brand{n}.example")
            db.session.add(client)
            db.session.flush()
            board = seed_board(client, cards=cards_each, comments=max(1, cards_each // 10), seed=n)
            keyword = monitoring.create_keyword(client.id, f"brand{n}", None)
            db.session.flush()
            now = utcnow()
            db.session.add_all(Mention(client_id=client.id, keyword_id=keyword.id, source_kind="rss", item_key=f"{n}-{m}",
                                       title=f"Brand {n} news {m}", excerpt="Brand news", url=f"https://n.example/{n}/{m}",
                                       published_at=now - timedelta(minutes=m), shared_with_client=m % 3 == 0)
                               for m in range(mentions_each))
            rule = AlertRule(client_id=client.id, name=f"Watch {n}", secret=str(n).ljust(48, "s"), recipient_ids=[])
            crisis = Crisis(client_id=client.id)
            db.session.add_all([rule, crisis])
            db.session.flush()
            db.session.add(CrisisAlert(rule_id=rule.id, crisis_id=crisis.id, window_start=now, score=70.0,
                                       evidence={"sensitivity": "medium", "parts": {}, "chart": []}))
            user = accounts.register_user(f"guest{n}@{agency.slug}.test", f"Guest {n}", PASSWORD)
            guest = Membership(user_id=user.id, role="guest")
            db.session.add(guest)
            db.session.flush()
            guests.set_guest_clients(guest, [client])
            made.append(client)
            owner = db.session.scalar(select(Membership).where(Membership.role == "owner"))
            card = db.session.scalars(select(BoardCard).where(BoardCard.board_id == board.id)).first()
            if card is not None:
                notify_members([owner], "mentioned", card, user)
        if guest_email:
            guest = db.session.scalar(select(Membership).join(Membership.user).where(accounts.User.email == guest_email))
            guests.set_guest_clients(guest, db.session.scalars(select(Client)).all())
        db.commit()
        return made


@pytest.fixture
def agency_data(app, make_agency, make_member):
    """An agency with 2 small clients; returns (agency, ids of the pages, a callable that makes it big)."""
    agency = make_agency()
    make_member(agency, "rp@lumiere.test", pole="rp")
    guest_email = f"guest0@{agency.slug}.test"
    with app.app_context():
        first, _second = grow(agency, 2, 10, 10, guest_email=guest_email)  # the guest follows both
        with tenancy.agency_scope(agency.id):
            from tenants.boards.models import Board, BoardCard
            from tenants.crisis.models import CrisisAlert

            alert = db.session.scalars(select(CrisisAlert).order_by(CrisisAlert.id)).first()
            card = db.session.scalars(select(BoardCard).join(Board, Board.id == BoardCard.board_id)
                                      .where(Board.client_id == first.id).order_by(BoardCard.id)).first()
            card.client_visible = True
            ids = {"client": first.id, "alert": alert.id, "crisis": alert.crisis_id, "card": card.id}
            db.commit()

    def make_big():
        with app.app_context():
            grow(agency, 18, 15, 10, guest_email=guest_email)
            with tenancy.agency_scope(agency.id):  # the first client's board grows to 210 cards
                from tenants.clients.models import Client

                seed_board(db.session.get(Client, ids["client"]), cards=200, comments=40, seed=7)
                db.commit()

    return agency, ids, guest_email, make_big


def staff_pages(slug, ids):
    a = f"/a/{slug}"
    return [f"{a}/", f"{a}/clients/", f"{a}/clients/{ids['client']}", f"{a}/clients/{ids['client']}/monitoring",
            f"{a}/clients/{ids['client']}/dashboard",
            f"{a}/mentions/", f"{a}/boards/", f"{a}/boards/{ids['client']}", f"{a}/boards/{ids['client']}/list",
            f"{a}/boards/calendar", f"{a}/boards/cards", f"{a}/boards/cards/{ids['card']}", f"{a}/crisis/",
            f"{a}/crisis/{ids['crisis']}", f"{a}/crisis/alerts/{ids['alert']}", f"{a}/guests/", f"{a}/billing/",
            f"{a}/members/", f"{a}/notifications/", f"{a}/portal/"]


def guest_pages(slug, ids):
    a = f"/a/{slug}"
    return [f"{a}/portal/", f"{a}/portal/clients/{ids['client']}", f"{a}/portal/cards/{ids['card']}"]


def counts(app, client, urls):
    """{url: [statements]} of one GET of each URL (the second one: a first visit may create things)."""
    seen = {}
    for url in urls:
        client.get(url)
        with count_queries(app) as statements:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        seen[url] = list(statements)
    return seen


def test_every_page_runs_as_many_queries_with_ten_times_the_data(app, client, agency_data, billing_on):
    agency, ids, guest_email, make_big = agency_data
    login(client, agency.owner_email)
    staff_small = counts(app, client, staff_pages(agency.slug, ids))
    guest = app.test_client()
    login(guest, guest_email)
    guest_small = counts(app, guest, guest_pages(agency.slug, ids))
    make_big()  # 20 clients, 300 more mentions, the board from 10 to 210 cards, 20 guests, 19 crises...
    staff_big = counts(app, client, staff_pages(agency.slug, ids))
    guest_big = counts(app, guest, guest_pages(agency.slug, ids))
    for small, big in ((staff_small, staff_big), (guest_small, guest_big)):
        for url in small:
            assert len(big[url]) == len(small[url]), (url, "\n---\n".join(big[url]))
            assert len(big[url]) <= 20, (url, len(big[url]))


def test_no_page_queries_from_its_template(app, client, agency_data, billing_on, monkeypatch):
    agency, ids, guest_email, _make_big = agency_data
    rendering = []
    render = jinja2.Template.render

    def tracked(self, *args, **kwargs):
        rendering.append(self.name)
        try:
            return render(self, *args, **kwargs)
        finally:
            rendering.pop()

    monkeypatch.setattr(jinja2.Template, "render", tracked)
    login(client, agency.owner_email)
    guest = app.test_client()
    login(guest, guest_email)
    found = {}
    for who, urls in ((client, staff_pages(agency.slug, ids)), (guest, guest_pages(agency.slug, ids))):
        for url in urls:
            who.get(url)
            from_templates = []
            with count_queries(app):
                from sqlalchemy import event

                engine = app.extensions["relais_engine"]

                def spot(conn, cursor, statement, *args, found_here=from_templates):
                    if rendering:
                        found_here.append((rendering[-1], statement))

                event.listen(engine, "before_cursor_execute", spot)
                try:
                    assert who.get(url).status_code == 200, url
                finally:
                    event.remove(engine, "before_cursor_execute", spot)
            if from_templates:
                found[url] = [f"{name}: {' '.join(statement.split())[:160]}" for name, statement in from_templates]
    assert not found, "\n".join(f"{url}\n  " + "\n  ".join(lines) for url, lines in found.items())


@pytest.mark.parametrize("role", ["owner", "guest"])
def test_the_layout_costs_at_most_two_queries(app, client, agency_data, billing_on, monkeypatch, role):
    """A page that shows nothing but the layout: the person, their agencies, the badges (or the portal's clients)."""
    agency, ids, guest_email, _make_big = agency_data
    endpoint = "workspace.home" if role == "owner" else "portal.home"

    def bare_page():
        return render_template("errors/error.html", code=200, title="Layout", message="Only the layout")

    bare_page.guest_allowed = True
    monkeypatch.setitem(app.view_functions, endpoint, bare_page)
    login(client, agency.owner_email if role == "owner" else guest_email)
    url = f"/a/{agency.slug}/" if role == "owner" else f"/a/{agency.slug}/portal/"
    client.get(url)
    with count_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    assert b"Only the layout" in response.data
    assert len(statements) <= LAYOUT_BUDGET, "\n---\n".join(statements)
