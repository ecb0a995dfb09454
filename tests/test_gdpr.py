"""Data rights (issue 21): one's data as a zip, the agency's export by a job, deleting an account or an agency."""
import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from saas import db, tenancy
from saas.audit.models import AuditEvent
from saas.auth.models import Agency, Membership, User, UserSession
from saas.db import utcnow
from saas.gdpr import data, deletion, jobs
from tests.conftest import PASSWORD, login, run_worker
from tests.factories import give_logo, populate
from tests.fake_stripe import billing_on, fake_stripe  # noqa: F401  (fixtures)

EN = {"Accept-Language": "en"}
SECRET_LOOKING = re.compile(r"secret|token|hash|password|nonce|recovery")
ALLOWED = {("webhook_endpoints", "previous_secret_until")}  # a moment, not a secret


@pytest.fixture
def two_agencies(app, make_agency):
    a = populate(app, make_agency("Agence Alpha"), "Alpha")
    b = populate(app, make_agency("Agence Beta"), "Beta")
    return a, b


@pytest.fixture(autouse=True)
def export_dir(app, tmp_path):
    previous = app.config["EXPORT_DIR"]
    app.config["EXPORT_DIR"] = str(tmp_path / "exports")
    yield tmp_path / "exports"
    app.config["EXPORT_DIR"] = previous


def web_for(app, email):
    client = app.test_client()
    login(client, email)
    return client


def owner_email(populated):
    return f"owner@{populated.agency.slug}.test"


def read_zip(body):
    archive = zipfile.ZipFile(io.BytesIO(body))
    return {name: archive.read(name) for name in archive.namelist()}


def audit_actions(app, agency_id):
    with app.app_context(), tenancy.agency_scope(agency_id):
        return [e.action for e in db.session.scalars(select(AuditEvent))]


def test_deny_list_names_every_column_that_looks_like_a_secret(app):
    """A new column named like a secret fails here until DENIED_COLUMNS lists it (or ALLOWED says why not)."""
    found = {(t.name, c.name) for t in db.Base.metadata.sorted_tables for c in t.c if SECRET_LOOKING.search(c.name)}
    missing = {pair for pair in found - ALLOWED if pair[1] not in data.DENIED_COLUMNS}
    assert not missing, f"columns to add to saas.gdpr.data.DENIED_COLUMNS: {sorted(missing)}"
    assert {"password_hash", "totp_secret", "token_hash", "secret", "mastodon_token", "secret_hash"} <= data.DENIED_COLUMNS


def test_my_data_zip_holds_my_data_only(app, two_agencies):
    a, b = two_agencies
    web = web_for(app, owner_email(a))
    page = web.get("/account", headers=EN).get_data(as_text=True)
    assert "Download my data" in page and "data-confirm" in page
    response = web.post("/account/data", headers=EN)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    files = read_zip(response.get_data())
    account = json.loads(files["account.json"])
    assert account["email"] == owner_email(a) and "password_hash" not in account
    assert [m["agency"] for m in json.loads(files["memberships.json"])] == ["Agence Alpha"]
    assert json.loads(files["sessions.json"])[0]["ip"] == "127.0.0.1"
    assert json.loads(files["two_factor.json"]) == {"totp_enabled": False, "totp_enabled_at": None,
                                                    "recovery_codes_left": 0}
    assert json.loads(files["passkeys.json"]) == []
    slug = a.agency.slug
    cards = json.loads(files[f"agencies/{slug}/board_cards.json"])
    assert sorted(c["title"] for c in cards) == ["Alpha Launch card", "Alpha launch"]  # the second: a press release's card
    assert "Alpha comment" in files[f"agencies/{slug}/card_comments.json"].decode()
    assert f"agencies/{slug}/notifications.json" in files  # the owner was notified by the populated member
    everything = b"".join(files.values()).decode()
    assert "Beta" not in everything and "password_hash" not in everything and "token_hash" not in everything
    assert "personal_data_downloaded" in audit_actions(app, a.agency.id)


def test_agency_export_job_holds_the_agency_and_no_other(app, two_agencies):
    a, b = two_agencies
    give_logo(app, a.agency.id)
    web = web_for(app, owner_email(a))
    assert web.get(f"/a/{a.agency.slug}/members/", headers=EN).get_data(as_text=True).count("agency-data")
    started = web.post(f"/a/{a.agency.slug}/data/export", headers={**EN, "HX-Request": "true"})
    assert started.status_code == 200 and "export-progress" in started.get_data(as_text=True)
    run_worker(app, "default")
    progress = web.get(f"/a/{a.agency.slug}/data/export/progress", headers=EN)
    assert progress.status_code == 286 and "Download the export" in progress.get_data(as_text=True)
    download = web.get(f"/a/{a.agency.slug}/data/export/download")
    assert download.status_code == 200
    files = read_zip(download.get_data())
    with app.app_context():
        tables = set(tenancy.tenant_tables(db.Base.metadata))
    assert {f"tables/{name}.json" for name in tables} <= set(files)
    assert {f"tables/{name}.csv" for name in tables} <= set(files)
    for name in tables:
        rows = json.loads(files[f"tables/{name}.json"])
        assert all(row["agency_id"] == a.agency.id for row in rows), name
        assert not any(column in row for row in rows for column in data.DENIED_COLUMNS), name
    assert "Alpha Client" in files["tables/clients.json"].decode()
    assert files["logo.png"].startswith(b"\x89PNG\r\n\x1a\n")  # the agency's logo, as kept
    assert json.loads(files["tables/board_cards.json"])[0]["title"] == "Alpha Launch card"
    assert json.loads(files["tables/api_tokens.json"]) and "rls_" not in files["tables/api_tokens.json"].decode()
    everything = b"".join(files.values()).decode("utf-8", "replace")
    assert "Beta" not in everything and f"@{b.agency.slug}.test" not in everything
    assert "agency_exported" in audit_actions(app, a.agency.id)
    # A member who is not an owner cannot start, follow or download it.
    member = web_for(app, f"member@{a.agency.slug}.test")
    assert member.get(f"/a/{a.agency.slug}/data/export/download").status_code == 403


def test_export_link_expires_and_files_are_purged(app, two_agencies, export_dir):
    a, _ = two_agencies
    with app.app_context():
        jobs.export_agency(agency_id=a.agency.id)
        assert jobs.current_export(a.agency.id) is not None
        app.config["EXPORT_LINK_HOURS"] = 0
        try:
            assert jobs.current_export(a.agency.id) is None
            assert jobs.purge_old_exports() == 1
        finally:
            app.config["EXPORT_LINK_HOURS"] = 24
    web = web_for(app, owner_email(a))
    assert web.get(f"/a/{a.agency.slug}/data/export/download", headers=EN).status_code == 410


def test_sole_owner_cannot_delete_their_account(app, two_agencies):
    a, _ = two_agencies
    web = web_for(app, owner_email(a))
    wrong = web.post("/account/delete", data={"delete_password": "nope"}, headers=EN)
    assert wrong.status_code == 422 and "current password is not right" in wrong.get_data(as_text=True)
    refused = web.post("/account/delete", data={"delete_password": PASSWORD}, headers=EN)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "only owner of Agence Alpha" in page and "make another member an owner, or delete the agency" in page
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == owner_email(a))) is not None
    # The way out the page names works: once the agency is deleted (waiting for its purge), the account can go.
    assert web.post(f"/a/{a.agency.slug}/data/delete", data={"confirm_agency_name": "Agence Alpha",
                                                            "delete_password": PASSWORD}).status_code == 302
    assert web.post("/account/delete", data={"delete_password": PASSWORD}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == owner_email(a))) is None


def test_deleting_an_account_erases_the_person_and_keeps_their_cards(app, two_agencies, make_member):
    a, b = two_agencies
    # The owner of Alpha wrote the card and the comment; a second owner lets them leave.
    make_member(a.agency, "second@alpha.test", role="owner")
    web = web_for(app, owner_email(a))
    response = web.post("/account/delete", data={"delete_password": PASSWORD}, headers=EN)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert web.get("/account").status_code == 302  # signed out
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == owner_email(a))) is None
        assert db.session.scalar(select(func.count()).select_from(UserSession)
                                 .where(UserSession.user_id == a.agency.owner_id)) == 0
        with tenancy.agency_scope(a.agency.id):
            from tenants.boards.models import BoardCard, CardComment

            assert db.session.scalar(select(func.count()).select_from(Membership)
                                     .where(Membership.user_id == a.agency.owner_id)) == 0
            card = db.session.get(BoardCard, a.ids["card_id"])
            comment = db.session.get(CardComment, a.ids["comment_id"])
            assert card.created_by_id is None and comment.author_id is None and comment.body == "Alpha comment"
            entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account_deleted"))
            assert entry.actor_email == owner_email(a)
    assert "account_deleted" not in audit_actions(app, b.agency.id)


def test_deleting_an_agency_then_restoring_it_then_purging_it(app, two_agencies, mailbox):
    a, b = two_agencies
    slug = a.agency.slug
    web = web_for(app, owner_email(a))
    team = web.get(f"/a/{slug}/members/", headers=EN).get_data(as_text=True)
    assert 'data-testid="agency-delete"' in team
    wrong = web.post(f"/a/{slug}/data/delete", data={"confirm_agency_name": "Agence", "delete_password": PASSWORD},
                     headers=EN)
    assert wrong.status_code == 422 and "exactly as shown" in wrong.get_data(as_text=True)
    assert 'value="Agence"' in wrong.get_data(as_text=True)  # what was typed is kept
    bad_password = web.post(f"/a/{slug}/data/delete",
                            data={"confirm_agency_name": "Agence Alpha", "delete_password": "x"}, headers=EN)
    assert bad_password.status_code == 422
    member = web_for(app, f"member@{slug}.test")
    assert member.post(f"/a/{slug}/data/delete", data={"confirm_agency_name": "Agence Alpha",
                                                       "delete_password": PASSWORD}).status_code == 403
    done = web.post(f"/a/{slug}/data/delete", data={"confirm_agency_name": "Agence Alpha", "delete_password": PASSWORD},
                    headers=EN)
    assert done.status_code == 302
    with app.app_context():
        agency = db.session.get(Agency, a.agency.id)
        assert agency.purge_after > utcnow() + timedelta(days=29)
    home = web.get(f"/a/{slug}/members/", headers=EN).get_data(as_text=True)
    assert 'data-testid="deletion-banner"' in home and "will be purged on" in home and "Restore" in home
    refused = web.post(f"/a/{slug}/members/settings", data={"timezone": "Europe/Paris"}, headers=EN)
    assert refused.status_code == 402 and "being deleted" in refused.get_data(as_text=True)
    run_worker(app, "mail")
    told = {m["To"] for m in mailbox.messages}
    assert {owner_email(a), f"member@{slug}.test"} <= told
    assert "agency_deletion_requested" in audit_actions(app, a.agency.id)

    assert web.post(f"/a/{slug}/data/restore", headers=EN).status_code == 302
    with app.app_context():
        assert db.session.get(Agency, a.agency.id).purge_after is None
    assert web.post(f"/a/{slug}/members/settings", data={"timezone": "Europe/Paris"}).status_code == 302

    web.post(f"/a/{slug}/data/delete", data={"confirm_agency_name": "Agence Alpha", "delete_password": PASSWORD})
    with app.app_context():
        before_a, before_b = deletion.count_rows(a.agency.id), deletion.count_rows(b.agency.id)
        assert sum(1 for n in before_a.values() if n) >= 15  # the populated agency fills most tables
        assert jobs.purge_deleted_agencies() == 0  # not yet due
        db.session.get(Agency, a.agency.id).purge_after = utcnow() - timedelta(minutes=1)
        db.commit()
        assert jobs.purge_deleted_agencies() == 1
        after_a, after_b = deletion.count_rows(a.agency.id), deletion.count_rows(b.agency.id)
        assert set(after_a.values()) == {0}, {k: v for k, v in after_a.items() if v}
        assert after_b == before_b
        assert db.session.get(Agency, a.agency.id) is None
    assert web.get(f"/a/{slug}/members/").status_code == 404


def test_deleting_a_paying_agency_cancels_its_stripe_subscription(app, billing_on, make_agency):
    from tests.test_billing import paying_agency

    agency, _customer, sub = paying_agency(app, billing_on, make_agency)
    web = web_for(app, agency.owner_email)
    response = web.post(f"/a/{agency.slug}/data/delete",
                        data={"confirm_agency_name": agency.name, "delete_password": PASSWORD}, headers=EN)
    assert response.status_code == 302
    assert [call["path"] for call in billing_on.calls("DELETE", "/v1/subscriptions/")] == [f"/v1/subscriptions/{sub['id']}"]
    assert billing_on.subscriptions[sub["id"]]["status"] == "canceled"
    # Billing's read-only state (a cancelled subscription) does not stop an owner from restoring the agency.
    assert web.post(f"/a/{agency.slug}/data/restore").status_code == 302
    with app.app_context():
        assert db.session.get(Agency, agency.id).purge_after is None


def test_password_guesses_on_the_deletion_forms_are_limited(app, two_agencies):
    a, _ = two_agencies
    web = web_for(app, owner_email(a))
    statuses = [web.post("/account/delete", data={"delete_password": "guess"}).status_code for _ in range(11)]
    assert statuses == [422] * 10 + [429]
    statuses = [web.post(f"/a/{a.agency.slug}/data/delete", data={"confirm_agency_name": "Agence Alpha",
                                                                   "delete_password": "guess"}).status_code
                for _ in range(11)]
    assert statuses == [422] * 10 + [429]
