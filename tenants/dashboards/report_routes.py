"""Report views: a client's reports and schedules, a new report, its progress, its page, its PDF and workbook."""
from io import BytesIO

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from saas import db, params
from saas.audit import service as audit_trail
from saas.exports import XLSX_MIMETYPE
from saas.forms import read
from saas.i18n import local_today
from saas.views import get_or_404
from tenants.clients.models import Client
from tenants.dashboards import bp, jobs, periods, reports, snapshot, spreadsheet
from tenants.dashboards.forms import ReportForm, ScheduleForm
from tenants.dashboards.models import ReportSchedule


def _report_or_404(client_id, report_id):
    client = get_or_404(Client, client_id)
    report = reports.report_of(client, report_id)
    if report is None:
        abort(404)
    return client, report


def _index(client, form=None, errors=None, schedule_form=None, schedule_errors=None, status=200):
    today = local_today()
    default = {"period": "month", "month": f"{today.year:04d}-{today.month:02d}", "from": "", "to": "",
               "language": "en" if str(get_locale().language) == "en" else "fr"}
    return render_template(
        "dashboards/reports.html", client=client, reports=reports.reports_of(client.id),
        schedules=reports.schedules_of(client.id), people=reports.possible_recipients(client.id),
        form=form or default, errors=errors or {}, schedule_form=schedule_form or {"frequency": "weekly", "language": "fr"},
        schedule_errors=schedule_errors or {}, choices=periods.CHOICES), status


@bp.get("/<int:client_id>/reports")
def client_reports(client_id):
    """A client's reports (newest period first), the form of a new one, and the report schedules."""
    return _index(get_or_404(Client, client_id))


@bp.post("/<int:client_id>/reports")
def create_report(client_id):
    """Freeze the dashboard for the chosen period with the agency's commentary; a job renders the PDF."""
    client = get_or_404(Client, client_id)
    values, errors = read(ReportForm, request.form)
    try:
        period = periods.period_from_request(request.form)
    except params.BadParameter as problem:
        errors["period"] = problem.description
    if errors:
        return _index(client, request.form, errors, status=422)
    report = reports.create_report(client, period, values, current_user.id)
    jobs.queue_render_after_commit(report, g.agency.id)
    db.commit()
    return redirect(url_for("dashboards.report", client_id=client.id, report_id=report.id))


@bp.get("/<int:client_id>/reports/<int:report_id>")
def report(client_id, report_id):
    """A report: its progress while it renders, then the frozen dashboard with the agency's commentary."""
    client, found = _report_or_404(client_id, report_id)
    return render_template("dashboards/report.html", form={}, errors={}, **reports.page_context(found, client))


@bp.post("/<int:client_id>/reports/<int:report_id>")
def update_report(client_id, report_id):
    """Change a report's summary, highlights or language; its PDF is rendered again."""
    client, found = _report_or_404(client_id, report_id)
    values, errors = read(ReportForm, request.form)
    if errors:
        return render_template("dashboards/report.html", form=request.form, errors=errors,
                               **reports.page_context(found, client)), 422
    reports.update_commentary(found, values)
    jobs.queue_render_after_commit(found, g.agency.id)
    db.commit()
    flash(_("The commentary is saved; the PDF is being made again."), "success")
    return redirect(url_for("dashboards.report", client_id=client.id, report_id=found.id))


@bp.get("/<int:client_id>/reports/<int:report_id>/progress")
def report_progress(client_id, report_id):
    """The rendering's progress (htmx); 286 stops the polling once the report is ready or failed."""
    client, found = _report_or_404(client_id, report_id)
    body = render_template("dashboards/_report_progress.html", report=found, client=client)
    return body, 286 if found.status in reports.DONE else 200


@bp.post("/<int:client_id>/reports/<int:report_id>/retry")
def retry_report(client_id, report_id):
    """Render a failed report again."""
    client, found = _report_or_404(client_id, report_id)
    if found.status == "failed":
        reports.restart(found)
        jobs.queue_render_after_commit(found, g.agency.id)
        db.commit()
    return redirect(url_for("dashboards.report", client_id=client.id, report_id=found.id))


@bp.get("/<int:client_id>/reports/<int:report_id>.pdf")
def report_pdf(client_id, report_id):
    """The report's PDF (404 while none is rendered yet)."""
    client, found = _report_or_404(client_id, report_id)
    if not found.pdf:
        abort(404)
    return send_file(BytesIO(found.pdf), mimetype="application/pdf", download_name=reports.file_name(found, client, "pdf"))


@bp.get("/<int:client_id>/reports/<int:report_id>.xlsx")
def report_xlsx(client_id, report_id):
    """The report's frozen figures as a workbook (summary, days, sources, authors, alerts)."""
    client, found = _report_or_404(client_id, report_id)
    dashboard = snapshot.thaw(found.figures or {}, snapshot.period_of(found))
    return send_file(spreadsheet.dashboard_workbook(client, dashboard), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=reports.file_name(found, client, "xlsx"))


@bp.post("/<int:client_id>/report-schedules")
def create_schedule(client_id):
    """Send the client's report every Monday or every 1st to chosen team members and guests."""
    client = get_or_404(Client, client_id)
    allowed = [membership.id for membership, _user in reports.possible_recipients(client.id)]
    values, errors = read(ScheduleForm, request.form, allowed=allowed)
    if errors:
        return _index(client, schedule_form=request.form, schedule_errors=errors, status=422)
    db.session.add(ReportSchedule(client_id=client.id, frequency=values["frequency"], language=values["language"],
                                  recipient_ids=values["recipient_ids"], created_by_id=current_user.id))
    # Client data mailed on its own, week after week: who set it up, and for how many people, is kept.
    audit_trail.record("report_schedule_created", client.name, {"client_id": client.id, "frequency": values["frequency"],
                                                                "recipients": len(values["recipient_ids"])})
    db.commit()
    flash(_("The report schedule is saved."), "success")
    return redirect(url_for("dashboards.client_reports", client_id=client.id))


@bp.post("/<int:client_id>/report-schedules/<int:schedule_id>/delete")
def delete_schedule(client_id, schedule_id):
    """Stop a report schedule (the reports it made stay)."""
    client = get_or_404(Client, client_id)
    schedule = get_or_404(ReportSchedule, schedule_id)
    if schedule.client_id != client.id:
        abort(404)
    db.session.delete(schedule)
    audit_trail.record("report_schedule_stopped", client.name, {"client_id": client.id, "frequency": schedule.frequency})
    db.commit()
    flash(_("The report schedule is stopped."), "success")
    return redirect(url_for("dashboards.client_reports", client_id=client.id))
