"""Contact imports: CSV (; and cp1252) and XLSX, column mapping guessed, duplicates merged, a 5,000-row file run
by a real RQ worker with its progress and report, bad and oversized files refused with a message."""
import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from saas import db, tenancy
from tenants.press import imports, service
from tenants.press.models import ContactImport, PressContact
from tests.conftest import login, run_worker

EN = {"Accept-Language": "en"}
FR = {"Accept-Language": "fr"}


@pytest.fixture
def agency(app, client, make_agency):
    found = make_agency("Agence Lumière")
    login(client, found.owner_email)
    return found


def upload(client, agency, content, filename, headers=EN):
    return client.post(f"/a/{agency.slug}/press/imports/", data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data", headers=headers)


def mapping_of(page):
    """{column: chosen field} read from the mapping page's selects."""
    chosen = {}
    for name, body in re.findall(r'<select id="(column_\d+)" name="\1"[^>]*>(.*?)</select>', page, re.S):
        selected = re.search(r'<option value="([^"]*)" selected>', body)
        chosen[name] = selected.group(1) if selected else ""
    return chosen


def contacts(app, agency):
    with app.app_context(), tenancy.agency_scope(agency.id):
        return {c.name: c for c in db.session.scalars(select(PressContact))}


def run(client, agency, response):
    """Follow an upload to its mapping page and run it with the guessed mapping: the import's address."""
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.location, headers=EN).get_data(as_text=True)
    started = client.post(response.location + "/run", data=mapping_of(page))
    assert started.status_code == 302
    return response.location


CSV_FR = ("Prénom;Nom;Média;Rubrique;E-mail;Téléphone;Ville;Région;Langue\r\n"
          "Hélène;Léger;Le Télégramme;Économie, Santé;helene@letelegramme.example;02 98 00 00 00;Brest;Bretagne;Français\r\n"
          "François;Grève;Ouest-France;Société;francois@of.example;;Rennes;Bretagne;fr\r\n"
          ";;;;;;;;\r\n"
          ";;Sans nom;;;;;;\r\n"
          "Zoé;Bad;Libé;;pas-une-adresse;;Paris;Île-de-France;\r\n")


def test_a_french_excel_csv_in_windows_1252_with_semicolons_is_mapped_and_imported(app, client, agency):
    response = upload(client, agency, CSV_FR.encode("cp1252"), "contacts.csv")
    page = client.get(response.location, headers=EN).get_data(as_text=True)
    assert mapping_of(page) == {"column_0": "first_name", "column_1": "last_name", "column_2": "outlets",
                                "column_3": "beats", "column_4": "emails", "column_5": "phones", "column_6": "city",
                                "column_7": "region", "column_8": "languages"}
    assert "Hélène" in page and "Le Télégramme" in page  # the preview, decoded right
    location = run(client, agency, response)
    run_worker(app, "default")
    report = client.get(location, headers=EN).get_data(as_text=True)
    assert "3 created, 0 merged with existing contacts, 1 skipped" in report
    assert "No name and no email address" in report and "Email address not valid, left out" in report
    found = contacts(app, agency)
    helene = found["Hélène Léger"]
    assert helene.beats == ["Économie", "Santé"] and helene.languages == ["fr"] and helene.region == "Bretagne"
    assert helene.data_source == "import contacts.csv" and found["Zoé Bad"].emails == []
    listed = client.get(f"/a/{agency.slug}/press/?q=helene+telegramme", headers=EN).get_data(as_text=True)
    assert "Hélène Léger" in listed


def test_duplicates_by_email_or_by_name_and_outlet_are_merged_not_doubled(app, client, agency):
    with app.app_context(), tenancy.agency_scope(agency.id):
        service.create_contact({"first_name": "Hélène", "last_name": "Léger", "outlets": ["Le Télégramme"],
                                "beats": ["Économie"], "emails": [], "role": "Cheffe d’édition"})
        service.create_contact({"first_name": "F.", "last_name": "Grève", "emails": ["francois@of.example"]})
        db.commit()
    csv_en = ("first name,last name,outlet,beats,email,city\n"
              "Helene,Leger,Le Telegramme,\"Santé, Économie\",helene@letelegramme.example,Brest\n"
              "François,Grève,Ouest-France,Société,FRANCOIS@of.example,Rennes\n"
              "François,Grève,Ouest-France,Société,francois@of.example,Rennes\n").encode("utf-8-sig")
    location = run(client, agency, upload(client, agency, csv_en, "english.csv"))
    run_worker(app, "default")
    assert "0 created, 3 merged" in client.get(location, headers=EN).get_data(as_text=True)
    found = contacts(app, agency)
    assert len(found) == 2
    helene = found["Hélène Léger"]
    assert helene.emails == ["helene@letelegramme.example"] and helene.city == "Brest"  # empty fields filled
    assert helene.beats == ["Économie", "Santé"] and helene.role == "Cheffe d’édition"  # lists united, kept
    assert found["F. Grève"].outlets == ["Ouest-France"]


def test_a_5000_row_xlsx_is_imported_by_a_real_worker_with_progress_and_a_report(app, client, agency):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Nom complet", "Média", "Type de média", "Thématiques", "Email", "Région", "Langues", "Twitter"])
    for n in range(5000):
        email = f"journaliste{n}@media{n % 40}.example" if n % 500 else ""
        name = f"Journaliste Numéro{n}" if n % 1000 != 500 else ""  # 5 rows with neither name nor email
        sheet.append([name, f"Média {n % 40}", "Régionale" if n % 2 else "nationale", "Tech; Énergie", email,
                      "Occitanie", "fr, en", f"@j{n}"])
    sheet.append(["Journaliste Numéro2", "Média 2", "", "Climat", "", "", "", ""])  # the same name and outlet
    content = io.BytesIO()
    workbook.save(content)
    response = upload(client, agency, content.getvalue(), "base-presse.xlsx")
    location = response.location
    page = client.get(location, headers=EN).get_data(as_text=True)
    assert mapping_of(page)["column_0"] == "full_name" and mapping_of(page)["column_7"] == "social_x"
    client.post(location + "/run", data=mapping_of(page))
    progress = client.get(location + "/progress", headers=EN)
    assert progress.status_code == 200 and 'hx-trigger="every 1s"' in progress.get_data(as_text=True)
    run_worker(app, "default")
    done = client.get(location + "/progress", headers=EN)
    assert done.status_code == 286
    text = done.get_data(as_text=True)
    assert "4,995 created, 1 merged with existing contacts, 5 skipped" in text
    with app.app_context(), tenancy.agency_scope(agency.id):
        job = db.session.scalars(select(ContactImport)).one()
        assert job.state == "done" and job.processed == job.total == 5001 and job.content is None
        assert db.session.scalar(select(func.count()).select_from(PressContact)) == 4995
        merged = db.session.scalars(select(PressContact).where(PressContact.last_name == "Numéro2")).one()
        assert merged.beats == ["Tech", "Énergie", "Climat"] and merged.social_handles == {"x": "@j2"}
        assert merged.outlet_type == "national" and merged.languages == ["fr", "en"]
    french = client.get(location, headers=FR).get_data(as_text=True)
    assert "4 995" in french or "4\u202f995" in french or "4\u00a0995" in french


def test_bad_files_are_refused_with_a_message_and_nothing_is_kept(app, client, agency):
    refused = upload(client, agency, b"PK\x03\x04 not really a zip", "contacts.xlsx")
    assert refused.status_code == 422 and "could not be opened" in refused.get_data(as_text=True)
    assert upload(client, agency, b"", "empty.csv").status_code == 422
    assert upload(client, agency, b"\x89PNG\r\n", "photo.png").status_code == 422
    missing = client.post(f"/a/{agency.slug}/press/imports/", data={}, headers=EN)
    assert missing.status_code == 400 and "Choose a CSV or Excel file" in missing.get_data(as_text=True)
    app.config["PRESS_IMPORT_MAX_BYTES"] = 1024
    try:
        big = upload(client, agency, b"a;b\n" + b"x;y\n" * 2000, "big.csv")
    finally:
        app.config.pop("PRESS_IMPORT_MAX_BYTES")
    assert big.status_code == 413 and "larger than" in big.get_data(as_text=True)
    app.config["MAX_CONTENT_LENGTH"], limit = 4096, app.config["MAX_CONTENT_LENGTH"]
    try:  # past the site's own limit the form cannot even be read: the answer still says what to do
        huge = upload(client, agency, b"a;b\n" + b"x;y\n" * 4000, "huge.csv")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert huge.status_code == 413 and "split it into smaller files" in huge.get_data(as_text=True)
    with app.app_context(), tenancy.agency_scope(agency.id):
        assert db.session.scalar(select(func.count()).select_from(ContactImport)) == 0


def test_a_mapping_without_names_or_emails_is_refused_and_a_tampered_one_is_a_400(app, client, agency):
    response = upload(client, agency, "Ville,Notes\nBrest,x\n".encode(), "villes.csv")
    refused = client.post(response.location + "/run", data={"column_0": "city"}, headers=EN)
    assert refused.status_code == 422 and "names or of the email addresses" in refused.get_data(as_text=True)
    assert client.post(response.location + "/run", data={"column_0": "password"}).status_code == 400


def test_the_guess_reads_french_and_english_titles():
    assert imports.guess_mapping(["Prénom", "NOM", "E-mail", "Fonction", "Thématiques", "Tél.", "LinkedIn"]) == {
        "0": "first_name", "1": "last_name", "2": "emails", "3": "role", "4": "beats", "5": "phones",
        "6": "social_linkedin"}
    assert imports.guess_mapping(["Full name", "Outlet", "Job title", "Topics", "Phone number", "Language"]) == {
        "0": "full_name", "1": "outlets", "2": "role", "3": "beats", "4": "phones", "5": "languages"}


def test_an_import_run_again_after_a_dead_worker_doubles_nothing(app, client, agency):
    content = CSV_FR.encode("cp1252")
    location = run(client, agency, upload(client, agency, content, "contacts.csv"))
    import_id = int(location.rsplit("/", 1)[1])
    run_worker(app, "default")
    assert len(contacts(app, agency)) == 3
    with app.app_context(), tenancy.agency_scope(agency.id):  # as a worker that died before the end leaves it
        job = db.session.get(ContactImport, import_id)
        job.state, job.content = "running", content
        db.commit()
    from saas.jobs import enqueue
    from tenants.press.jobs import run_import

    with app.app_context():
        enqueue(run_import, import_id, agency_id=agency.id, job_id=f"press-import-{import_id}")
    run_worker(app, "default")
    assert len(contacts(app, agency)) == 3
    assert "0 created, 3 merged" in client.get(location, headers=EN).get_data(as_text=True)
