"""Share of voice: the client's mentions against each competitor's, for the period and the previous one.

The client's side is the dashboard's own count (its mentions); each competitor's is counted in SQL from
`competitor_mentions` in one GROUP BY (competitor, UTC hour bucket, sentiment) over both periods, folded
into the agency's days like the dashboard's volume. Two queries whatever the data: the competitors, the counts.
"""
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from saas import db
from saas.i18n import agency_zone
from tenants.clients.models import Client
from tenants.dashboards.buckets import SENTIMENTS, Totals, bucket_start, bucket_width, local_day
from tenants.monitoring.models import Competitor, CompetitorMention


@dataclass
class Brand:
    """One voice: the client (`own`) or a competitor, its mentions per day and per sentiment in both periods."""

    name: str
    color: str
    own: bool = False
    days: list = field(default_factory=list)  # mentions per day of the period, in order
    current: Totals = field(default_factory=Totals)
    previous: Totals = field(default_factory=Totals)
    share: float | None = None  # of all the brands' mentions of the period (0 to 1); None when nobody spoke
    previous_share: float | None = None

    @property
    def change(self):
        """The change of the share against the previous period, in points (0.1 = +10 points); None if unknown."""
        if self.share is None or self.previous_share is None:
            return None
        return self.share - self.previous_share

    @property
    def volume_change(self):
        """The change of mentions against the previous period (0.25 = +25 %); None when it had none."""
        if not self.previous.total:
            return None
        return (self.current.total - self.previous.total) / self.previous.total


@dataclass
class ShareOfVoice:
    """The brands compared (the client first), with the days of the period."""

    days: list  # the period's dates
    brands: list

    @property
    def total(self):
        """Every brand's mentions of the period."""
        return sum(b.current.total for b in self.brands)

    @property
    def previous_total(self):
        """Every brand's mentions of the previous period."""
        return sum(b.previous.total for b in self.brands)

    @property
    def own(self):
        """The client's voice."""
        return next(b for b in self.brands if b.own)

    def day_totals(self):
        """Every brand's mentions on each day."""
        return [sum(b.days[i] for b in self.brands) for i in range(len(self.days))]


def with_shares(voice):
    """Set each brand's share of both periods (used again on a thawed snapshot)."""
    total, previous_total = voice.total, voice.previous_total
    for brand in voice.brands:
        brand.share = brand.current.total / total if total else None
        brand.previous_share = brand.previous.total / previous_total if previous_total else None
    return voice


def share_of_voice(client_id, period, days, current, previous):
    """The client's share of voice against its competitors; None when it has none (two queries)."""
    competitors = db.session.scalars(select(Competitor).where(Competitor.client_id == client_id)
                                     .order_by(Competitor.id)).all()
    if not competitors:
        return None
    client = db.session.get(Client, client_id)  # loaded by the view already: no query
    own = Brand(client.name, client.color, True, [d.total for d in days], current, previous)
    brands = {c.id: Brand(c.name, c.color, days=[0] * len(days)) for c in competitors}
    index = {d.day: i for i, d in enumerate(days)}
    zone = agency_zone()
    bucket = bucket_start(CompetitorMention.published_at, bucket_width(zone, period))
    rows = db.session.execute(
        select(CompetitorMention.competitor_id, bucket, CompetitorMention.sentiment, func.count())
        .where(CompetitorMention.client_id == client_id, CompetitorMention.published_at >= period.previous_start,
               CompetitorMention.published_at < period.end)
        .group_by(CompetitorMention.competitor_id, bucket, CompetitorMention.sentiment)).all()
    sums = defaultdict(int)
    for competitor_id, epoch, label, count in rows:
        brand = brands.get(competitor_id)
        if brand is None:
            continue
        label = label if label in SENTIMENTS else "neutral"
        day = local_day(epoch, zone)
        if day in index:
            brand.days[index[day]] += count
            sums[(competitor_id, "current", label)] += count
        elif period.previous_first <= day <= period.previous_last:
            sums[(competitor_id, "previous", label)] += count
    for (competitor_id, which, label), count in sums.items():
        setattr(getattr(brands[competitor_id], which), label, count)
    return with_shares(ShareOfVoice([d.day for d in days], [own, *brands.values()]))
