"""A guest of client A1 of agency A sweeps every route of the app, with every method.

Only the portal answers, and only for A1 and its client-visible cards; the workspace home
sends the guest to the portal; every other workspace route answers 404. No answer carries internal comments, another client's name, a member's
email or billing, and nothing changes in either agency.
"""
import pytest
from flask import url_for

from tests.test_guests import HIDDEN_NOTE, INTERNAL_NOTE, build_world, signed_in
from tests.test_isolation import MUTATING_FORM, build, methods, snapshot, workspace_rules

GUEST_REDIRECTS = {"workspace.home": "portal/"}  # endpoint -> where a guest's GET is sent, under /a/<slug>/
PORTAL = {"portal.home", "portal.client", "portal.card", "portal.comment", "portal.approve", "portal.request_changes",
          "report_portal.report_pdf",
          "press_portal.portal_review", "press_portal.portal_review_pdf"}  # the press reviews shared with the client
PLATFORM_GETS = {"auth.index": {}, "auth.login": {}, "auth.signup": {}, "auth.forgot_password": {},
                 "auth.account": {}, "auth.agencies": {}, "health.healthz": {},
                 "auth.reset_password": {"token": "x"}, "auth.accept_invitation": {"token": "x"},
                 "auth.confirm_email": {"token": "x"}}
HEADER_SETS = ({}, {"HX-Request": "true"})


@pytest.fixture
def world(app, make_agency):
    return build_world(app, make_agency)


@pytest.fixture
def guest(app, world):
    return signed_in(app, world.guest)


def secrets(app, world):
    """What a guest must never read: internal notes, other clients, the team's emails, billing."""
    billing = signed_in(app, world.owner).get(f"/a/{world.slug}/billing/").get_data(as_text=True)
    assert "Billing is off on this Relais" in billing
    return [INTERNAL_NOTE, HIDDEN_NOTE, "Alpha comment", "Secret pitch", "Alpha Second Brand", "Second brand launch",
            "Beta Client", "Agence Beta", world.owner, world.member, "guest.invitee@agence-alpha.test",
            "Billing is off on this Relais", 'data-testid="billing-off"', f'href="/a/{world.slug}/billing',
            f'href="/a/{world.slug}/members', f'href="/a/{world.slug}/boards', "Alpha crisis watch"]


def readable(response):
    """An answer's text: a PDF's extracted text (its streams are compressed), else the body."""
    if response.mimetype == "application/pdf":
        import io

        from pypdf import PdfReader

        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    return response.get_data(as_text=True)


def assert_clean(body, hidden, where):
    for text in hidden:
        assert text not in body, f"{where} shows {text!r} to a guest"


def forged_ids(world):
    """Ids the guest was not invited to: another client of A, its card and report, a hidden card of A1, agency B's."""
    return [{"client_id": world.ids["a2_id"], "card_id": world.ids["a2_card_id"]},
            {"card_id": world.ids["hidden_card_id"]}, {"report_id": world.ids["a2_report_id"]},
            {"client_id": world.b_ids["client_id"], "card_id": world.b_ids["card_id"], "report_id": world.b_ids["report_id"]},
            {"review_id": world.b_ids["review_id"]}]


def test_a_guest_reaches_only_the_portal_of_their_own_client(app, world, guest, database_url):
    hidden = secrets(app, world)
    before = snapshot(database_url, world.agency_id), snapshot(database_url, world.b_agency_id)
    answered = set()
    for rule in workspace_rules(app):
        url = build(rule, world.slug, world.ids)
        for method in methods(rule):
            for headers in HEADER_SETS:
                response = guest.open(url, method=method, data=MUTATING_FORM, headers={**headers, "Accept-Language": "en"})
                assert_clean(readable(response), hidden, f"{method} {url}")
                if rule.endpoint in GUEST_REDIRECTS and method == "GET":
                    assert response.status_code == 302, f"{method} {url} answered {response.status_code}"
                    assert response.location == f"/a/{world.slug}/{GUEST_REDIRECTS[rule.endpoint]}"
                elif rule.endpoint not in PORTAL:
                    assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
                else:
                    assert response.status_code in (200, 409, 422), f"{method} {url} answered {response.status_code}"
                    answered.add(rule.endpoint)
    assert answered == PORTAL
    assert (snapshot(database_url, world.agency_id), snapshot(database_url, world.b_agency_id)) == before


def test_a_guest_forging_ids_of_other_clients_or_hidden_cards_gets_404(app, world, guest, database_url):
    hidden = secrets(app, world)
    before = snapshot(database_url, world.agency_id), snapshot(database_url, world.b_agency_id)
    checked = 0
    for rule in workspace_rules(app):
        if rule.endpoint not in PORTAL or not (rule.arguments - {"agency_slug"}):
            continue
        for forged in forged_ids(world):
            if not rule.arguments & set(forged):
                continue
            url = build(rule, world.slug, {**world.ids, **forged})
            for method in methods(rule):
                response = guest.open(url, method=method, data={"body": "forged"})
                assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
                assert_clean(response.get_data(as_text=True), hidden, f"{method} {url}")
                checked += 1
    assert checked >= 14
    assert (snapshot(database_url, world.agency_id), snapshot(database_url, world.b_agency_id)) == before


def test_a_guest_cannot_reach_another_agency_at_all(app, world, guest):
    for rule in workspace_rules(app):
        url = build(rule, "agence-beta", world.b_ids)
        for method in methods(rule):
            assert guest.open(url, method=method, data=MUTATING_FORM).status_code == 404, f"{method} {url}"


def test_internal_comment_text_never_appears_in_any_page_or_fragment_a_guest_can_load(app, world, guest):
    owner = signed_in(app, world.owner)
    owner.post(f"/a/{world.slug}/guests/{world.ids['guest_membership_id']}/clients",
               data={"client_ids": [world.ids["client_id"], world.ids["a2_id"]]})  # every client of A
    owner.post(f"/a/{world.slug}/guests/cards/{world.ids['card_id']}/approval", data={"action": "request"})
    loaded = 0
    for rule in workspace_rules(app):
        if "GET" not in rule.methods:
            continue
        for ids in (world.ids, {**world.ids, "client_id": world.ids["a2_id"], "card_id": world.ids["a2_card_id"]}):
            for headers in HEADER_SETS:
                response = guest.get(build(rule, world.slug, ids), headers=headers)
                body = readable(response)
                assert INTERNAL_NOTE not in body and HIDDEN_NOTE not in body and "Alpha comment" not in body
                loaded += response.status_code == 200
    assert loaded >= 8  # the portal's pages of both clients, as pages and as htmx requests


def test_platform_pages_show_a_guest_nothing_of_the_agencys_inside(app, world, guest):
    hidden = secrets(app, world)
    for endpoint, values in PLATFORM_GETS.items():
        with app.test_request_context():
            url = url_for(endpoint, **values)
        response = guest.get(url, headers={"Accept-Language": "en"})
        assert response.status_code < 500, url
        assert_clean(response.get_data(as_text=True), hidden, url)
    assert guest.get("/").location == f"/a/{world.slug}/portal/"


def test_a_guest_opening_the_workspace_home_lands_on_their_portal(app, world, guest):
    for headers in HEADER_SETS:
        response = guest.get(f"/a/{world.slug}/", headers=headers)
        assert response.status_code == 302 and response.location == f"/a/{world.slug}/portal/"
    page = guest.get(f"/a/{world.slug}/", follow_redirects=True)
    assert page.status_code == 200 and "Alpha Client" in page.get_data(as_text=True)
    assert_clean(page.get_data(as_text=True), secrets(app, world), "the portal")
    assert guest.get("/a/agence-beta/").status_code == 404  # not a guest there: nothing to be sent to
    assert signed_in(app, world.owner).get(f"/a/{world.slug}/").status_code == 200


def test_a_guest_posting_to_internal_endpoints_changes_nothing(app, world, guest, database_url):
    before = snapshot(database_url, world.agency_id)
    card = world.ids["card_id"]
    for path, form in ((f"boards/cards/{card}/comments", {"body": "sneaky"}), (f"boards/cards/{card}/move", {"column_id": 1}),
                       (f"guests/cards/{card}/client-comments", {"body": "sneaky"}),
                       (f"guests/cards/{card}/approval", {"action": "request"}),
                       ("guests/invite", {"email": "friend@brand.test", "client_ids": world.ids["a2_id"], "locale": "en"}),
                       (f"guests/{world.ids['guest_membership_id']}/clients", {"client_ids": world.ids["a2_id"]}),
                       (f"guests/mentions/{world.ids['mention_id']}/share", {"shared": "1"})):
        assert guest.post(f"/a/{world.slug}/{path}", data=form).status_code == 404, path
    assert snapshot(database_url, world.agency_id) == before
