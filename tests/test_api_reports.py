"""Stored reports through the API: a client's list, one report with its frozen figures, its PDF (409 while it is
made), another agency's and another client's reports out of reach; a report asked for with a write token."""
import io
from datetime import date

from pypdf import PdfReader

from saas import db, tenancy
from tenants.dashboards import reports
from tenants.dashboards.models import Report
from tests.conftest import run_worker
from tests.factories import populate
from tests.test_api import bearer, make_token


def set_status(app, agency, report_id, status):
    with app.app_context(), tenancy.agency_scope(agency.id):
        db.session.get(Report, report_id).status = status
        db.commit()


def test_a_clients_reports_their_figures_and_the_pdf(app, client, make_agency):
    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    headers, cid, rid = bearer(data.ids["api_token"]), data.ids["client_id"], data.ids["report_id"]
    listed = client.get(f"/api/v1/clients/{cid}/reports", headers=headers)
    assert listed.status_code == 200
    [item] = listed.json
    assert item["id"] == rid and item["client_id"] == cid and item["state"] == "ready"
    assert item["period"] == "custom" and item["first_day"] == "2026-11-02" and item["last_day"] == "2026-11-08"
    assert item["links"] == {"self": f"/api/v1/reports/{rid}", "pdf": f"/api/v1/reports/{rid}/pdf"}
    detail = client.get(f"/api/v1/reports/{rid}", headers=headers).json
    figures = detail["figures"]
    assert set(figures["current"]) == {"positive", "neutral", "negative", "total"}
    assert figures["current"]["total"] == sum(figures["current"][k] for k in ("positive", "neutral", "negative"))
    assert len(figures["days"]) == 7 and date.fromisoformat(figures["days"][0]["day"]) == date(2026, 11, 2)
    assert {"created", "done", "approved", "changes"} <= set(figures["board"])
    assert isinstance(detail["highlights"], list) and "summary" in detail
    pdf = client.get(f"/api/v1/reports/{rid}/pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) == 1


def test_the_pdf_is_a_409_problem_while_it_is_made_or_failed(app, client, make_agency):
    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    headers, rid = bearer(data.ids["api_token"]), data.ids["report_id"]
    for status in ("queued", "rendering", "failed"):
        set_status(app, data.agency, rid, status)
        refused = client.get(f"/api/v1/reports/{rid}/pdf", headers={**headers, "Accept-Language": "fr"})
        assert refused.status_code == 409 and refused.mimetype == "application/problem+json", status
        assert "PDF" in refused.json["detail"] and refused.json["title"] == "Pas encore prêt"
        listed = client.get(f"/api/v1/clients/{data.ids['client_id']}/reports", headers=headers).json
        assert listed[0]["state"] == status and "pdf" not in listed[0]["links"]


def test_reports_of_another_agency_or_another_client_answer_404(app, client, make_agency):
    from tenants.clients.service import create_client

    a = populate(app, make_agency("Agence Alpha"), "Alpha")
    b = populate(app, make_agency("Agence Beta"), "Beta")
    headers = bearer(a.ids["api_token"])
    for url in (f"/api/v1/clients/{b.ids['client_id']}/reports", f"/api/v1/reports/{b.ids['report_id']}",
                f"/api/v1/reports/{b.ids['report_id']}/pdf"):
        refused = client.get(url, headers=headers)
        assert refused.status_code == 404 and "Beta" not in refused.get_data(as_text=True), url
    with app.app_context(), tenancy.agency_scope(a.agency.id):
        other = create_client({"name": "Autre marque"}).id
        db.commit()
    _, scoped = make_token(app, a.agency, "read", other)
    for url in (f"/api/v1/clients/{a.ids['client_id']}/reports", f"/api/v1/reports/{a.ids['report_id']}",
                f"/api/v1/reports/{a.ids['report_id']}/pdf"):
        assert client.get(url, headers=bearer(scoped)).status_code == 404, url
    assert client.get(f"/api/v1/clients/{other}/reports", headers=bearer(scoped)).json == []
    _, own = make_token(app, a.agency, "read", a.ids["client_id"])
    assert [r["id"] for r in client.get(f"/api/v1/clients/{a.ids['client_id']}/reports", headers=bearer(own)).json] == [
        a.ids["report_id"]]
    assert client.get(f"/api/v1/reports/{a.ids['report_id']}/pdf", headers=bearer(own)).status_code == 200


def test_a_write_token_asks_for_a_report_and_reads_its_pdf_once_a_worker_made_it(app, client, make_agency):
    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    _, write = make_token(app, data.agency, "write")
    cid = data.ids["client_id"]
    asked = client.post(f"/api/v1/clients/{cid}/reports", headers=bearer(write),
                        json={"period": "month", "month": "2026-10", "language": "en",
                              "highlights": "Yoghurt recall handled\nPress review sent"})
    assert asked.status_code == 202, asked.json
    report = asked.json
    assert (report["period"], report["first_day"], report["last_day"]) == ("month", "2026-10-01", "2026-10-31")
    assert report["state"] == "queued" and report["language"] == "en" and "pdf" not in report["links"]
    with app.app_context(), tenancy.agency_scope(data.agency.id):
        stored = db.session.get(Report, report["id"])
        assert stored.created_by_id is None and stored.summary  # no summary given: written from the figures
        assert (stored.previous_first, stored.previous_last) == (date(2026, 9, 1), date(2026, 9, 30))
    run_worker(app)
    detail = client.get(f"/api/v1/reports/{report['id']}", headers=bearer(write)).json
    assert detail["state"] == "ready" and detail["links"]["pdf"] == f"/api/v1/reports/{report['id']}/pdf"
    assert detail["highlights"] == ["Yoghurt recall handled", "Press review sent"]
    pdf = client.get(detail["links"]["pdf"], headers=bearer(write))
    assert pdf.status_code == 200 and PdfReader(io.BytesIO(pdf.data)).pages
    week = client.post(f"/api/v1/clients/{cid}/reports", headers=bearer(write), json={"period": "7d"}).json
    assert week["period"] == "7d" and week["language"] == "fr"
    custom = client.post(f"/api/v1/clients/{cid}/reports", headers=bearer(write),
                         json={"period": "custom", "from": "2026-11-02", "to": "2026-11-08"}).json
    assert (custom["first_day"], custom["last_day"]) == ("2026-11-02", "2026-11-08")
    read = bearer(make_token(app, data.agency, "read")[1])
    assert client.post(f"/api/v1/clients/{cid}/reports", headers=read, json={}).status_code == 403


def test_a_report_asked_for_wrongly_is_a_422_saying_why_in_the_reader_s_language(app, client, make_agency):
    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    _, write = make_token(app, data.agency, "write")
    url, headers = f"/api/v1/clients/{data.ids['client_id']}/reports", {**bearer(write), "Accept-Language": "fr"}
    with app.app_context(), tenancy.agency_scope(data.agency.id):
        before = db.session.query(Report).count()
    cases = {
        "to": ({"period": "custom", "from": "2026-11-08", "to": "2026-11-02"}, "ne peut pas précéder son début"),
        "from": ({"period": "custom", "from": "2024-01-01", "to": "2026-11-02"}, "366"),
        "highlights": ({"highlights": "\n".join(f"Point {n}" for n in range(13))}, "12"),
        "month": ({"period": "month", "month": "2026-13"}, ""),
        "language": ({"language": "de"}, ""),
        "period": ({"period": "year"}, ""),
        "summary": ({"summary": "x" * 5001}, ""),
    }
    for field, (body, said) in cases.items():
        refused = client.post(url, headers=headers, json=body)
        assert refused.status_code == 422 and refused.mimetype == "application/problem+json", (field, refused.json)
        assert field in refused.json["errors"]["json"], (field, refused.json)
        assert said in refused.json["errors"]["json"][field][0], (field, refused.json)
    with app.app_context(), tenancy.agency_scope(data.agency.id):
        assert db.session.query(Report).count() == before  # nothing made


def test_at_most_twenty_reports_wait_for_their_pdf(app, client, make_agency):
    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    _, write = make_token(app, data.agency, "write")
    url = f"/api/v1/clients/{data.ids['client_id']}/reports"
    for _ in range(reports.MAX_PENDING):
        assert client.post(url, headers=bearer(write), json={"period": "7d"}).status_code == 202
    refused = client.post(url, headers={**bearer(write), "Accept-Language": "en"}, json={"period": "7d"})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert "20 reports waiting for their PDF" in refused.json["detail"]
    french = client.post(url, headers={**bearer(write), "Accept-Language": "fr"}, json={"period": "7d"})
    assert french.status_code == 429 and "20 rapports en attente de leur PDF" in french.json["detail"]
    run_worker(app)
    assert client.post(url, headers=bearer(write), json={"period": "7d"}).status_code == 202
