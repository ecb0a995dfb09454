"""Press contacts: CRUD, search and filters, media lists, do-not-contact, unsubscribe links, GDPR rights, retention."""
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from saas import db, tenancy
from saas.audit.models import AuditEvent
from saas.db import utcnow
from tenants.clients.models import Client
from tenants.press import service
from tenants.press.jobs import purge_stale_contacts
from tenants.press.models import MediaList, MediaListMember, PressContact
from tests.conftest import login

EN = {"Accept-Language": "en"}


@pytest.fixture
def agency(app, client, make_agency):
    """An agency with a client, its owner signed in."""
    found = make_agency("Agence Lumière")
    with app.app_context(), tenancy.agency_scope(found.id):
        db.session.add(Client(name="Danone"))
        db.commit()
    login(client, found.owner_email)
    return found


def contact_form(**values):
    form = {"first_name": "Élodie", "last_name": "Martin", "kind": "journalist", "role": "Rédactrice en chef",
            "outlets": "Le Monde, Les Échos", "outlet_type": "national", "beats": "Santé, Économie",
            "languages": "fr, en", "emails": "elodie@lemonde.example", "phones": "+33 1 23 45 67 89",
            "city": "Paris", "region": "Île-de-France", "notes": "Prefers mornings.",
            "lawful_basis": "legitimate_interest", "data_source": "Press kit 2026", "handle_x": "@elodie"}
    form.update(values)
    return form


def add(app, agency, **values):
    """A contact made through the service: its id."""
    base = {"first_name": "Paul", "last_name": "Durand", "kind": "journalist", "outlets": ["Ouest-France"],
            "outlet_type": "regional", "beats": ["Tech"], "languages": ["fr"], "emails": ["paul@of.example"],
            "region": "Bretagne", "lawful_basis": "consent", "data_source": "meeting"}
    base.update(values)
    with app.app_context(), tenancy.agency_scope(agency.id):
        contact = service.create_contact(base)
        db.commit()
        return contact.id


def scoped(app, agency, fn):
    with app.app_context(), tenancy.agency_scope(agency.id):
        return fn()


def test_a_contact_is_created_shown_edited_and_its_typing_kept_on_errors(app, client, agency):
    base = f"/a/{agency.slug}/press"
    assert client.get(f"{base}/contacts/new", headers=EN).status_code == 200
    refused = client.post(f"{base}/contacts/", data=contact_form(emails="not-an-email", first_name="Zoé"), headers=EN)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "Enter valid email addresses" in body and 'value="Zoé"' in body
    empty = client.post(f"{base}/contacts/", data=contact_form(first_name="", last_name="", emails=""), headers=EN)
    assert empty.status_code == 422 and "at least a name or an email" in empty.get_data(as_text=True)
    created = client.post(f"{base}/contacts/", data=contact_form(), headers=EN)
    assert created.status_code == 302
    contact_id = int(created.location.rsplit("/", 1)[1])
    contact = scoped(app, agency, lambda: db.session.get(PressContact, contact_id))
    assert contact.outlets == ["Le Monde", "Les Échos"] and contact.beats == ["Santé", "Économie"]
    assert contact.languages == ["fr", "en"] and contact.social_handles == {"x": "@elodie"}
    page = client.get(f"{base}/contacts/{contact_id}", headers=EN).get_data(as_text=True)
    assert "Élodie Martin" in page and "Press kit 2026" in page and "Legitimate interest" in page
    duplicate = client.post(f"{base}/contacts/", data=contact_form(first_name="Autre"), headers=EN)
    assert duplicate.status_code == 422 and "already the address of Élodie Martin" in duplicate.get_data(as_text=True)
    saved = client.post(f"{base}/contacts/{contact_id}", data=contact_form(role="Cheffe du service Santé"), headers=EN)
    assert saved.status_code == 302
    assert scoped(app, agency, lambda: db.session.get(PressContact, contact_id).role) == "Cheffe du service Santé"


def test_search_ignores_accents_and_filters_narrow_the_list(app, client, agency):
    add(app, agency, first_name="Élodie", last_name="Martin", outlets=["Les Échos"], beats=["Économie"],
        outlet_type="national", region="Île-de-France", languages=["fr", "en"], emails=["e@echos.example"])
    add(app, agency)
    base = f"/a/{agency.slug}/press/"

    def names(query):
        page = client.get(base + query, headers=EN)
        assert page.status_code == 200
        return re.findall(r'<a class="press-name" href="/a/[^"]+/press/contacts/\d+">([^<]+)</a>', page.get_data(as_text=True))

    assert names("?q=elodie") == ["Élodie Martin"]
    assert names("?q=echos") == ["Élodie Martin"]
    assert names("?q=ECONOMIE") == ["Élodie Martin"]
    assert names("?beat=economie") == ["Élodie Martin"]
    assert names("?outlet_type=regional") == ["Paul Durand"]
    assert names("?region=bretagne") == ["Paul Durand"]
    assert names("?lang=en") == ["Élodie Martin"]
    assert names("?q=nobody") == []
    assert client.get(base + "?outlet_type=tabloid").status_code == 400
    assert client.get(base + "?page=0").status_code == 400


def test_the_list_pages_by_fifty(app, client, agency):
    with app.app_context(), tenancy.agency_scope(agency.id):
        for n in range(55):
            service.create_contact({"first_name": f"P{n:02d}", "last_name": "Pager", "emails": [f"p{n}@x.example"]})
        db.commit()
    first = client.get(f"/a/{agency.slug}/press/", headers=EN).get_data(as_text=True)
    assert first.count('data-testid="contact-row"') == 50 and "Page 1 of 2" in first and "55 contacts" in first
    second = client.get(f"/a/{agency.slug}/press/?page=2", headers=EN).get_data(as_text=True)
    assert second.count('data-testid="contact-row"') == 5


def test_guests_never_see_contacts_and_other_agencies_get_404(app, client, agency, make_agency, make_member):
    contact_id = add(app, agency)
    make_member(agency, "guest@client.test", role="guest")
    guest = app.test_client()
    login(guest, "guest@client.test")
    for path in ("/press/", f"/press/contacts/{contact_id}", "/press/lists/", "/press/imports/new",
                 f"/press/contacts/{contact_id}/data.json"):
        assert guest.get(f"/a/{agency.slug}{path}").status_code == 404
    other = make_agency("Agence Autre")
    intruder = app.test_client()
    login(intruder, other.owner_email)
    assert intruder.get(f"/a/{other.slug}/press/contacts/{contact_id}").status_code == 404
    assert intruder.post(f"/a/{other.slug}/press/contacts/{contact_id}/delete").status_code == 404
    assert scoped(app, agency, lambda: db.session.get(PressContact, contact_id)) is not None
    make_member(agency, "rp@lumiere.test", pole="rp")
    member = app.test_client()
    login(member, "rp@lumiere.test")
    assert member.get(f"/a/{agency.slug}/press/contacts/{contact_id}").status_code == 200


def test_media_lists_resolve_saved_filters_and_exclude_do_not_contact(app, client, agency):
    bretons = [add(app, agency, first_name=f"Breton{n}", emails=[f"b{n}@of.example"]) for n in range(3)]
    parisian = add(app, agency, first_name="Anne", last_name="Paris", region="Île-de-France", beats=["Mode"],
                   emails=["anne@vogue.example"], outlets=["Vogue"])
    no_email = add(app, agency, first_name="Sans", last_name="Adresse", emails=[], outlets=["Le Télégramme"])
    base = f"/a/{agency.slug}/press/lists"
    created = client.post(f"{base}/", data={"name": "Tech Bretagne", "beat": "tech", "region": "Bretagne"}, headers=EN)
    assert created.status_code == 302
    list_id = int(created.location.rsplit("/", 1)[1])
    assert client.post(f"{base}/{list_id}/members", data={"ids": [str(parisian)]}).status_code == 302
    client.post(f"/a/{agency.slug}/press/contacts/{bretons[0]}/do-not-contact", data={"flag": "1"})
    page = client.get(f"{base}/{list_id}", headers=EN).get_data(as_text=True)
    assert page.count('data-testid="member-row"') == 4  # two Bretons, Anne by hand, the one without email
    assert page.count('data-testid="excluded-row"') == 1 and "1 excluded (do not contact)" in page

    def sendable():
        media_list = db.session.get(MediaList, list_id)
        return sorted(contact.id for contact in service.sendable_members(media_list))

    assert scoped(app, agency, sendable) == sorted([bretons[1], bretons[2], parisian])
    assert no_email not in scoped(app, agency, sendable)
    add(app, agency, first_name="Nouveau", emails=["new@of.example"])  # the saved filters pick newcomers up
    assert len(scoped(app, agency, sendable)) == 4
    index = client.get(f"{base}/", headers=EN).get_data(as_text=True)
    assert re.search(r'data-testid="member-count">5 <span class="muted small">\(1 excluded\)', index)
    assert client.post(f"{base}/{list_id}/members", data={"ids": ["999999"]}).status_code == 404
    contact_page = f"/a/{agency.slug}/press/contacts/{no_email}"
    assert 'data-testid="add-to-list"' in client.get(contact_page, headers=EN).get_data(as_text=True)
    assert client.post(f"{contact_page}/lists", data={"list_id": str(list_id)}).status_code == 302
    assert no_email in scoped(app, agency, lambda: service.hand_added_ids(db.session.get(MediaList, list_id)))
    assert client.post(f"{contact_page}/lists", data={}).status_code == 400
    assert client.post(f"{contact_page}/lists", data={"list_id": "999999"}).status_code == 404
    client.post(f"{base}/{list_id}/members/{parisian}/remove")
    assert parisian not in scoped(app, agency, sendable)
    assert client.post(f"{base}/{list_id}/delete").status_code == 302
    assert scoped(app, agency, lambda: db.session.scalar(select(func.count()).select_from(PressContact))) == 6


def test_an_unsubscribe_link_asks_then_sets_do_not_contact_and_a_forged_one_is_refused(app, client, agency):
    contact_id = add(app, agency)
    with app.app_context(), tenancy.agency_scope(agency.id):
        url = service.unsubscribe_url(db.session.get(PressContact, contact_id))
    assert url.startswith("http://localhost/press/unsubscribe/")
    path = url.removeprefix("http://localhost")
    anonymous = app.test_client()
    shown = anonymous.get(path, headers=EN)
    assert shown.status_code == 200 and "paul@of.example" in shown.get_data(as_text=True)
    assert scoped(app, agency, lambda: db.session.get(PressContact, contact_id).do_not_contact) is False
    done = anonymous.post(path, headers=EN, csrf=False)
    assert done.status_code == 200 and "You are unsubscribed" in done.get_data(as_text=True)
    contact = scoped(app, agency, lambda: db.session.get(PressContact, contact_id))
    assert contact.do_not_contact and contact.do_not_contact_at is not None
    token = path.rsplit("/", 1)[1]
    assert anonymous.get(f"/press/unsubscribe/{token[:-2]}xx").status_code == 400
    assert anonymous.post("/press/unsubscribe/forged.token", csrf=False).status_code == 400
    from itsdangerous import URLSafeSerializer

    other_key = URLSafeSerializer("not-the-key", salt=service.UNSUBSCRIBE_SALT).dumps([agency.id, contact_id])
    assert anonymous.get(f"/press/unsubscribe/{other_key}").status_code == 400
    missing = URLSafeSerializer(app.config["SECRET_KEY"], salt=service.UNSUBSCRIBE_SALT).dumps([agency.id, 999999])
    assert anonymous.get(f"/press/unsubscribe/{missing}").status_code == 404


def test_one_click_unsubscribe_of_rfc_8058_works_without_cookies_or_csrf(app, agency):
    contact_id = add(app, agency)
    with app.app_context(), tenancy.agency_scope(agency.id):
        path = service.unsubscribe_url(db.session.get(PressContact, contact_id)).removeprefix("http://localhost")
    provider = app.test_client()
    response = provider.post(path, data={"List-Unsubscribe": "One-Click"}, csrf=False)
    assert response.status_code == 204
    assert scoped(app, agency, lambda: db.session.get(PressContact, contact_id).do_not_contact) is True


def test_data_subject_export_holds_everything_and_erasure_removes_it_with_an_audit_entry(app, client, agency):
    contact_id = add(app, agency, notes="Met at the Salon de l’Agriculture")
    client_id = scoped(app, agency, lambda: db.session.scalar(select(Client.id)))
    with app.app_context(), tenancy.agency_scope(agency.id):
        contact = db.session.get(PressContact, contact_id)
        service.set_contact_clients(contact, [client_id])
        media_list = service.create_list({"name": "Salon", "campaign": "", "client_id": client_id, "filters": {}})
        service.add_members(media_list, [contact])
        db.commit()
    exported = client.get(f"/a/{agency.slug}/press/contacts/{contact_id}/data.json")
    assert exported.status_code == 200 and exported.mimetype == "application/json"
    data = json.loads(exported.get_data(as_text=True))
    assert data["emails"] == ["paul@of.example"] and data["clients"] == ["Danone"] and data["media_lists"] == ["Salon"]
    assert data["lawful_basis"] == "consent" and data["source"] == "meeting"
    assert data["notes"] == "Met at the Salon de l’Agriculture"
    page = client.get(f"/a/{agency.slug}/press/contacts/{contact_id}", headers=EN).get_data(as_text=True)
    assert re.search(r'action="[^"]+/delete" data-confirm="Erase Paul Durand', page)
    assert client.post(f"/a/{agency.slug}/press/contacts/{contact_id}/delete").status_code == 302
    with app.app_context(), tenancy.agency_scope(agency.id):
        assert db.session.get(PressContact, contact_id) is None
        assert db.session.scalar(select(func.count()).select_from(MediaListMember)) == 0
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        targets = db.session.scalars(select(AuditEvent.target)).all()
    assert actions[-2:] == ["press_contact_exported", "press_contact_erased"]
    assert all("Durand" not in target for target in targets)  # the log keeps no trace of the erased person


def test_export_defuses_formulas_in_csv_and_xlsx(app, client, agency):
    add(app, agency, first_name="=HYPERLINK(\"http://evil.example\")", last_name="+cmd", notes="@SUM(A1)")
    csv_body = client.get(f"/a/{agency.slug}/press/contacts/export.csv", headers=EN).get_data(as_text=True)
    assert "'=HYPERLINK" in csv_body and "'+cmd" in csv_body and "'@SUM(A1)" in csv_body
    response = client.get(f"/a/{agency.slug}/press/contacts/export.xlsx", headers=EN)
    assert response.status_code == 200
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.data)).active
    row = [cell for cell in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert row[0].value.startswith("=HYPERLINK") and row[0].data_type == "s"  # text, never a formula
    french = client.get(f"/a/{agency.slug}/press/contacts/export.csv", headers={"Accept-Language": "fr"})
    assert french.get_data(as_text=True).splitlines()[0].count(";") >= 10


def test_the_purge_removes_only_contacts_untouched_and_unused_past_the_retention(app, agency, make_agency):
    stale = add(app, agency, first_name="Ancien", emails=["old@x.example"])
    used = add(app, agency, first_name="Utilisé", emails=["used@x.example"])
    listed = add(app, agency, first_name="Listé", emails=["listed@x.example"])
    fresh = add(app, agency, first_name="Récent", emails=["fresh@x.example"])
    other = make_agency("Agence Autre")
    other_stale = add(app, other, first_name="Ailleurs", emails=["else@x.example"])
    long_ago = utcnow() - timedelta(days=1200)
    for agency_id, ids in ((agency.id, (stale, used, listed)), (other.id, (other_stale,))):
        with app.app_context(), tenancy.agency_scope(agency_id):
            for contact_id in ids:
                db.session.get(PressContact, contact_id).updated_at = long_ago
            if agency_id == agency.id:
                db.session.get(PressContact, used).last_used_at = utcnow() - timedelta(days=10)
                media_list = service.create_list({"name": "Gardée", "campaign": "", "client_id": None, "filters": {}})
                db.session.add(MediaListMember(list_id=media_list.id, contact_id=listed))
            db.session.flush()
            db.commit()
    with app.app_context():
        assert purge_stale_contacts() == 2
    remaining = scoped(app, agency, lambda: sorted(db.session.scalars(select(PressContact.id)).all()))
    assert remaining == sorted([used, listed, fresh])
    assert scoped(app, other, lambda: db.session.scalars(select(PressContact.id)).all()) == []
    from saas.jobs import PERIODIC

    assert "tenants.press.jobs.purge_stale_contacts" in PERIODIC
    assert app.config["PRESS_CONTACT_RETENTION_DAYS"] == 1095
