"""Mention tags: added and removed in the inbox (htmx rows), suggested, filtered on, exported; limits and bad input;
through the API: listed, filtered, replaced by PATCH; another agency's mention and read-only tokens refused."""
import csv
import io
import re

from sqlalchemy import select

from saas import db, tenancy
from tenants.monitoring.models import MAX_TAGS, MentionTag
from tests.conftest import login
from tests.factories import populate
from tests.test_api import bearer, make_token

EN = {"Accept-Language": "en"}
FR = {"Accept-Language": "fr"}
HTMX = {"HX-Request": "true"}


def stored(app, agency, mention_id):
    with app.app_context(), tenancy.agency_scope(agency.id):
        return sorted(db.session.scalars(select(MentionTag.tag).where(MentionTag.mention_id == mention_id)).all())


def test_tags_are_added_removed_and_suggested_in_the_inbox(app, client, make_agency):
    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    base, mention = f"/a/{data.agency.slug}", data.ids["mention_id"]
    login(client, data.agency.owner_email)
    added = client.post(f"{base}/mentions/{mention}/tags", data={"tag": "  Rappel   produit "}, headers={**EN, **HTMX})
    assert added.status_code == 200
    row = added.get_data(as_text=True)
    assert row.lstrip().startswith('<article class="mention') and ">Rappel produit</a>" in row
    assert f'href="{base}/mentions/?tag=Rappel+produit"' in row
    # The same tag in another case is the same tag: nothing doubles, the first spelling stays.
    assert client.post(f"{base}/mentions/{mention}/tags", data={"tag": "rappel PRODUIT"}, headers=HTMX).status_code == 200
    assert stored(app, data.agency, mention) == ["Alpha tag", "Rappel produit"]
    page = client.get(f"{base}/mentions/", headers=EN).get_data(as_text=True)
    assert re.search(r'<datalist id="agency-tags">.*<option value="Rappel produit">', page)
    assert page.count('data-testid="tag"') == 2
    removed = client.post(f"{base}/mentions/{mention}/tags/remove", data={"tag": "RAPPEL produit"}, headers=HTMX)
    assert removed.status_code == 200 and "Rappel produit" not in removed.get_data(as_text=True)
    assert stored(app, data.agency, mention) == ["Alpha tag"]
    # Without htmx the forms go back to the inbox page they came from.
    plain = client.post(f"{base}/mentions/{mention}/tags", data={"tag": "Presse", "next": f"{base}/mentions/?status=new"})
    assert plain.status_code == 302 and plain.location.endswith("/mentions/?status=new")


def test_bad_tags_are_refused_with_a_message_in_french(app, client, make_agency):
    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    base, mention = f"/a/{data.agency.slug}", data.ids["mention_id"]
    login(client, data.agency.owner_email)
    for typed, message in (("   ", "Saisissez une étiquette."), ("x" * 41, "40 caractères au plus"),
                           ("a\x07b", "caractère de contrôle")):
        refused = client.post(f"{base}/mentions/{mention}/tags", data={"tag": typed}, headers={**FR, **HTMX})
        assert refused.status_code == 422, typed
        body = refused.get_data(as_text=True)
        assert message in body and 'data-testid="tag-error"' in body and 'aria-invalid="true"' in body
    assert client.post(f"{base}/mentions/{mention}/tags", data={"tag": "a\x00b"}).status_code == 400
    for n in range(MAX_TAGS - 1):  # the populated mention has one tag already
        assert client.post(f"{base}/mentions/{mention}/tags", data={"tag": f"t{n}"}, headers=HTMX).status_code == 200
    full = client.post(f"{base}/mentions/{mention}/tags", data={"tag": "encore"}, headers={**FR, **HTMX})
    assert full.status_code == 422 and "20 étiquettes au plus" in full.get_data(as_text=True)
    assert len(stored(app, data.agency, mention)) == MAX_TAGS
    # A tag it has already is no new tag: still fine at the limit.
    assert client.post(f"{base}/mentions/{mention}/tags", data={"tag": "T3"}, headers=HTMX).status_code == 200
    plain = client.post(f"{base}/mentions/{mention}/tags", data={"tag": "encore"}, headers=FR)
    assert plain.status_code == 422 and "20 étiquettes au plus" in plain.get_data(as_text=True)


def test_the_inbox_filters_by_tag_and_exports_the_tags_defused(app, client, make_agency):
    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    base, mention = f"/a/{data.agency.slug}", data.ids["mention_id"]
    login(client, data.agency.owner_email)
    client.post(f"{base}/mentions/{mention}/tags", data={"tag": "=1+HYPERLINK(\"x\")"})  # a number: it comes first
    assert 'class="mention ' in client.get(f"{base}/mentions/?tag=ALPHA+TAG").get_data(as_text=True)
    assert 'class="mention ' not in client.get(f"{base}/mentions/?tag=other").get_data(as_text=True)
    assert 'value="ALPHA TAG"' in client.get(f"{base}/mentions/?tag=ALPHA+TAG").get_data(as_text=True)
    exported = client.get(f"{base}/mentions/export.csv?tag=alpha+tag", headers=EN).get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(exported.lstrip("\ufeff")), delimiter=","))
    assert lines[0][-1] == "Tags" and len(lines) == 2
    assert lines[1][-1] == "'=1+HYPERLINK(\"x\"), Alpha tag"
    assert client.get(f"{base}/mentions/export.xlsx?tag=alpha+tag").status_code == 200


def test_another_agencys_mention_cannot_be_tagged(app, client, make_agency):
    a = populate(app, make_agency("Agence Alpha"), "Alpha")
    b = populate(app, make_agency("Agence Beta"), "Beta")
    login(client, a.agency.owner_email)
    for path in ("tags", "tags/remove"):
        url = f"/a/{a.agency.slug}/mentions/{b.ids['mention_id']}/{path}"
        assert client.post(url, data={"tag": "Beta tag"}, headers=HTMX).status_code == 404
    assert stored(app, b.agency, b.ids["mention_id"]) == ["Beta tag"]


def test_tags_through_the_api(app, client, make_agency):
    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    headers, mention = bearer(data.ids["api_token"]), data.ids["mention_id"]
    assert client.get(f"/api/v1/mentions/{mention}", headers=headers).json["tags"] == ["Alpha tag"]
    changed = client.patch(f"/api/v1/mentions/{mention}", json={"tags": [" Crise ", "crise", "Presse"], "status": "read"},
                           headers=headers)
    assert changed.status_code == 200 and changed.json["tags"] == ["Crise", "Presse"]
    assert changed.json["status"] == "read"
    page = client.get("/api/v1/mentions/?tag=CRISE&status=read", headers=headers).json
    assert [m["id"] for m in page["items"]] == [mention] and page["items"][0]["tags"] == ["Crise", "Presse"]
    assert client.get("/api/v1/mentions/?tag=Alpha+tag", headers=headers).json["items"] == []
    assert client.patch(f"/api/v1/mentions/{mention}", json={"sentiment": "negative"}, headers=headers).json["tags"] == [
        "Crise", "Presse"]  # tags left out: kept
    for bad in ({"tags": ["x" * 41]}, {"tags": [""]}, {"tags": ["a\x00b"]}, {"tags": "Crise"},
                {"tags": [f"t{n}" for n in range(MAX_TAGS + 1)]}, {"tags": [3]}):
        refused = client.patch(f"/api/v1/mentions/{mention}", json=bad, headers=headers)
        assert refused.status_code == 422 and refused.mimetype == "application/problem+json", bad
    assert stored(app, data.agency, mention) == ["Crise", "Presse"]
    assert client.patch(f"/api/v1/mentions/{mention}", json={"tags": []}, headers=headers).json["tags"] == []
    assert client.get("/api/v1/mentions/?tag=" + "x" * 41, headers=headers).status_code == 400
    _, read = make_token(app, data.agency, "read")
    assert client.patch(f"/api/v1/mentions/{mention}", json={"tags": ["x"]}, headers=bearer(read)).status_code == 403


def test_the_api_cannot_tag_another_agencys_or_another_clients_mention(app, client, make_agency):
    from tenants.clients.service import create_client

    a = populate(app, make_agency("Agence Alpha"), "Alpha")
    b = populate(app, make_agency("Agence Beta"), "Beta")
    refused = client.patch(f"/api/v1/mentions/{b.ids['mention_id']}", json={"tags": ["pirate"]},
                           headers=bearer(a.ids["api_token"]))
    assert refused.status_code == 404
    with app.app_context(), tenancy.agency_scope(a.agency.id):
        other = create_client({"name": "Autre marque"}).id
        db.commit()
    _, scoped = make_token(app, a.agency, "write", other)
    assert client.patch(f"/api/v1/mentions/{a.ids['mention_id']}", json={"tags": ["pirate"]},
                        headers=bearer(scoped)).status_code == 404
    assert client.get("/api/v1/mentions/?tag=Alpha+tag", headers=bearer(scoped)).json["items"] == []
    assert stored(app, b.agency, b.ids["mention_id"]) == ["Beta tag"]
    assert stored(app, a.agency, a.ids["mention_id"]) == ["Alpha tag"]


def test_a_mention_s_tags_come_in_a_person_s_order(app, client, make_agency):
    data = populate(app, make_agency("Agence Ordre"), "Ordre")
    base, mention = f"/a/{data.agency.slug}", data.ids["mention_id"]
    login(client, data.agency.owner_email)
    for tag in ("Sujet 10", "sujet 2", "Écologie", "Zoo", "Emploi"):
        assert client.post(f"{base}/mentions/{mention}/tags", data={"tag": tag}, headers=HTMX).status_code == 200
    row = client.post(f"{base}/mentions/{mention}/tags", data={"tag": "Sujet 1"}, headers=HTMX).get_data(as_text=True)
    shown = re.findall(r'data-testid="tag"[^>]*>.*?>([^<]+)</a>', row, re.S)
    assert [t for t in shown if t != "Ordre tag"] == ["Écologie", "Emploi", "Sujet 1", "sujet 2", "Sujet 10", "Zoo"]
