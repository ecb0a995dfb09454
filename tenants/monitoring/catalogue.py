"""The built-in press catalogue (data/press_catalogue.json): outlets' own feeds, followed in one click.

Each feed becomes the same platform-wide source as a feed pasted by hand (register_source): one
fetch for every agency that follows it, and a feed that fails shows as failing like any source.
"""
import json
from functools import lru_cache
from pathlib import Path

from saas.domain import NotFound
from tenants.monitoring import service

CATALOGUE_PATH = Path(__file__).parent / "data" / "press_catalogue.json"
TYPES = ("national", "regional", "trade", "international")


@lru_cache(maxsize=1)
def outlets():
    """Return the outlets of the catalogue, in the order of the file."""
    return tuple(json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))["outlets"])


def by_type():
    """Return [(type, outlets of that type)] in TYPES order."""
    return [(kind, [outlet for outlet in outlets() if outlet["type"] == kind]) for kind in TYPES]


def follow(client_id, outlet_id=None, group=None):
    """Follow one outlet's feeds, or every outlet of a group, for a client; return the outlets followed."""
    chosen = [outlet for outlet in outlets() if outlet["id"] == outlet_id or (group and outlet["type"] == group)]
    if not chosen:
        raise NotFound()
    for outlet in chosen:
        for url in outlet["feeds"]:
            service.follow_feed(client_id, url, title=outlet["name"])
    return chosen
