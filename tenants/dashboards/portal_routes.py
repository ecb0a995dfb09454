"""The portal's reports: a client's guests list its ready reports and open their PDFs; never another client's."""
from io import BytesIO

from flask import abort, send_file

from saas.views import guest_allowed
from tenants.dashboards import portal_bp as bp
from tenants.dashboards import reports
from tenants.guests.access import portal_client_or_404


def ready_reports(client):
    """The client's ready reports, for its portal page (the portal checked the client already)."""
    return reports.reports_of(client.id, ready_only=True)


@bp.get("/<int:client_id>/reports/<int:report_id>.pdf")
@guest_allowed
def report_pdf(client_id, report_id):
    """A ready report's PDF, for a guest of its client (404 for any other client or report)."""
    client = portal_client_or_404(client_id)
    report = reports.report_of(client, report_id)
    if report is None or report.status != "ready" or not report.pdf:
        abort(404)
    return send_file(BytesIO(report.pdf), mimetype="application/pdf",
                     download_name=reports.file_name(report, client, "pdf"))
