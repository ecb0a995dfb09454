"""A report's summary written from its figures, in the report's language (a scheduled report's commentary).

The agency writes its own words on a report it makes by hand; a report made on schedule has nobody to
write them, so Relais writes what the figures say: the volume and its change, the sentiment, the busiest
day, the first outlet, the alerts. The agency can rewrite it on the report's page (the PDF follows).
"""
from babel.dates import format_interval
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from saas.i18n import format_date, number, percent


def written_summary(dashboard, client_name, language):
    """The figures of `dashboard` told in a few sentences, in `language` ("fr" or "en")."""
    with force_locale(language):
        period = dashboard.period
        current, previous = dashboard.current, dashboard.previous
        span = format_interval(period.first, period.last, "yMMMd", locale=get_locale())
        if not current.total:
            return _("%(period)s: no mention of %(client)s.", period=span, client=client_name)
        sentences = [ngettext("%(period)s: %(count)s mention of %(client)s.",
                              "%(period)s: %(count)s mentions of %(client)s.", current.total,
                              period=span, count=number(current.total), client=client_name)]
        if dashboard.change is not None:
            change = dashboard.change
            if abs(change) < 0.005:
                sentences.append(_("As many as in the previous period (%(count)s).", count=number(previous.total)))
            else:
                told = {"change": percent(abs(change)), "count": number(previous.total)}
                sentences.append(_("Up %(change)s on the previous period (%(count)s).", **told) if change > 0 else
                                 _("Down %(change)s on the previous period (%(count)s).", **told))
        sentences.append(_("%(negative)s negative, %(positive)s positive.",
                           negative=percent(current.share("negative")), positive=percent(current.share("positive"))))
        busiest = dashboard.busiest
        if busiest is not None and period.days > 1:
            sentences.append(ngettext("Busiest day: %(day)s, with %(count)s mention.",
                                      "Busiest day: %(day)s, with %(count)s mentions.", busiest.total,
                                      day=format_date(busiest.day, "full"), count=number(busiest.total)))
        if dashboard.sources:
            _kind, name, count, _negative = dashboard.sources[0]
            sentences.append(ngettext("First outlet: %(outlet)s (%(count)s mention).",
                                      "First outlet: %(outlet)s (%(count)s mentions).", count,
                                      outlet=name, count=number(count)))
        crises = sum(1 for alert in dashboard.alerts if alert[1] != "buzz")
        buzz = len(dashboard.alerts) - crises
        if crises:
            sentences.append(ngettext("%(count)s crisis alert.", "%(count)s crisis alerts.", crises,
                                      count=number(crises)))
        if buzz:
            sentences.append(ngettext("%(count)s buzz alert.", "%(count)s buzz alerts.", buzz, count=number(buzz)))
        return " ".join(str(sentence) for sentence in sentences)
