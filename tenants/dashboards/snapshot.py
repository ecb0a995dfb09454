"""A dashboard frozen as JSON (a report's figures) and read back as the objects the dashboard's partial reads.

Dates and moments are ISO texts; the few mentions listed keep only what the partial shows of them.
"""
from datetime import date, datetime
from types import SimpleNamespace

from tenants.dashboards.figures import Dashboard, Day, Totals
from tenants.dashboards.periods import Period
from tenants.dashboards.voice import Brand, ShareOfVoice, with_shares

MENTION_FIELDS = ("id", "url", "title", "excerpt", "source_kind", "source_name", "author", "sentiment",
                  "sentiment_corrected")


def _totals(totals):
    return {"positive": totals.positive, "neutral": totals.neutral, "negative": totals.negative}


def _mention(mention):
    return {**{name: getattr(mention, name) for name in MENTION_FIELDS},
            "excerpt": (mention.excerpt or "")[:300], "published_at": mention.published_at.isoformat()}


def freeze(dashboard):
    """The dashboard as plain JSON values."""
    return {
        "days": [{"day": d.day.isoformat(), "positive": d.positive, "neutral": d.neutral, "negative": d.negative,
                  "previous": d.previous} for d in dashboard.days],
        "current": _totals(dashboard.current), "previous": _totals(dashboard.previous),
        "sources": [list(row) for row in dashboard.sources], "authors": [list(row) for row in dashboard.authors],
        "visible": [_mention(m) for m in dashboard.visible],
        "most_negative": [_mention(m) for m in dashboard.most_negative],
        "alerts": [[moment.isoformat(), kind, score, crisis_id, alert_id, rule]
                   for moment, kind, score, crisis_id, alert_id, rule in dashboard.alerts],
        "board": dict(dashboard.board),
        **({"voice": _voice(dashboard.voice)} if dashboard.voice else {}),
        **({"coverage": _coverage(dashboard.coverage)} if dashboard.coverage else {}),
    }


def _coverage(coverage):
    return {**coverage, "items": [[headline, outlet, url, moment.isoformat() if moment else None]
                                  for headline, outlet, url, moment in coverage.get("items", [])]}


def _thawed_coverage(values):
    """A snapshot's press coverage ({} for a report made before coverage was counted: the block is left out)."""
    if not values:
        return {}
    return {**values, "items": [(headline, outlet, url, datetime.fromisoformat(moment) if moment else None)
                                for headline, outlet, url, moment in values.get("items", [])]}


def _voice(voice):
    return {"days": [day.isoformat() for day in voice.days],
            "brands": [{"name": b.name, "color": b.color, "own": b.own, "days": list(b.days),
                        "current": _totals(b.current), "previous": _totals(b.previous)} for b in voice.brands]}


def _thawed_voice(values):
    """The share of voice of a snapshot, or None (a report made before competitors existed has none)."""
    if not values:
        return None
    brands = [Brand(b["name"], b["color"], b.get("own", False), list(b["days"]), Totals(**b["current"]),
                    Totals(**b["previous"])) for b in values.get("brands", [])]
    if not any(b.own for b in brands):
        return None
    return with_shares(ShareOfVoice([date.fromisoformat(d) for d in values.get("days", [])], brands))


def _thawed_mention(values):
    return SimpleNamespace(**{**values, "published_at": datetime.fromisoformat(values["published_at"])})


def thaw(figures, period):
    """A Dashboard of frozen figures for `period` (its template reads it as it reads a live one)."""
    return Dashboard(
        period=period,
        days=[Day(date.fromisoformat(d["day"]), d["positive"], d["neutral"], d["negative"], d["previous"])
              for d in figures.get("days", [])],
        current=Totals(**figures.get("current", {})), previous=Totals(**figures.get("previous", {})),
        sources=[tuple(row) for row in figures.get("sources", [])],
        authors=[tuple(row) for row in figures.get("authors", [])],
        visible=[_thawed_mention(m) for m in figures.get("visible", [])],
        most_negative=[_thawed_mention(m) for m in figures.get("most_negative", [])],
        alerts=[(datetime.fromisoformat(a[0]), *a[1:]) for a in figures.get("alerts", [])],
        board={"created": 0, "done": 0, "approved": 0, "changes": 0, **figures.get("board", {})},
        voice=_thawed_voice(figures.get("voice")),
        coverage=_thawed_coverage(figures.get("coverage")),
    )


def period_of(report):
    """The report's period, as the dashboard's Period."""
    return Period(report.period_kind, report.first_day, report.last_day, report.previous_first, report.previous_last)
