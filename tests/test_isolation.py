"""Tenancy sweeps: every route, every method, another agency's ids and slug answer 404.

A new route fails these tests until its URL parameters are known here: add the
parameter to OBJECT_PARAMS (with the object the factory creates) or the route to
PLATFORM_ENDPOINTS (routes outside a workspace, each tested on its own).
"""
import re
import sqlite3
from contextlib import closing

import psycopg
import pytest

from saas import db as dbmodule
from tests.conftest import login
from tests.factories import give_logo, populate

# URL parameter -> key in Populated.ids (an object of that kind in each agency)
OBJECT_PARAMS = {"client_id": "client_id", "membership_id": "membership_id", "invitation_id": "invitation_id",
                 "card_id": "card_id", "column_id": "column_id", "label_id": "label_id", "comment_id": "comment_id",
                 "item_id": "item_id", "link_id": "link_id", "notification_id": "notification_id",
                 "keyword_id": "keyword_id", "mention_id": "mention_id", "source_id": "source_id",
                 "rule_id": "rule_id", "crisis_id": "crisis_id", "alert_id": "alert_id", "delivery_id": "delivery_id",
                 "guest_id": "guest_membership_id", "guest_invitation_id": "guest_invitation_id",
                 "token_id": "token_id", "endpoint_id": "endpoint_id", "webhook_delivery_id": "webhook_delivery_id",
                 "contact_id": "contact_id", "list_id": "list_id", "import_id": "import_id",
                 "release_id": "release_id", "send_id": "send_id", "report_id": "report_id",
                 "schedule_id": "schedule_id", "coverage_id": "coverage_id", "review_id": "review_id",
                 "reply_id": "reply_id", "competitor_id": "competitor_id"}
PLATFORM_ENDPOINTS = {
    "static", "auth.index", "auth.signup", "auth.login", "auth.logout", "auth.forgot_password",
    "auth.reset_password", "auth.accept_invitation", "auth.account", "auth.agencies",
    "auth.end_one_session", "auth.end_other_sessions",  # a person's own sessions: tests/test_sessions.py
    "auth.login_code", "auth.two_factor_setup", "auth.two_factor_disable",  # a person's own second factor:
    "auth.two_factor_recovery_codes",  # tests/test_two_factor.py
    "auth.passkey_registration_options", "auth.passkey_add", "auth.passkey_remove",  # a person's own passkeys and
    "auth.passkey_sign_in_options", "auth.passkey_sign_in", "auth.passkey_second_factor_options",  # sign-in steps:
    "auth.passkey_second_factor",  # tests/test_passkeys_browser.py
    "auth.confirm_email", "auth.resend_confirmation", "auth.change_email",  # tests/test_email_change.py
    "gdpr.download_my_data", "gdpr.delete_account",  # a person's own data and account: tests/test_gdpr.py
    "health.healthz", "i18n.set_language", "billing.webhook",
    "health.pipeline",  # counts and ids only, loopback or STATUS_TOKEN: tests/test_pipeline_status.py
    "api-docs.openapi_json", "api_docs.docs",  # the API's public description (tests/test_api.py)
    "press_public.unsubscribe",  # a signed token, no session: tests/test_press_contacts.py
    "newsroom.page", "newsroom.release", "newsroom.feed",  # public once on: tests/test_press_newsroom.py
}
NOTHING_YET = {"agency_data.download_export"}  # no export made yet: 410 (tests/test_gdpr.py downloads one)
API_PREFIX = "/api/v1/"  # token-authenticated routes: swept below with a bearer token instead of a slug
MUTATING_JSON = {"title": "Pirate", "column_id": 1, "after_id": 0, "status": "archived", "sentiment": "negative",
                 "body": "Pirate", "tags": ["Pirate"]}
MUTATING_FORM = {"name": "Pirate", "email": "pirate@evil.test", "role": "owner", "pole": "rp",
                 "sector": "x", "color": "#000000", "confirm_name": "", "q": "", "tag": "Pirate"}


def workspace_rules(app):
    """Every rule under /a/<agency_slug>/, with the methods it accepts."""
    rules = []
    for rule in app.url_map.iter_rules():
        if "agency_slug" in rule.arguments:
            rules.append(rule)
        elif not is_api(rule):
            assert rule.endpoint in PLATFORM_ENDPOINTS, f"route {rule.rule} ({rule.endpoint}) is not covered by the sweep"
    return rules


def is_api(rule):
    """A route of the REST API (authenticated by a bearer token, scoped to the token's agency)."""
    return rule.rule.startswith(API_PREFIX) and rule.endpoint not in PLATFORM_ENDPOINTS


def api_rules(app):
    """Every rule of the REST API."""
    return [rule for rule in app.url_map.iter_rules() if is_api(rule)]


def bearer(populated):
    """The Authorization header of an agency's API token."""
    return {"Authorization": f"Bearer {populated.ids['api_token']}"}


def methods(rule):
    """The methods of a rule a client can send."""
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def build(rule, slug, ids):
    """Fill a rule's URL with a slug and object ids."""
    values = {"agency_slug": slug}
    for arg in rule.arguments - {"agency_slug"}:
        assert arg in OBJECT_PARAMS, f"URL parameter <{arg}> of {rule.rule} is unknown to the isolation sweep"
        values[arg] = ids[OBJECT_PARAMS[arg]]
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def snapshot(database_url, agency_id):
    """Every row of every tenant table that belongs to one agency, and the agency's own row (its settings, its logo)."""
    rows = {}
    sqlite = database_url.startswith("sqlite:")
    connect = (lambda: sqlite3.connect(database_url.removeprefix("sqlite:///"))) if sqlite else (
        lambda: psycopg.connect(database_url))
    with closing(connect()) as conn:
        for table in sorted(dbmodule.Base.metadata.tables):
            if "agency_id" in dbmodule.Base.metadata.tables[table].c:
                query = f"SELECT * FROM {table} WHERE agency_id = {'?' if sqlite else '%s'} ORDER BY id"
                rows[table] = conn.execute(query, (agency_id,)).fetchall()
        rows["agencies"] = conn.execute(f"SELECT * FROM agencies WHERE id = {'?' if sqlite else '%s'}", (agency_id,)).fetchall()
    return rows


@pytest.fixture
def two_agencies(app, make_agency):
    """Agencies A and B, each with data and a logo."""
    a = populate(app, make_agency("Agence Alpha"), "Alpha")
    b = populate(app, make_agency("Agence Beta"), "Beta")
    for each in (a, b):
        give_logo(app, each.agency.id)
    return a, b


def test_every_route_is_known_to_the_sweep(app):
    for rule in workspace_rules(app) + api_rules(app):
        build(rule, "x", {key: 1 for key in OBJECT_PARAMS.values()})
    assert api_rules(app)


def test_api_other_agency_ids_answer_404_and_change_nothing(app, client, two_agencies, database_url):
    a, b = two_agencies
    before = snapshot(database_url, b.agency.id)
    checked = 0
    for rule in api_rules(app):
        if not rule.arguments:
            continue
        url = build(rule, "", b.ids)
        for method in methods(rule):
            response = client.open(url, method=method, json=MUTATING_JSON, headers=bearer(a))
            assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
            assert response.mimetype == "application/problem+json"
            assert b.client_name not in response.get_data(as_text=True)
            checked += 1
    response = client.get(f"/api/v1/mentions/?client={b.ids['client_id']}", headers=bearer(a))
    assert response.status_code == 404
    assert checked > 5
    assert snapshot(database_url, b.agency.id) == before


def test_api_needs_a_token_and_a_session_cookie_is_not_one(app, client, two_agencies):
    a, _ = two_agencies
    login(client, a.agency.owner_email)  # a signed-in browser: its cookies must not authenticate the API
    for rule in api_rules(app):
        url = build(rule, "", a.ids)
        for method in methods(rule):
            response = client.open(url, method=method, json=MUTATING_JSON)
            assert response.status_code == 401, f"{method} {url} answered {response.status_code}"
            assert a.client_name not in response.get_data(as_text=True)


def test_api_own_ids_work_so_the_404s_above_mean_isolation(app, client, two_agencies):
    a, _ = two_agencies
    for rule in api_rules(app):
        if "GET" in rule.methods:
            url = build(rule, "", a.ids)
            assert client.get(url, headers=bearer(a)).status_code == 200, url


def test_other_agency_ids_answer_404_and_change_nothing(app, client, two_agencies, database_url):
    a, b = two_agencies
    login(client, a.agency.owner_email)
    before = snapshot(database_url, b.agency.id)
    checked = 0
    for rule in workspace_rules(app):
        if not (rule.arguments - {"agency_slug"}):
            continue
        url = build(rule, a.agency.slug, b.ids)
        for method in methods(rule):
            response = client.open(url, method=method, data=MUTATING_FORM)
            assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
            assert b.client_name not in response.get_data(as_text=True)
            checked += 1
    assert checked > 5
    assert snapshot(database_url, b.agency.id) == before


def test_other_agency_slug_answers_404_and_changes_nothing(app, client, two_agencies, database_url):
    a, b = two_agencies
    login(client, a.agency.owner_email)
    before = snapshot(database_url, b.agency.id)
    for rule in workspace_rules(app):
        for ids in (a.ids, b.ids):
            url = build(rule, b.agency.slug, ids)
            for method in methods(rule):
                response = client.open(url, method=method, data=MUTATING_FORM)
                assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
                body = response.get_data(as_text=True)
                assert b.client_name not in body and "Agence Beta" not in body
    assert snapshot(database_url, b.agency.id) == before


def test_unknown_agency_slug_is_404(client, two_agencies):
    a, _ = two_agencies
    login(client, a.agency.owner_email)
    assert client.get("/a/no-such-agency/").status_code == 404


def test_every_workspace_route_requires_login(app, client, two_agencies):
    a, _ = two_agencies
    for rule in workspace_rules(app):
        url = build(rule, a.agency.slug, a.ids)
        for method in methods(rule):
            response = client.open(url, method=method, data=MUTATING_FORM)
            assert response.status_code == 302, f"{method} {url} answered {response.status_code}"
            assert response.location.startswith("/login")
            assert a.client_name not in response.get_data(as_text=True)


def test_own_ids_work_so_the_404s_above_mean_isolation(app, client, two_agencies):
    a, _ = two_agencies
    login(client, a.agency.owner_email)
    for rule in workspace_rules(app):
        if "GET" in rule.methods:
            url = build(rule, a.agency.slug, a.ids)
            gone = (410,) if rule.endpoint in NOTHING_YET else ()
            assert client.get(url).status_code in (200, 204, 286, *gone), url
