"""A dashboard's figures as an XLSX workbook: a summary, the days, the share of voice, the sources, the authors, the alerts."""
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
    if dashboard.coverage:
        coverage = dashboard.coverage
        summary += [(_("Press coverage"), coverage["count"], ""), (_("Reach"), coverage["reach"], ""),
                    (_("Media value (€)"), coverage["value"], "")]
        sheets.append((_("Press coverage"), (_("Date"), _("Outlet"), _("Headline"), _("Address")),
                       [(moment, outlet, headline, url) for headline, outlet, url, moment in coverage["items"]]))
    if dashboard.voice:
        sheets[2:2] = voice_sheets(dashboard.voice)
    return xlsx_workbook(sheets, layout_for(get_locale(), agency_zone()))


def _percent(share):
    return None if share is None else round(share * 100, 1)


def voice_sheets(voice):
    """The share of voice: a row per brand (shares in %, the change in points), then each brand's days."""
    brands = [(b.name, b.current.total, _percent(b.share), b.previous.total, _percent(b.previous_share),
               None if b.change is None else round(b.change * 100, 1), b.current.positive, b.current.neutral,
               b.current.negative) for b in voice.brands]
    days = [(day, *(b.days[i] for b in voice.brands)) for i, day in enumerate(voice.days)]
    return [
        (_("Share of voice"), (_("Brand"), _("Mentions"), _("Share of voice (%)"), _("Previous period"),
                               _("Previous share (%)"), _("Change (points)"), _("Positive"), _("Neutral"),
                               _("Negative")), brands),
        (_("Share of voice by day"), (_("Day"), *(b.name for b in voice.brands)), days),
    ]
