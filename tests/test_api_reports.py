"""Stored reports through the API: a client's list, one report with its frozen figures, its PDF (409 while it is
made), another agency's and another client's reports out of reach."""
import io
from datetime import date

from pypdf import PdfReader

from saas import db, tenancy
from tenants.dashboards.models import Report
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
