"""The JSON body every event is sent as: {"type", "timestamp", "data"} (Standard Webhooks' shape)."""
import json

from saas.db import utcnow


def isoformat(moment):
    """A UTC moment as ISO 8601 with a Z."""
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def body_of(event_type, data, now=None):
    """The JSON body of an event."""
    return json.dumps({"type": event_type, "timestamp": isoformat(now or utcnow()), "data": data},
                      ensure_ascii=False, separators=(",", ":"), default=str)
