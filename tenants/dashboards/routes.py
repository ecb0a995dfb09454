"""Dashboard views: a client's figures for a chosen period, against the previous one."""
from io import BytesIO

from flask import g, render_template, send_file

from saas.auth import logo
from saas.exports import XLSX_MIMETYPE
from saas.pagecache import cached_page
from saas.views import get_or_404
from tenants.clients.models import Client
from saas import pdf
from tenants.dashboards import bp, figures, periods, reports, spreadsheet


def _dashboard_context(client_id, printed=False):
    client = get_or_404(Client, client_id)
    period = periods.period_from_request()
    dashboard = figures.client_dashboard(client.id, period)
    return {"client": client, "d": dashboard, "period": period, "charts": reports.charts_for(dashboard, client.color, printed),
            "choices": periods.CHOICES}


@bp.get("/<int:client_id>/dashboard")
@cached_page
def client_dashboard(client_id):
    """A client's dashboard: volume, sentiment, sources, authors, mentions to read, alerts, board work."""
    return render_template("dashboards/show.html", **_dashboard_context(client_id))


@bp.get("/<int:client_id>/dashboard.pdf")
def client_dashboard_pdf(client_id):
    """The same dashboard as an A4 PDF, to send to the client."""
    context = _dashboard_context(client_id, printed=True)
    html = render_template("dashboards/print.html", stylesheet=pdf.print_stylesheet(), logo=logo.data_uri(g.agency),
                           **context)
    period = context["period"]
    name = f"{context['client'].name} {period.first.isoformat()} {period.last.isoformat()}.pdf"
    return send_file(BytesIO(pdf.html_to_pdf(html)), mimetype="application/pdf", download_name=name)


@bp.get("/<int:client_id>/dashboard.xlsx")
def client_dashboard_xlsx(client_id):
    """The dashboard's figures as a spreadsheet (summary, days, sources, authors, alerts)."""
    client = get_or_404(Client, client_id)
    period = periods.period_from_request()
    workbook = spreadsheet.dashboard_workbook(client, figures.client_dashboard(client.id, period))
    name = f"{client.name} {period.first.isoformat()} {period.last.isoformat()}.xlsx"
    return send_file(workbook, mimetype=XLSX_MIMETYPE, download_name=name, as_attachment=True)
