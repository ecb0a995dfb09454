"""The API's stored reports: a client's list, one report with its frozen figures, its PDF once rendered.

Reports are made on the workspace's pages, by schedules (tenants/dashboards/reports.py), or here with a write
token; a job renders the PDF (the `report.ready` webhook says when). A token limited to one client sees that
client's reports only (another's: 404, like another agency's).
"""
from io import BytesIO

from flask import abort, g, send_file
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from werkzeug.datastructures import MultiDict

from saas import db, params, tenancy
from saas.errors import problem
from saas.forms import read
from saas.views import get_or_404
from tenants.api.v1 import schemas
from tenants.api.v1.routes import clients_bp, documented, visible_client
from tenants.dashboards import jobs, periods, reports
from tenants.dashboards.forms import ReportForm
from tenants.dashboards.models import Report

reports_bp = Blueprint("api_reports", __name__, url_prefix="/api/v1/reports", description="Stored client reports")
BLUEPRINTS = (reports_bp,)
PDF = {"type": "string", "format": "binary"}


@clients_bp.get("/<int:client_id>/reports")
@clients_bp.response(200, schemas.ReportSchema(many=True))
@documented(clients_bp, 401, 404, 429)
def client_reports(client_id):
    """A client's reports, the newest period first (`links.pdf` once the PDF is rendered)."""
    return reports.reports_of(visible_client(client_id).id)


@clients_bp.post("/<int:client_id>/reports")
@clients_bp.arguments(schemas.ReportCreateSchema)
@clients_bp.response(202, schemas.ReportSchema)
@documented(clients_bp, 401, 403, 404, 422, 429)
def create_report(values, client_id):
    """Freeze the client's dashboard for a period as a report with the agency's commentary; a job renders its PDF
    (`state` queued, then ready: `links.pdf`, and the `report.ready` webhook). 429 while the agency already has
    20 reports waiting for their PDF."""
    client = visible_client(client_id)
    period = {"period": values["period"], "month": values.get("month", ""),
              "from": values["from_"].isoformat() if values.get("from_") else "",
              "to": values["to"].isoformat() if values.get("to") else ""}
    commentary, errors = read(ReportForm, MultiDict({key: values[key] for key in ("language", "summary", "highlights")}))
    try:
        chosen = periods.period_from_request(MultiDict({key: value for key, value in period.items() if value}))
    except params.BadParameter as bad:
        errors[bad.parameter] = str(bad.description)
    if errors:  # what the pages say, in the reader's language, in webargs' shape (as the schema's own errors)
        return problem(422, errors={"json": {name: [message] for name, message in errors.items()}})
    if reports.pending_count() >= reports.MAX_PENDING:
        response = problem(429, _l("The agency already has %(n)d reports waiting for their PDF: try again in a "
                                   "minute.", n=reports.MAX_PENDING))
        response.headers["Retry-After"] = "60"
        return response
    report = reports.create_report(client, chosen, commentary, None)
    jobs.queue_render_after_commit(report, tenancy.current_agency_id())
    db.commit()
    return report


@reports_bp.get("/<int:report_id>")
@reports_bp.response(200, schemas.ReportDetailSchema)
@documented(reports_bp, 401, 404, 429)
def get_report(report_id):
    """One report: its period, state, the agency's summary and highlights, and the figures frozen when it was made."""
    report = _visible_report(report_id)
    report.figures_summary = figures_summary(report.figures or {})
    return report


@reports_bp.get("/<int:report_id>/pdf")
@reports_bp.response(200, PDF, content_type="application/pdf", description="The report as PDF.")
@documented(reports_bp, 401, 404, 409, 429)
def report_pdf(report_id):
    """The report's PDF; 409 while it is queued or rendering (or when its rendering failed)."""
    report = _visible_report(report_id)
    if report.status != "ready" or not report.pdf:
        return problem(409, _not_ready(report.status))
    client = visible_client(report.client_id)
    return send_file(BytesIO(report.pdf), mimetype="application/pdf",
                     download_name=reports.file_name(report, client, "pdf"))


def _not_ready(status):
    if status == "failed":
        return _l("The PDF could not be made: retry it from the report's page.")
    return _l("The PDF is being made: try again in a minute.")


def _visible_report(report_id):
    report = get_or_404(Report, report_id)
    if g.api_token.client_id not in (None, report.client_id):
        abort(404)
    return report


def _totals(values):
    values = {name: int(values.get(name, 0)) for name in ("positive", "neutral", "negative")}
    return {**values, "total": sum(values.values())}


def figures_summary(figures):
    """The frozen figures (tenants/dashboards/snapshot.py) as named values, without the mentions' texts."""
    return {
        "current": _totals(figures.get("current", {})), "previous": _totals(figures.get("previous", {})),
        "days": figures.get("days", []),
        "sources": [dict(zip(("kind", "name", "mentions", "negative"), row)) for row in figures.get("sources", [])],
        "authors": [dict(zip(("author", "mentions", "negative"), row)) for row in figures.get("authors", [])],
        "alerts": [dict(zip(("at", "kind", "score", "crisis_id"), row[:4])) for row in figures.get("alerts", [])],
        "board": {"created": 0, "done": 0, "approved": 0, "changes": 0, **figures.get("board", {})},
    }
