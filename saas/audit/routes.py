"""The owners' audit log page: filters (action, person, days), keyset pages, CSV and XLSX exports."""
from flask import Response, g, render_template, send_file, stream_with_context
from flask_babel import get_locale
from flask_babel import gettext as _

from saas import db, exports, params, tenancy
from saas.audit import bp, service
from saas.devices import describe
from saas.errors import render_error
from saas.i18n import agency_zone, local_today
from saas.views import require_role


def _filters():
    since, until = params.date_arg("from"), params.date_arg("to")
    if since and until and since > until:
        raise params.BadParameter("to", _("The end date must be on or after the start date."))
    return {"action": params.choice_arg("action", tuple(service.ACTIONS)), "person": params.id_arg("person"),
            "since": since, "until": until}


def _query_args(filters):
    names = {"action": "action", "person": "person", "since": "from", "until": "to"}
    return {names[key]: (value.isoformat() if hasattr(value, "isoformat") else value)
            for key, value in filters.items() if value}


@bp.get("/")
@require_role("owner")
def index():
    """Who did what in the agency, newest first (owners only)."""
    filters = _filters()
    entries, following = service.page(service.filtered(zone=agency_zone(), **filters), params.cursor_arg("after"))
    return render_template("audit/index.html", entries=entries, filters=filters, args=_query_args(filters),
                           after=params.encode_cursor(*following) if following else None,
                           actions=service.ACTIONS, people=service.people(), label=service.action_label,
                           device=lambda agent: describe(agent)[0] if agent else "—",
                           retention=service.retention_days())


def _header():
    return [_("Date"), _("Person"), _("Action"), _("Target"), _("Details"), _("IP address"), _("Browser")]


def _rows(query):
    for entry in db.session.scalars(query.execution_options(yield_per=500)):
        details = "; ".join(f"{key}: {value}" for key, value in sorted((entry.details or {}).items()))
        yield [entry.created_at, entry.actor_email, str(service.action_label(entry.action)), entry.target, details,
               entry.ip, entry.user_agent]


def _filename(extension):
    name = _("audit-log")
    return f"{name}-{local_today().isoformat()}.{extension}"


@bp.get("/export.csv")
@require_role("owner")
def export_csv():
    """The filtered log as CSV for the reader's Excel (its own export is logged)."""
    filters = _filters()
    layout, header, agency_id = exports.layout_for(get_locale(), agency_zone()), _header(), g.agency.id
    service.record("audit_exported", "CSV", {"filters": _query_args(filters)})

    def chunks():
        with tenancy.agency_scope(agency_id):  # the body is produced after the view returns
            yield from exports.csv_chunks(header, _rows(service.filtered(zone=layout.tz, **filters)), layout)

    return Response(stream_with_context(chunks()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{_filename("csv")}"'})


@bp.get("/export.xlsx")
@require_role("owner")
def export_xlsx():
    """The filtered log as an Excel workbook (its own export is logged)."""
    filters = _filters()
    layout = exports.layout_for(get_locale(), agency_zone())
    try:
        workbook = exports.xlsx_file(_header(), _rows(service.filtered(zone=layout.tz, **filters)), layout,
                                     _("Audit log"))
    except exports.TooManyRows:
        return render_error(400, _("Too many entries for one spreadsheet: narrow the filters, or export as CSV."))
    service.record("audit_exported", "XLSX", {"filters": _query_args(filters)})
    return send_file(workbook, mimetype=exports.XLSX_MIMETYPE, as_attachment=True, download_name=_filename("xlsx"))
