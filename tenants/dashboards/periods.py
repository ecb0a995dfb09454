"""The period a dashboard shows and the one it is compared with, as days of the agency's calendar.

7 and 30 days end today; a month is a calendar month, compared with the month before; a custom
range (at most MAX_DAYS) is compared with the as many days just before it. Bounds are local days
turned into UTC moments with `local_moment`, so a mention at 23:30 in Paris counts on that Paris day.
"""
import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from saas import params
from saas.i18n import local_moment, local_today

CHOICES = ("7d", "30d", "month", "custom")
MAX_DAYS = 366
_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{2})")


@dataclass(frozen=True)
class Period:
    """Inclusive local days of the period shown and of the previous one."""

    kind: str
    first: date
    last: date
    previous_first: date
    previous_last: date

    @property
    def days(self):
        """How many days the period covers."""
        return (self.last - self.first).days + 1

    @property
    def start(self):
        """The UTC moment the period starts."""
        return local_moment(self.first)

    @property
    def end(self):
        """The UTC moment just after the period."""
        return local_moment(self.last + timedelta(days=1))

    @property
    def previous_start(self):
        """The UTC moment the previous period starts."""
        return local_moment(self.previous_first)

    @property
    def month(self):
        """The month shown, as YYYY-MM (the month picker's value)."""
        return f"{self.first.year:04d}-{self.first.month:02d}"


def last_days(count, today):
    """The `count` days ending today, against the `count` days before."""
    first = today - timedelta(days=count - 1)
    return Period(f"{count}d", first, today, first - timedelta(days=count), first - timedelta(days=1))


def calendar_month(year, month):
    """A calendar month, against the month before."""
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    previous_last = first - timedelta(days=1)
    return Period("month", first, last, previous_last.replace(day=1), previous_last)


def custom(first, last):
    """From `first` to `last` included, against as many days just before."""
    length = (last - first).days + 1
    return Period("custom", first, last, first - timedelta(days=length), first - timedelta(days=1))


def month_arg(name, default, source=None):
    """A YYYY-MM month from the query string (or `source`), as (year, month); `default` when absent; else 400."""
    text = params.text_arg(name, 20, source=source)
    if not text:
        return default
    found = _MONTH_RE.fullmatch(text)
    if not found or not 1 <= int(found.group(2)) <= 12 or not 1900 <= int(found.group(1)) <= 2199:
        raise params.BadParameter(name, _("“%(name)s” must be a month like 2026-03.", name=name))
    return int(found.group(1)), int(found.group(2))


def period_from_request(source=None):
    """Read `period` (7d, 30d, month, custom), `month`, `from` and `to` (query string, or a form as `source`).

    A bad value is a 400 (params.BadParameter, which a form's view may show instead).
    """
    today = local_today()
    kind = params.choice_arg("period", CHOICES, "30d", source=source)
    if kind == "7d":
        return last_days(7, today)
    if kind == "month":
        return calendar_month(*month_arg("month", (today.year, today.month), source))
    if kind == "custom":
        first = params.date_arg("from", today - timedelta(days=29), source=source)
        last = params.date_arg("to", today, source=source)
        if last < first:
            raise params.BadParameter("to", _("The end of the period must not be before its start."))
        if (last - first).days + 1 > MAX_DAYS or first - timedelta(days=MAX_DAYS) < params.MIN_DATE:
            raise params.BadParameter("from", _("A period covers at most %(days)s days.", days=MAX_DAYS))
        return custom(first, last)
    return last_days(30, today)
