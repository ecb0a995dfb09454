"""A dashboard's figures as an XLSX workbook: a summary, the days, the sources, the authors and the alerts."""
from flask_babel import get_locale
from flask_babel import gettext as _

from saas.exports import layout_for, xlsx_workbook
from saas.i18n import agency_zone


def dashboard_workbook(client, dashboard):
    """Write the dashboard's figures to a temporary XLSX file, in the reader's language and the agency's zone."""
    period, current, previous = dashboard.period, dashboard.current, dashboard.previous
    summary = [
        (_("Client"), client.name, ""),
        (_("Period"), period.first, period.last),
        (_("Previous period"), period.previous_first, period.previous_last),
        (_("Mentions"), current.total, previous.total),
        (_("Positive"), current.positive, previous.positive),
        (_("Neutral"), current.neutral, previous.neutral),
        (_("Negative"), current.negative, previous.negative),
    ]
    sheets = [
        (_("Summary"), ("", _("Period"), _("Previous period")), summary),
        (_("Days"), (_("Day"), _("Positive"), _("Neutral"), _("Negative"), _("Mentions"),
                     _("Previous period, same day")),
         [(d.day, d.positive, d.neutral, d.negative, d.total, d.previous) for d in dashboard.days]),
        (_("Sources"), (_("Source type"), _("Source"), _("Mentions"), _("Negative")), dashboard.sources),
        (_("Authors"), (_("Author"), _("Mentions"), _("Negative")), dashboard.authors),
        (_("Alerts"), (_("Date"), _("Kind"), _("Score"), _("Rule")),
         [(moment, _("Crisis") if kind == "crisis" else _("Buzz"), round(score or 0), rule)
          for moment, kind, score, _crisis, _alert, rule in dashboard.alerts]),
    ]
    return xlsx_workbook(sheets, layout_for(get_locale(), agency_zone()))
