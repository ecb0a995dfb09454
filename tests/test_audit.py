"""The agency's audit log: what it records, who sees it, filters and exports, and what the app may not do to it."""
import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from saas import db, tenancy
from saas.audit import service as audit
from saas.audit.models import AuditEvent
from saas.db import utcnow
from tests import services
from tests.conftest import CSRF_RE, login
from tests.local_server import allow_local  # noqa: F401  (fixture)

EN = {"Accept-Language": "en"}
BROWSER = {"User-Agent": "Mozilla/5.0 (Macintosh) Firefox/140.0", **EN}


def entries(app, agency_id, action=None):
    with app.app_context(), tenancy.agency_scope(agency_id):
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return db.session.scalars(query).all()


def csrf(client, path):
    return CSRF_RE.search(client.get(path, headers=EN).get_data(as_text=True)).group(1)


@pytest.fixture
def agency(make_agency):
    return make_agency("Agence Lumière")


def test_sign_ins_and_failures_are_logged_with_address_and_browser(app, client, agency, make_agency):
    other = make_agency("Autre Agence", email=agency.owner_email)  # the owner belongs to two agencies
    response = client.post("/login", data={"email": agency.owner_email, "password": "wrong password"},
                           headers=BROWSER, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 401
    failed = entries(app, agency.id, "sign_in_failed")  # written apart: the 401 rolled the request back
    assert len(failed) == 1 and failed[0].actor_email == agency.owner_email
    assert failed[0].ip == "203.0.113.9" and "Firefox/140.0" in failed[0].user_agent
    assert len(entries(app, other.id, "sign_in_failed")) == 1
    client.post("/login", data={"email": "nobody@example.test", "password": "x"}, headers=BROWSER)
    assert len(entries(app, agency.id, "sign_in_failed")) == 1  # an unknown address belongs to no agency
    response = client.post("/login", data={"email": agency.owner_email, "password": agency.password},
                           headers=BROWSER)
    assert response.status_code == 302
    assert [e.action for e in entries(app, agency.id)] == ["sign_in_failed", "sign_in"]
    assert [e.action for e in entries(app, other.id)] == ["sign_in_failed", "sign_in"]


def test_team_changes_are_logged_with_before_and_after(app, client, agency, make_member):
    make_member(agency, "marie@lumiere.test", role="member", pole="cm")
    login(client, agency.owner_email)
    token = csrf(client, f"/a/{agency.slug}/members/")
    from saas.auth.models import Membership
    with app.app_context(), tenancy.agency_scope(agency.id):
        marie = db.session.scalars(select(Membership).where(Membership.role == "member")).one().id
    client.post(f"/a/{agency.slug}/members/invite", data={"csrf_token": token, "email": "paul@lumiere.test",
                                                          "role": "admin"})
    client.post(f"/a/{agency.slug}/members/{marie}/role", data={"csrf_token": token, "role": "admin", "pole": ""})
    client.post(f"/a/{agency.slug}/members/settings", data={"csrf_token": token, "timezone": "America/Montreal"})
    client.post(f"/a/{agency.slug}/members/{marie}/remove", data={"csrf_token": token})
    logged = [(e.action, e.target, e.details) for e in entries(app, agency.id) if e.action != "sign_in"]
    assert logged == [
        ("member_invited", "paul@lumiere.test", {"role": "admin", "pole": "both"}),
        ("role_changed", "marie@lumiere.test", {"from": "member/cm", "to": "admin/both"}),
        ("agency_settings_changed", "Agence Lumière", {"timezone": "Europe/Paris -> America/Montreal"}),
        ("member_removed", "marie@lumiere.test", {"role": "admin"}),
    ]
    assert all(e.actor_email == agency.owner_email for e in entries(app, agency.id))


def test_only_owners_see_the_log_and_filter_it(app, client, agency, make_member):
    make_member(agency, "admin@lumiere.test", role="admin")
    login(client, "admin@lumiere.test")
    assert client.get(f"/a/{agency.slug}/audit/", headers=EN).status_code == 403
    assert client.get(f"/a/{agency.slug}/audit/export.csv", headers=EN).status_code == 403
    assert 'data-testid="audit-link"' not in client.get(f"/a/{agency.slug}/members/", headers=EN).get_data(as_text=True)
    client.post("/login", data={"email": agency.owner_email, "password": "nope"})
    login(client, agency.owner_email)
    team = client.get(f"/a/{agency.slug}/members/", headers=EN).get_data(as_text=True)
    assert 'data-testid="audit-link"' in team
    page = client.get(f"/a/{agency.slug}/audit/", headers=EN).get_data(as_text=True)
    assert "Failed sign-in" in page and "Signed in" in page and "admin@lumiere.test" in page
    failed = client.get(f"/a/{agency.slug}/audit/?action=sign_in_failed", headers=EN).get_data(as_text=True)
    assert failed.count('data-action="sign_in_failed"') == 1 and 'data-action="sign_in"' not in failed
    owner = client.get(f"/a/{agency.slug}/audit/?person={agency.owner_id}", headers=EN).get_data(as_text=True)
    assert "admin@lumiere.test</strong>" not in owner and agency.owner_email in owner
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    assert 'data-action=' not in client.get(f"/a/{agency.slug}/audit/?from={tomorrow}", headers=EN).get_data(
        as_text=True)
    french = client.get(f"/a/{agency.slug}/audit/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Journal d’audit" in french and "Connexion échouée" in french


def test_bad_filters_answer_400_with_a_message(client, agency):
    login(client, agency.owner_email)
    for query, words in (("action=drop_table", "must be one of"), ("from=2026-02-30", "from"),
                         ("from=2026-05-02&to=2026-05-01", "on or after the start date"), ("after=!!!", "not valid"),
                         ("person=99999999999", "person")):
        response = client.get(f"/a/{agency.slug}/audit/?{query}", headers=EN)
        assert response.status_code == 400, query
        assert words in response.get_data(as_text=True), query


def test_pages_of_fifty_go_back_in_time(app, client, agency):
    with app.app_context(), tenancy.agency_scope(agency.id):
        start = utcnow() - timedelta(days=1)
        for n in range(120):
            db.session.add(AuditEvent(action="client_deleted", target=f"Client {n:03d}", details={},
                                      created_at=start + timedelta(minutes=n)))
        db.commit()
    login(client, agency.owner_email)
    seen, url = [], f"/a/{agency.slug}/audit/?action=client_deleted"
    while url:
        page = client.get(url, headers=EN).get_data(as_text=True)
        seen += [line.split("· ")[1].split("<")[0] for line in page.split("\n") if "<span>· Client" in line]
        more = page.split('data-testid="audit-more"')[0].rsplit('href="', 1)[-1].split('"')[0] \
            if 'data-testid="audit-more"' in page else None
        url = more.replace("&amp;", "&") if more else None
    assert seen == [f"Client {n:03d}" for n in reversed(range(120))]


def test_the_export_holds_the_agency_s_entries_defused_and_is_itself_logged(app, client, agency, make_agency):
    other = make_agency("Autre Agence")
    with app.app_context():
        with tenancy.agency_scope(agency.id):
            audit.record("client_deleted", "=HYPERLINK(\"http://evil.test\")")
            db.commit()
        with tenancy.agency_scope(other.id):
            audit.record("client_deleted", "Secret client of another agency")
            db.commit()
    login(client, agency.owner_email)
    body = client.get(f"/a/{agency.slug}/audit/export.csv", headers=EN).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Date", "Person", "Action"]
    targets = [row[3] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://evil.test\")" in targets
    assert not any("another agency" in cell for row in rows for cell in row)
    xlsx = client.get(f"/a/{agency.slug}/audit/export.xlsx", headers=EN)
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert [e.target for e in entries(app, agency.id, "audit_exported")] == ["CSV", "XLSX"]


def test_deletions_exports_and_webhook_changes_of_the_features_are_logged(app, client, agency, allow_local):  # noqa: F811
    from tests.test_crisis import make_client

    client_id, keyword_id = make_client(app, agency.id)
    login(client, agency.owner_email)
    token = csrf(client, f"/a/{agency.slug}/crisis/clients/{client_id}")
    response = client.post(f"/a/{agency.slug}/crisis/clients/{client_id}/rules", data={
        "csrf_token": token, "name": "Veille", "sensitivity": "medium", "min_volume": "5", "cooldown_minutes": "60",
        "channels": "webhook", "webhook_url": "http://127.0.0.1:9/services/T000/SECRET", "webhook_format": "json"})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    client.get(f"/a/{agency.slug}/mentions/export.csv?client={client_id}", headers=EN).get_data()
    actions = {e.action: e for e in entries(app, agency.id)}
    assert actions["webhook_changed"].details == {"from": "—", "to": "127.0.0.1"}
    assert "SECRET" not in str(actions["webhook_changed"].details)
    assert actions["mentions_exported"].target == "CSV" and actions["mentions_exported"].details == {
        "client": str(client_id)}
    response = client.post(f"/a/{agency.slug}/clients/{client_id}/delete",
                           data={"csrf_token": token, "confirm_name": "Danone"})
    assert response.status_code == 302
    assert [e.target for e in entries(app, agency.id, "client_deleted")] == ["Danone"]


@pytest.mark.skipif(services.on_sqlite(), reason="PostgreSQL privileges: SQLite has no roles")
def test_the_app_role_can_neither_change_nor_delete_entries(app, agency):
    with app.app_context(), tenancy.agency_scope(agency.id):
        audit.record("client_deleted", "Danone")
        db.commit()
        for statement in (update(AuditEvent).values(target="Nothing happened"), text("DELETE FROM audit_events"),
                          text("TRUNCATE audit_events")):
            with pytest.raises(DBAPIError, match="permission denied"):
                db.session.execute(statement)
            db.session.rollback()
        with pytest.raises(DBAPIError, match="30 days at least"):
            db.session.execute(text("SELECT relais_purge_audit(1)"))
        db.session.rollback()
        assert [e.target for e in db.session.scalars(select(AuditEvent))] == ["Danone"]


def test_the_daily_purge_removes_entries_past_their_retention_only(app, agency):
    with app.app_context(), tenancy.agency_scope(agency.id):
        now = utcnow()
        for days, target in ((400, "old"), (366, "just past"), (364, "kept"), (0, "today")):
            db.session.add(AuditEvent(action="client_deleted", target=target, details={},
                                      created_at=now - timedelta(days=days)))
        db.commit()
    from saas.audit.service import purge_expired

    with app.app_context():
        assert purge_expired() == 2
    assert [e.target for e in entries(app, agency.id)] == ["kept", "today"]


@pytest.mark.browser
def test_in_a_browser_the_owner_finds_the_log_from_the_team_page_on_a_desktop_and_a_phone(live_server, make_agency,
                                                                                          make_member):
    from tests.browser import chromium, screenshot
    from tests.conftest import PASSWORD

    agency = make_agency()
    make_member(agency, "camille@lumiere.test", role="admin")
    with chromium() as browser:
        for width, height in ((1366, 860), (390, 844)):
            context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
            page = context.new_page()
            page.goto(f"{live_server}/login")
            page.fill("#email", "camille@lumiere.test")
            page.fill("#password", "not the password")
            page.click("button[type=submit]")
            page.fill("#email", agency.owner_email)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server}/a/{agency.slug}/")
            page.goto(f"{live_server}/a/{agency.slug}/members/")
            page.click("[data-testid=audit-link]")
            page.wait_for_url(f"{live_server}/a/{agency.slug}/audit/")
            entries = page.locator(".audit-entry")
            assert entries.count() >= 2
            assert "Connexion échouée" in page.locator("[data-testid=audit-entries]").inner_text()
            page.select_option("#action", "sign_in_failed")
            page.click("[data-testid=audit-filters] button[type=submit]")
            page.wait_for_url("**action=sign_in_failed**")
            assert all(e.get_attribute("data-action") == "sign_in_failed" for e in page.locator(".audit-entry").all())
            assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing wider than the screen
            screenshot(page, f"audit-log-{width}")
            context.close()
