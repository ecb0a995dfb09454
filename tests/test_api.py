"""The REST API and its tokens: created once and hashed, scopes, expiry, revocation, problems, rate limit, docs."""
import hashlib
import re
from datetime import timedelta

from sqlalchemy import select

from saas import db, tenancy
from saas.audit.models import AuditEvent
from saas.db import utcnow
from tenants.api.models import ApiToken
from tests.conftest import login
from tests.factories import populate
from tests.fake_stripe import billing_on, fake_stripe  # noqa: F401  (fixtures)
from tests.test_billing import set_subscription

SECRET_RE = re.compile(r"rls_\d+_[A-Za-z0-9_-]{43}")


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def make_token(app, agency, scope="read", client_id=None, days=0):
    from tenants.api import tokens

    with app.app_context(), tenancy.agency_scope(agency.id):
        row, secret = tokens.create_token(agency.id, f"t-{scope}", scope, client_id, days, None)
        db.commit()
        return row.id, secret


def test_owner_creates_a_token_shown_once_and_stored_hashed(app, client, make_agency):
    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    login(client, data.agency.owner_email)
    assert f"/a/{data.agency.slug}/api-tokens/" in client.get(f"/a/{data.agency.slug}/members/").get_data(as_text=True)
    page = client.post(f"/a/{data.agency.slug}/api-tokens/", data={
        "name": "Looker", "scope": "read", "client": str(data.ids["client_id"]), "expiry": "30"})
    assert page.status_code == 200
    secret = SECRET_RE.search(page.get_data(as_text=True)).group(0)
    listing = client.get(f"/a/{data.agency.slug}/api-tokens/").get_data(as_text=True)
    assert "Looker" in listing and secret not in listing
    with app.app_context(), tenancy.agency_scope(data.agency.id):
        row = db.session.scalar(select(ApiToken).where(ApiToken.name == "Looker"))
        assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert row.client_id == data.ids["client_id"] and row.scope == "read"
        assert timedelta(days=29) < row.expires_at - utcnow() <= timedelta(days=30)
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert "api_token_created" in actions
    answer = client.get("/api/v1/clients/", headers=bearer(secret))
    assert answer.status_code == 200 and [c["id"] for c in answer.json] == [data.ids["client_id"]]
    with app.app_context(), tenancy.agency_scope(data.agency.id):
        assert db.session.get(ApiToken, row.id).last_used_at is not None


def test_bad_token_form_is_refused(app, client, make_agency):
    agency = make_agency("Agence Alpha")
    login(client, agency.owner_email)
    page = client.post(f"/a/{agency.slug}/api-tokens/", data={"name": "", "scope": "admin", "client": "99",
                                                               "expiry": "7"})
    assert page.status_code == 422
    assert not SECRET_RE.search(page.get_data(as_text=True))


def test_members_cannot_manage_tokens(app, client, make_agency, make_member):
    agency = make_agency("Agence Alpha")
    login(client, make_member(agency, "m@alpha.test"))
    assert client.get(f"/a/{agency.slug}/api-tokens/").status_code == 403


def test_revoked_and_expired_tokens_answer_401(app, client, make_agency):
    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    token = data.ids["api_token"]
    assert client.get("/api/v1/clients/", headers=bearer(token)).status_code == 200
    login(client, data.agency.owner_email)
    assert client.post(f"/a/{data.agency.slug}/api-tokens/{data.ids['token_id']}/revoke").status_code == 302
    refused = client.get("/api/v1/clients/", headers=bearer(token))
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    assert refused.json["status"] == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    row_id, expired = make_token(app, data.agency, days=30)
    with app.app_context(), tenancy.agency_scope(data.agency.id):
        db.session.get(ApiToken, row_id).expires_at = utcnow() - timedelta(seconds=1)
        db.commit()
        assert "api_token_revoked" in db.session.scalars(select(AuditEvent.action)).all()
    assert client.get("/api/v1/clients/", headers=bearer(expired)).status_code == 401
    for forged in ("rls_1_" + "a" * 43, "rls_99999999999_x", "nonsense", token[:-1] + "A"):
        assert client.get("/api/v1/clients/", headers=bearer(forged)).status_code == 401


def test_read_token_cannot_write_and_client_token_sees_one_client(app, client, make_agency):
    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    _, read = make_token(app, data.agency, "read")
    cid = data.ids["client_id"]
    refused = client.post(f"/api/v1/clients/{cid}/cards", json={"title": "x"}, headers=bearer(read))
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert client.patch(f"/api/v1/mentions/{data.ids['mention_id']}", json={"status": "read"},
                        headers=bearer(read)).status_code == 403
    from tenants.clients.models import Client

    with app.app_context(), tenancy.agency_scope(data.agency.id):
        other = Client(name="Autre marque")
        db.session.add(other)
        db.commit()
        other_id = other.id
    _, scoped = make_token(app, data.agency, "write", client_id=other_id)
    assert [c["id"] for c in client.get("/api/v1/clients/", headers=bearer(scoped)).json] == [other_id]
    for url in (f"/api/v1/clients/{cid}", f"/api/v1/clients/{cid}/keywords", f"/api/v1/clients/{cid}/board",
                f"/api/v1/mentions/{data.ids['mention_id']}", f"/api/v1/mentions/?client={cid}"):
        assert client.get(url, headers=bearer(scoped)).status_code == 404, url
    assert client.get("/api/v1/mentions/", headers=bearer(scoped)).json["items"] == []


def test_read_and_write_through_the_api(app, client, make_agency):
    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    headers, cid = bearer(data.ids["api_token"]), data.ids["client_id"]
    assert client.get(f"/api/v1/clients/{cid}/keywords", headers=headers).json[0]["query"] == "Alpha brand"
    page = client.get(f"/api/v1/mentions/?client={cid}&status=new&sentiment=neutral&q=Client", headers=headers)
    assert [m["id"] for m in page.json["items"]] == [data.ids["mention_id"]] and page.json["next_cursor"] is None
    assert page.headers["RateLimit-Limit"] and page.headers["RateLimit-Remaining"]
    changed = client.patch(f"/api/v1/mentions/{data.ids['mention_id']}", json={"status": "read", "sentiment": "negative"},
                           headers=headers)
    assert changed.status_code == 200 and changed.json["status"] == "read" and changed.json["sentiment"] == "negative"
    board = client.get(f"/api/v1/clients/{cid}/board", headers=headers).json
    done = board["columns"][-1]["id"]
    card = client.post(f"/api/v1/clients/{cid}/cards", json={"title": "Communiqué"}, headers=headers)
    assert card.status_code == 201 and card.json["column_id"] == board["columns"][0]["id"]
    assert card.json["pole"] == "both"  # planned by both poles unless said
    press = client.post(f"/api/v1/clients/{cid}/cards", json={"title": "Relance journalistes", "pole": "rp"},
                        headers=headers)
    assert press.status_code == 201 and press.json["pole"] == "rp"
    wrong = client.post(f"/api/v1/clients/{cid}/cards", json={"title": "x", "pole": "sales"}, headers=headers)
    assert wrong.status_code == 422 and "pole" in wrong.json["errors"]["json"]
    moved = client.post(f"/api/v1/clients/{cid}/cards/{card.json['id']}/move", json={"column_id": done, "after_id": 0},
                        headers=headers)
    assert moved.status_code == 200 and moved.json["column_id"] == done and moved.json["position"] == 0
    invalid = client.post(f"/api/v1/clients/{cid}/cards", json={"title": ""}, headers=headers)
    assert invalid.status_code == 422 and invalid.mimetype == "application/problem+json" and invalid.json["errors"]
    bad = client.get("/api/v1/mentions/?from=2026-02-30", headers=headers)
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    assert client.get("/api/v1/mentions/?after=!!!", headers=headers).status_code == 400
    assert client.get("/api/v1/nothing", headers=headers).mimetype == "application/problem+json"


def test_rate_limit_per_token(app, client, make_agency):
    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    app.config["API_RATE_LIMIT"] = "2 per minute"
    try:
        headers = bearer(data.ids["api_token"])
        assert client.get("/api/v1/clients/", headers=headers).headers["RateLimit-Remaining"] == "1"
        client.get("/api/v1/clients/", headers=headers)
        refused = client.get("/api/v1/clients/", headers=headers)
        assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
        _, other = make_token(app, data.agency)
        assert client.get("/api/v1/clients/", headers=bearer(other)).status_code == 200  # its own counter
    finally:
        app.config["API_RATE_LIMIT"] = "300 per minute"


def test_openapi_document_and_docs_page(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"] == "3.1.0"
    assert {"/api/v1/clients/", "/api/v1/mentions/", "/api/v1/mentions/{mention_id}"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "/api/v1/mentions/" in page.get_data(as_text=True)


def test_read_only_workspace_refuses_api_writes_but_reads_work(app, client, billing_on, make_agency):
    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    set_subscription(app, data.agency, trial_ends_at=utcnow() - timedelta(minutes=1))
    headers, cid = bearer(data.ids["api_token"]), data.ids["client_id"]
    refused = client.post(f"/api/v1/clients/{cid}/cards", json={"title": "x"}, headers=headers)
    assert refused.status_code == 402 and refused.mimetype == "application/problem+json"
    assert client.get(f"/api/v1/clients/{cid}", headers=headers).status_code == 200


def test_writes_need_no_csrf_token_and_nul_bytes_are_refused(app, client, make_agency):
    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    headers, cid = bearer(data.ids["api_token"]), data.ids["client_id"]
    created = client.post(f"/api/v1/clients/{cid}/cards", json={"title": "Sans CSRF"}, headers=headers, csrf=False)
    assert created.status_code == 201 and "Set-Cookie" not in created.headers
    for title in ("a\x00b", "   "):
        refused = client.post(f"/api/v1/clients/{cid}/cards", json={"title": title}, headers=headers, csrf=False)
        assert refused.status_code == 422 and refused.mimetype == "application/problem+json", title


def test_comments_crises_and_alerts_through_the_api(app, client, make_agency):
    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    headers, cid, card_id = bearer(data.ids["api_token"]), data.ids["client_id"], data.ids["card_id"]
    url = f"/api/v1/clients/{cid}/cards/{card_id}/comments"
    before = client.get(url, headers=headers).json
    made = client.post(url, json={"body": "Relu par le client, on publie jeudi.", "visibility": "client"},
                       headers=headers)
    assert made.status_code == 201 and made.json["visibility"] == "client" and made.json["card_id"] == card_id
    after = client.get(url, headers=headers).json
    assert [c["id"] for c in after] == [c["id"] for c in before] + [made.json["id"]]
    assert client.post(url, json={"body": "  "}, headers=headers).status_code == 422
    assert client.post(url, json={"body": "x", "visibility": "public"}, headers=headers).status_code == 422

    crises = client.get(f"/api/v1/crises/?client={cid}", headers=headers)
    assert crises.status_code == 200 and [c["id"] for c in crises.json] == [data.ids["crisis_id"]]
    detail = client.get(f"/api/v1/crises/{data.ids['crisis_id']}", headers=headers).json
    assert detail["client_id"] == cid and data.ids["alert_id"] in [a["id"] for a in detail["alerts"]]
    assert client.get("/api/v1/crises/?status=closed", headers=headers).json == []
    assert client.get("/api/v1/crises/?status=maybe", headers=headers).status_code == 400
    alerts = client.get(f"/api/v1/alerts/?client={cid}&kind=crisis", headers=headers).json
    assert data.ids["alert_id"] in [a["id"] for a in alerts] and all(a["client_id"] == cid for a in alerts)
    assert client.get("/api/v1/alerts/?kind=buzz", headers=headers).json == []


def test_a_token_of_one_client_sees_only_that_clients_crises(app, client, make_agency):
    from tenants.clients.service import create_client

    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    with app.app_context(), tenancy.agency_scope(data.agency.id):
        other = create_client({"name": "Autre marque"}).id
        db.commit()
    _row, secret = make_token(app, data.agency, "read", other)
    headers = bearer(secret)
    assert client.get("/api/v1/crises/", headers=headers).json == []
    assert client.get(f"/api/v1/crises/{data.ids['crisis_id']}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/crises/?client={data.ids['client_id']}", headers=headers).status_code == 404
    assert client.get("/api/v1/alerts/", headers=headers).json == []
    comments = f"/api/v1/clients/{data.ids['client_id']}/cards/{data.ids['card_id']}/comments"
    assert client.get(comments, headers=headers).status_code == 404
