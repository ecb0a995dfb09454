"""Counting by time buckets, shared by the dashboard's figures and its share of voice.

Mentions are counted per UTC hour (per 15 minutes in a zone whose offset is not a whole hour) by the
database; the buckets are then folded into the agency's days in Python, so that a day follows the
agency's clock across a change of summer time on PostgreSQL and SQLite alike.
"""
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import BigInteger, Integer, cast, func

from saas import db

SENTIMENTS = ("positive", "neutral", "negative")


@dataclass
class Totals:
    """Mentions of a period by sentiment."""

    positive: int = 0
    neutral: int = 0
    negative: int = 0

    @property
    def total(self):
        """Mentions of the period."""
        return self.positive + self.neutral + self.negative

    def share(self, sentiment):
        """The share (0 to 1) of the period's mentions with this sentiment; None without mentions."""
        return getattr(self, sentiment) / self.total if self.total else None


def bucket_start(column, width):
    """SQL for the start (epoch seconds, UTC) of the `width`-second bucket holding a timestamp."""
    if db.is_postgres():
        return cast(func.floor(func.extract("epoch", column) / width) * width, BigInteger)
    return cast(func.strftime("%s", column), Integer) // width * width


def bucket_width(zone, period):
    """An hour, unless the zone's offset over the periods is not a whole hour (then 15 minutes)."""
    moments = (period.previous_start, period.start, period.end)
    return 3600 if all(zone.utcoffset(m.replace(tzinfo=None)).total_seconds() % 3600 == 0 for m in moments) else 900


def local_day(epoch, zone):
    """The agency's day holding a bucket that starts at `epoch` (UTC seconds)."""
    return datetime.fromtimestamp(int(epoch), timezone.utc).astimezone(zone).date()
