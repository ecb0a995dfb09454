"""Fetch one source through the safe HTTP client and turn the answer into items."""
from saas.http import fetch
from tenants.monitoring.pipeline.feeds import FEED_ACCEPT, parse_feed


def fetch_items(source):
    """Return (fetch result, items) for a source; raise FetchError or FeedError on failure."""
    if source.kind == "rss":
        result = fetch(source.url, etag=source.etag, last_modified=source.last_modified, accept=FEED_ACCEPT)
        if result.not_modified:
            return result, []
        feed = parse_feed(result.body, base_url=result.url, content_type=result.headers.get("content-type"),
                          source_name=source.title or None)
        if feed.title and not source.title:
            source.title = feed.title[:300]
        return result, feed.items
    from tenants.monitoring.pipeline.connectors import parse_search
    from tenants.monitoring.pipeline.sources import fulltext_token

    token = fulltext_token(source)
    result = fetch(source.url, etag=source.etag, last_modified=source.last_modified, accept="application/json",
                   authorization=f"Bearer {token}" if token else None)
    if result.not_modified:
        return result, []
    return result, parse_search(source.kind, result.body)
