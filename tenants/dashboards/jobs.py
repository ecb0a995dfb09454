"""Report jobs: render a report's PDF, mail a scheduled one, make the schedules' reports, resume what was lost."""
import logging

from flask import current_app
from sqlalchemy import or_, select

from saas import db, tenancy
from saas.auth.models import Agency
from saas.db import utcnow
from saas.i18n import local_today
from saas.jobs import enqueue, enqueue_after_commit, task
from saas.mail import MAIL_RETRY, absolute_url, render_mail, send_mail
from tenants.clients.models import Client
from tenants.dashboards import reports
from tenants.dashboards.models import Report, ReportSchedule

log = logging.getLogger(__name__)


@task(timeout=600, retry=(reports.MAX_ATTEMPTS - 1, (30, 120)))
def render_report(report_id, agency_id):
    """Render a report's PDF; a failure is kept on the report (retried by RQ, then marked failed)."""
    report = db.session.get(Report, report_id)
    if report is None or report.status in reports.DONE:
        return None
    if report.status == "rendering" and report.attempts >= reports.MAX_ATTEMPTS:  # its workers kept dying
        report.status, report.error = "failed", "the worker stopped while rendering"
        return None
    report.status, report.attempts = "rendering", report.attempts + 1
    db.commit()  # shown at once (progress), and counted even if this worker dies
    try:
        content = reports.render_pdf(report)
    except Exception as error:
        db.session.rollback()
        report = db.session.get(Report, report_id)
        report.error = f"{type(error).__name__}: {error}"[:500]
        report.status = "failed" if report.attempts >= reports.MAX_ATTEMPTS else "queued"
        db.commit()
        raise
    reports.mark_ready(report, content)
    if report.schedule_id is not None:
        enqueue_after_commit(mail_report, report.id, agency_id=agency_id, job_id=f"report-mail-{report.id}")
    return len(content)


@task(queue="mail", timeout=600, retry=MAIL_RETRY)
def mail_report(report_id, agency_id):
    """Mail a scheduled report's PDF to each recipient, in their language (each at most once)."""
    report = db.session.get(Report, report_id)
    if report is None or report.status != "ready" or report.mailed_at is not None or report.schedule_id is None:
        return 0
    schedule = db.session.get(ReportSchedule, report.schedule_id)
    client = db.session.get(Client, report.client_id)
    agency = db.session.get(Agency, agency_id)
    sent = 0
    for membership, user in (reports.recipients_of(schedule) if schedule is not None else []):
        if membership.id in (report.mailed_to or []):
            continue
        link = (absolute_url("portal.client", agency_slug=agency.slug, client_id=client.id)
                if membership.role == "guest" else
                absolute_url("dashboards.report", agency_slug=agency.slug, client_id=client.id, report_id=report.id))
        subject, body, html = render_mail("report", user.locale or current_app.config["BABEL_DEFAULT_LOCALE"],
                                          report=report, client=client, agency=agency, name=user.name, link=link)
        send_mail(user.email, subject, body, html,
                  attachments=[(reports.file_name(report, client, "pdf"), report.pdf, "application/pdf")])
        report.mailed_to = [*(report.mailed_to or []), membership.id]
        db.commit()  # a retry after a failed server does not mail this person again
        sent += 1
    report.mailed_at = utcnow()
    return sent


def queue_render_after_commit(report, agency_id):
    """Queue the report's rendering once the transaction has committed (one job per report while pending)."""
    enqueue_after_commit(render_report, report.id, agency_id=agency_id, job_id=f"report-render-{report.id}")


@task()
def run_report_schedules():
    """Make, agency by agency, the reports the schedules owe (once per schedule and period), then render them."""
    with tenancy.all_agencies():
        rows = db.session.execute(
            select(ReportSchedule.agency_id, ReportSchedule.id)
            .join(Agency, Agency.id == ReportSchedule.agency_id)
            .where(ReportSchedule.active.is_(True), Agency.purge_after.is_(None))
            .order_by(ReportSchedule.agency_id, ReportSchedule.id)).all()
    made = 0
    for agency_id, schedule_id in rows:
        with tenancy.agency_scope(agency_id):
            report = reports.make_scheduled_report(db.session.get(ReportSchedule, schedule_id), local_today())
            if report is not None:
                queue_render_after_commit(report, agency_id)
                made += 1
            db.commit()
    return made


@task()
def resume_reports():
    """Queue again the renders and mailings still owed (a job lost with its worker, a retry due)."""
    with tenancy.all_agencies():
        rows = db.session.execute(
            select(Report.agency_id, Report.id, Report.status)
            .where(or_(Report.status.in_(("queued", "rendering")),
                       (Report.status == "ready") & Report.schedule_id.is_not(None) & Report.mailed_at.is_(None)))
            .order_by(Report.id)).all()
    for agency_id, report_id, status in rows:
        if status == "ready":
            enqueue(mail_report, report_id, agency_id=agency_id, job_id=f"report-mail-{report_id}")
        else:
            enqueue(render_report, report_id, agency_id=agency_id, job_id=f"report-render-{report_id}")
    return len(rows)
