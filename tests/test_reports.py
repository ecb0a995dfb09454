"""Stored reports: a client's dashboard frozen with the agency's commentary, rendered to PDF by a real RQ worker,
announced to webhooks, retried then marked failed, resumed after a lost worker; schedules that make one report per
period and mail it with its PDF through a real SMTP server; guests who see only their own client's reports."""
import os
import re
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from io import BytesIO

import psycopg
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from rq.registry import StartedJobRegistry
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from saas import db, tenancy
from saas.config import ROOT
from saas.jobs import redis_connection
from saas.audit.models import AuditEvent
from saas.auth.models import Membership, User
from saas.db import utcnow
from tenants.clients.models import Client
from saas import pdf
from tenants.dashboards import periods, reports
from tenants.dashboards.jobs import render_report, resume_reports, run_report_schedules
from tenants.dashboards.models import Report, ReportSchedule
from tenants.guests import service as guests
from tenants.monitoring.models import Mention
from tests.conftest import login, run_worker
from tests.local_server import accept_posts, allow_local, local_server  # noqa: F401  (fixtures)
from tests.test_dashboards import EN, FR, dashboard_page, known, paris, text_of  # noqa: F401  (fixtures)
from tests.test_webhooks import add_endpoint, verified
from tests.test_workspace_home import agency  # noqa: F401  (fixture: an agency in Europe/Paris)

WEEK = {"period": "custom", "from": "2026-11-01", "to": "2026-11-07"}
SUMMARY = "Semaine calme <script>alert('x')</script> malgré un rappel"


def pdf_text(content):
    """The text of a PDF, whitespace folded, narrow spaces as spaces."""
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\xa0", " "))


def make_report(client, agency, client_id, **fields):
    """Ask for a report through the form; returns its id."""
    response = client.post(f"/a/{agency.slug}/clients/{client_id}/reports",
                           data={**WEEK, "language": "fr", "summary": SUMMARY,
                                 "highlights": "Rappel géré en 2 heures\nScandale à l'usine suivi", **fields})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    return int(response.location.rsplit("/", 1)[1])


def report_row(app, agency, report_id):
    with app.app_context(), tenancy.agency_scope(agency.id):
        row = db.session.get(Report, report_id, options=[undefer(Report.pdf)])
        db.session.expunge(row)
        return row


def base(agency, client_id):
    return f"/a/{agency.slug}/clients/{client_id}/reports"


def test_a_report_is_rendered_by_a_worker_with_the_commentary_and_the_figures_of_its_day(
        app, client, agency, known, local_server, allow_local):  # noqa: F811
    accept_posts(local_server, [200])
    _endpoint, secret = add_endpoint(app, agency, local_server.url_for("/hook"), events=("report.ready",))
    login(client, agency.owner_email)
    report_id = make_report(client, agency, known["danone"])
    page = client.get(f"{base(agency, known['danone'])}/{report_id}", headers=EN).get_data(as_text=True)
    assert "The PDF will be made in a moment" in page and f"/reports/{report_id}/progress" in page
    assert client.get(f"{base(agency, known['danone'])}/{report_id}/progress").status_code == 200
    assert client.get(f"{base(agency, known['danone'])}/{report_id}.pdf").status_code == 404  # none yet

    run_worker(app, "default")

    row = report_row(app, agency, report_id)
    assert (row.status, row.attempts, row.error) == ("ready", 1, "")
    assert client.get(f"{base(agency, known['danone'])}/{report_id}/progress").status_code == 286
    response = client.get(f"{base(agency, known['danone'])}/{report_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Agence Alpha" in text and "Danone · Rapport" in text and "du 1 nov. 2026 au 7 nov. 2026" in text
    assert "Semaine calme <script>alert('x')</script> malgré un rappel" in text  # written as text, not run
    assert "Rappel géré en 2 heures" in text and "Scandale à l'usine suivi" in text
    assert "Mentions 7" in text and "Le Monde rss 4 50" in text and "Cartes terminées 1" in text
    # The report's page: the same partial on the frozen figures, the commentary escaped.
    page = client.get(f"{base(agency, known['danone'])}/{report_id}", headers=EN).get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page and "<script>alert('x')" not in page
    assert text_of(page, "kpi-mentions") == "7"
    # A mention found later changes the dashboard, never the report made before.
    with app.app_context(), tenancy.agency_scope(agency.id):
        db.session.add(Mention(client_id=known["danone"], source_kind="rss", source_name="Le Monde", item_key="late",
                               title="Tard", published_at=paris(11, 4, 12), sentiment="neutral"))
        db.commit()
    assert text_of(dashboard_page(client, agency, known["danone"]), "kpi-mentions") == "8"
    page = client.get(f"{base(agency, known['danone'])}/{report_id}", headers=EN).get_data(as_text=True)
    assert text_of(page, "kpi-mentions") == "7"
    workbook = load_workbook(BytesIO(client.get(f"{base(agency, known['danone'])}/{report_id}.xlsx", headers=EN).data))
    summary = {row[0]: row[1] for row in workbook.worksheets[0].iter_rows(values_only=True)}
    assert summary["Mentions"] == 7
    # report.ready reached the webhook, signed.
    run_worker(app, "default")
    payload = verified(secret, local_server)
    assert payload["type"] == "report.ready"
    assert payload["data"]["report"]["id"] == report_id and payload["data"]["report"]["first_day"] == "2026-11-01"
    assert payload["data"]["report"]["highlights"] == ["Rappel géré en 2 heures", "Scandale à l'usine suivi"]


def test_the_list_shows_each_report_and_its_state(app, client, agency, known):
    login(client, agency.owner_email)
    first = make_report(client, agency, known["danone"])
    run_worker(app, "default")
    second = make_report(client, agency, known["danone"], period="month", month="2026-10", language="en")
    page = client.get(base(agency, known["danone"]), headers=EN).get_data(as_text=True)
    assert f"/reports/{first}.pdf" in page and f"/reports/{second}.pdf" not in page
    assert 'data-status="ready"' in page and 'data-status="queued"' in page
    assert "Oct 1, 2026 to Oct 31, 2026" in page and "Nov 1, 2026 to Nov 7, 2026" in page


@pytest.mark.parametrize("fields, message", [
    ({"to": "2026-10-01"}, "The end of the period must not be before its start."),
    ({"period": "forever"}, "“period” must be one of"),
    ({"language": "de"}, "Choose French or English."),
    ({"highlights": "\n".join(f"Point {n}" for n in range(13))}, "At most 12 highlights, one a line."),
    ({"summary": "x" * 5001}, "Summary"),
])
def test_a_bad_report_form_comes_back_filled_in_with_its_message(app, client, agency, known, fields, message):
    login(client, agency.owner_email)
    data = {**WEEK, "language": "fr", "summary": "Gardé tel quel", "highlights": "", **fields}
    response = client.post(base(agency, known["danone"]), data=data, headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert "Gardé tel quel" in page or len(data["summary"]) > 5000
    with app.app_context(), tenancy.agency_scope(agency.id):
        assert db.session.scalar(select(func.count()).select_from(Report)) == 0


def test_a_failing_render_is_retried_then_marked_failed_with_its_error_and_can_be_tried_again(
        app, client, agency, known, monkeypatch):
    def broken(html):
        raise RuntimeError("pango is not installed")

    monkeypatch.setattr(pdf, "html_to_pdf", broken)  # the forked work horses inherit it
    monkeypatch.setattr(render_report, "retry", (2, (0, 0)))  # RQ's backoff without the wait
    login(client, agency.owner_email)
    report_id = make_report(client, agency, known["danone"])
    run_worker(app, "default")
    row = report_row(app, agency, report_id)
    assert (row.status, row.attempts) == ("failed", 3) and "pango is not installed" in row.error
    response = client.get(f"{base(agency, known['danone'])}/{report_id}/progress", headers=EN)
    assert response.status_code == 286 and "The PDF could not be made." in response.get_data(as_text=True)
    assert "pango is not installed" in client.get(f"{base(agency, known['danone'])}/{report_id}", headers=EN).get_data(as_text=True)

    monkeypatch.undo()
    assert client.post(f"{base(agency, known['danone'])}/{report_id}/retry").status_code == 302
    assert report_row(app, agency, report_id).status == "queued"
    run_worker(app, "default")
    row = report_row(app, agency, report_id)
    assert (row.status, row.attempts, row.error) == ("ready", 1, "") and row.pdf.startswith(b"%PDF")


def test_a_render_lost_with_its_worker_is_resumed_by_the_sweep(app, agency, known):
    with app.app_context(), tenancy.agency_scope(agency.id):
        danone = db.session.get(Client, known["danone"])
        lost = reports.create_report(danone, periods.custom(date(2026, 11, 1), date(2026, 11, 7)), {"language": "en"}, None)
        lost.status, lost.attempts = "rendering", 1  # as a worker killed mid-render leaves it (its job gone)
        dead = reports.create_report(danone, periods.custom(date(2026, 11, 1), date(2026, 11, 7)), {"language": "en"}, None)
        dead.status, dead.attempts = "rendering", 3  # its workers died three times
        db.commit()
        ids = lost.id, dead.id
    with app.app_context():
        assert resume_reports() == 2
    run_worker(app, "default")
    assert report_row(app, agency, ids[0]).status == "ready"
    row = report_row(app, agency, ids[1])
    assert row.status == "failed" and "worker stopped" in row.error
    with app.app_context():
        assert resume_reports() == 0


def test_the_commentary_can_be_edited_and_the_pdf_is_made_again(app, client, agency, known):
    login(client, agency.owner_email)
    report_id = make_report(client, agency, known["danone"])
    run_worker(app, "default")
    response = client.post(f"{base(agency, known['danone'])}/{report_id}",
                           data={"language": "en", "summary": "A quiet week", "highlights": "Recall handled"})
    assert response.status_code == 302
    assert report_row(app, agency, report_id).status == "queued"
    run_worker(app, "default")
    text = pdf_text(client.get(f"{base(agency, known['danone'])}/{report_id}.pdf").data)
    assert "Danone · Report" in text and "A quiet week" in text and "Recall handled" in text
    assert "Semaine calme" not in text and "Nov 1, 2026 to Nov 7, 2026" in text


@pytest.fixture
def people(app, agency, known, make_member):
    """A member reading English, a guest of Danone reading French, a guest of Evian."""
    make_member(agency, "lea@agence-alpha.test", name="Léa")
    make_member(agency, "marc@danone.test", role="guest", name="Marc")
    make_member(agency, "eve@evian.test", role="guest", name="Eve")
    with app.app_context(), tenancy.agency_scope(agency.id):
        ids = {}
        for email, locale, client_key in (("lea@agence-alpha.test", "en", None), ("marc@danone.test", "fr", "danone"),
                                          ("eve@evian.test", "fr", "evian")):
            user = db.session.scalar(select(User).where(User.email == email))
            user.locale = locale
            membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
            if client_key:
                guests.set_guest_clients(membership, [db.session.get(Client, known[client_key])])
            ids[email.split("@")[0]] = membership.id
        db.commit()
    return ids


def test_a_schedule_refuses_a_guest_of_another_client(app, client, agency, known, people):
    login(client, agency.owner_email)
    page = client.get(base(agency, known["danone"]), headers=EN).get_data(as_text=True)
    assert "Marc" in page and "Léa" in page and "Eve" not in page
    response = client.post(f"/a/{agency.slug}/clients/{known['danone']}/report-schedules", headers=EN,
                           data={"frequency": "weekly", "language": "fr", "recipient_ids": [people["eve"]]})
    assert response.status_code == 422
    assert "Choose among the agency's team and this client's guests." in response.get_data(as_text=True)
    response = client.post(f"/a/{agency.slug}/clients/{known['danone']}/report-schedules", headers=EN,
                           data={"frequency": "yearly", "language": "fr", "recipient_ids": [people["lea"]]})
    assert response.status_code == 422 and "Choose weekly or monthly." in response.get_data(as_text=True)
    with app.app_context(), tenancy.agency_scope(agency.id):
        assert db.session.scalar(select(func.count()).select_from(ReportSchedule)) == 0


def test_the_due_period_is_last_week_or_last_month_and_only_for_a_schedule_that_existed_then(app, agency, known):
    assert reports.due_period("weekly", date(2026, 11, 30)) == periods.custom(date(2026, 11, 23), date(2026, 11, 29))
    assert reports.due_period("weekly", date(2026, 12, 3)) == periods.custom(date(2026, 11, 23), date(2026, 11, 29))
    assert reports.due_period("monthly", date(2026, 12, 1)) == periods.calendar_month(2026, 11)
    assert reports.due_period("monthly", date(2027, 1, 15)) == periods.calendar_month(2026, 12)
    with app.app_context(), tenancy.agency_scope(agency.id):
        schedule = ReportSchedule(client_id=known["danone"], frequency="weekly", language="fr", recipient_ids=[],
                                  created_at=paris(11, 25, 10))  # a Wednesday
        db.session.add(schedule)
        db.session.flush()
        assert reports.make_scheduled_report(schedule, date(2026, 11, 25)) is None  # last week was before it
        made = reports.make_scheduled_report(schedule, date(2026, 11, 30))  # the next Monday
        assert (made.first_day, made.last_day) == (date(2026, 11, 23), date(2026, 11, 29))
        assert reports.make_scheduled_report(schedule, date(2026, 11, 30)) is None  # once
        db.session.rollback()


def test_a_scheduled_report_is_made_once_rendered_and_mailed_with_its_pdf_in_each_recipients_language(
        app, client, agency, known, people, mailbox):
    login(client, agency.owner_email)
    response = client.post(f"/a/{agency.slug}/clients/{known['danone']}/report-schedules",
                           data={"frequency": "weekly", "language": "fr", "recipient_ids": [people["lea"], people["marc"]]})
    assert response.status_code == 302
    with app.app_context(), tenancy.agency_scope(agency.id):
        schedule = db.session.scalar(select(ReportSchedule))
        assert (schedule.frequency, schedule.recipient_ids) == ("weekly", [people["lea"], people["marc"]])
        schedule.created_at = utcnow() - timedelta(days=30)
        entry = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report_schedule_created")).one()
        assert entry.target == "Danone" and entry.details["recipients"] == "2"
        db.commit()
    with app.app_context():
        assert run_report_schedules() == 1
        assert run_report_schedules() == 0  # a second run (or a restarted cron) makes nothing more
    run_worker(app, "default", "mail")
    with app.app_context(), tenancy.agency_scope(agency.id):
        report = db.session.scalar(select(Report))
        assert report.status == "ready" and report.mailed_at is not None
        assert sorted(report.mailed_to) == sorted([people["lea"], people["marc"]])
        assert report.schedule_id == schedule.id and report.first_day.weekday() == 0 and (report.last_day - report.first_day).days == 6
    by_address = {message["To"]: message for message in mailbox.messages}
    assert sorted(by_address) == ["lea@agence-alpha.test", "marc@danone.test"]
    lea, marc = by_address["lea@agence-alpha.test"], by_address["marc@danone.test"]
    assert "Danone: your report from" in lea["Subject"] and "Danone : votre rapport du" in marc["Subject"]
    assert "Agence Alpha sends you the report of Danone" in lea.get_body(preferencelist=("plain",)).get_content()
    assert "/portal/clients/" in marc.get_body(preferencelist=("plain",)).get_content()  # a guest opens the portal
    for message in (lea, marc):
        attachments = list(message.iter_attachments())
        assert len(attachments) == 1 and attachments[0].get_content_type() == "application/pdf"
        assert attachments[0].get_filename().startswith("Danone ") and attachments[0].get_filename().endswith(".pdf")
        assert "Danone · Rapport" in pdf_text(attachments[0].get_content())  # the schedule's language
    # Nothing is mailed twice: the sweep finds nothing owed, a second mailing job skips who has it.
    with app.app_context():
        assert resume_reports() == 0
    run_worker(app, "default", "mail")
    assert len(mailbox.messages) == 2


def test_a_guest_sees_only_their_own_clients_ready_reports_in_the_portal(app, client, agency, known, people):
    with app.app_context(), tenancy.agency_scope(agency.id):
        week = periods.custom(date(2026, 11, 1), date(2026, 11, 7))
        made = {}
        for key, status in (("danone", "ready"), ("evian", "ready"), ("queued", "queued")):
            brand = db.session.get(Client, known["evian" if key == "evian" else "danone"])
            report = reports.create_report(brand, week, {"language": "fr"}, None)
            report.status, report.pdf = status, b"%PDF-1.4 " + key.encode() if status == "ready" else None
            made[key] = report.id
        db.commit()
    login(client, "marc@danone.test")
    page = client.get(f"/a/{agency.slug}/portal/", headers=FR).get_data(as_text=True)
    assert 'data-testid="portal-reports"' in page
    assert f"/reports/{made['danone']}.pdf" in page
    assert f"/reports/{made['evian']}.pdf" not in page and f"/reports/{made['queued']}.pdf" not in page
    portal = f"/a/{agency.slug}/portal/clients"
    response = client.get(f"{portal}/{known['danone']}/reports/{made['danone']}.pdf")
    assert response.status_code == 200 and response.data == b"%PDF-1.4 danone"
    assert client.get(f"{portal}/{known['danone']}/reports/{made['evian']}.pdf").status_code == 404
    assert client.get(f"{portal}/{known['evian']}/reports/{made['evian']}.pdf").status_code == 404
    assert client.get(f"{portal}/{known['danone']}/reports/{made['queued']}.pdf").status_code == 404
    # The staff side of reports is not the guest's.
    assert client.get(f"{base(agency, known['danone'])}/{made['danone']}.pdf").status_code == 404
    assert client.get(base(agency, known["danone"])).status_code == 404


def _children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_a_worker_killed_mid_render_is_run_again_by_the_sweep(app, client, agency, known, monkeypatch, database_url,
                                                               redis_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("holds a PostgreSQL table lock to stop the render half-way")
    monkeypatch.setattr(render_report, "retry", (2, (0, 0)))  # RQ's backoff without the wait
    login(client, agency.owner_email)
    report_id = make_report(client, agency, known["danone"])
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "BASE_URL": "http://localhost",
           "SECRET_KEY": app.config["SECRET_KEY"]}
    # The render reads the client after it has committed "rendering": holding the clients table stops it there.
    with psycopg.connect(database_url) as lock:
        lock.execute("LOCK TABLE clients IN ACCESS EXCLUSIVE MODE")
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "default"], env=env,
                                  cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while report_row(app, agency, report_id).status != "rendering" and time.monotonic() < deadline:
                time.sleep(0.1)
            assert report_row(app, agency, report_id).status == "rendering"
        finally:
            for pid in (*_children(worker.pid), worker.pid):
                os.kill(pid, signal.SIGKILL)
            worker.wait()
        lock.rollback()
    row = report_row(app, agency, report_id)
    assert (row.status, row.attempts) == ("rendering", 1)
    with app.app_context():
        # The dead worker's heartbeat runs out (as it does after the job's timeout): nothing runs the job any more.
        started = StartedJobRegistry("default", connection=redis_connection())
        for entry in redis_connection().zrange(started.key, 0, -1):
            redis_connection().zadd(started.key, {entry: 1})
        assert resume_reports() == 1
    run_worker(app, "default")
    row = report_row(app, agency, report_id)
    assert (row.status, row.attempts) == ("ready", 2) and row.pdf.startswith(b"%PDF")


def test_a_schedule_is_stopped_and_another_clients_schedule_is_404(app, client, agency, known, people):
    login(client, agency.owner_email)
    schedules = f"/a/{agency.slug}/clients/{known['danone']}/report-schedules"
    assert client.post(schedules, data={"frequency": "monthly", "language": "en",
                                        "recipient_ids": [people["marc"]]}).status_code == 302
    with app.app_context(), tenancy.agency_scope(agency.id):
        schedule_id = db.session.scalar(select(ReportSchedule.id))
    other = f"/a/{agency.slug}/clients/{known['evian']}/report-schedules/{schedule_id}/delete"
    assert client.post(other).status_code == 404
    page = client.get(base(agency, known["danone"]), headers=EN).get_data(as_text=True)
    assert "Every 1st, the month before" in page and "To: Marc" in page
    assert client.post(f"{schedules}/{schedule_id}/delete").status_code == 302
    with app.app_context(), tenancy.agency_scope(agency.id):
        assert db.session.scalar(select(func.count()).select_from(ReportSchedule)) == 0
        assert db.session.scalars(select(AuditEvent.target).where(AuditEvent.action == "report_schedule_stopped")).one() == "Danone"


def test_a_report_without_a_summary_gets_the_figures_written_in_its_language(app, client, agency, known):
    login(client, agency.owner_email)
    report_id = make_report(client, agency, known["danone"], summary="", highlights="")
    written = re.sub(r"[\u202f\xa0]", " ", report_row(app, agency, report_id).summary)
    assert written == ("1–7 nov. 2026 : 7 mentions de Danone. En hausse de 250 % sur la période précédente (2). "
                       "29 % de mentions négatives, 29 % de positives. "
                       "Jour le plus actif : mardi 3 novembre 2026, avec 3 mentions. "
                       "Premier média : Le Monde (4 mentions). 1 alerte de crise. 1 alerte de buzz.")
    english = make_report(client, agency, known["danone"], summary="", highlights="", language="en")
    assert report_row(app, agency, english).summary.startswith("Nov 1\u2009–\u20097, 2026: 7 mentions of Danone. Up 250%")
    with app.app_context(), tenancy.agency_scope(agency.id):
        evian = db.session.scalar(select(Client).where(Client.name == "Evian"))
        quiet = reports.create_report(evian, periods.custom(date(2026, 11, 1), date(2026, 11, 2)), {"language": "fr"},
                                      None)
        assert quiet.summary.replace("\u202f", " ").replace("\xa0", " ") == "1–2 nov. 2026 : aucune mention d’Evian."
        db.session.rollback()
    run_worker(app, "default")
    text = pdf_text(client.get(f"{base(agency, known['danone'])}/{report_id}.pdf").data)
    assert "Jour le plus actif : mardi 3 novembre 2026" in text  # the PDF carries it like typed commentary
