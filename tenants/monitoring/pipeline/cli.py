"""`flask sources ...`: try a source the way Relais reads it, and see what an agency would see.

Every command goes through the same safe HTTP client and parsers as the monitoring jobs,
so a refusal here (a private address, a page that is not a feed) is the refusal users get.
"""
from pathlib import Path

import click
from flask.cli import AppGroup

from saas.http import FetchError, fetch
from tenants.monitoring.pipeline.connectors import CONNECTORS, search
from tenants.monitoring.pipeline.feeds import FEED_ACCEPT, MAX_FEED_BYTES, FeedError, parse_feed

sources_cli = AppGroup("sources", help="Try monitoring sources the way Relais reads them.")
SHOWN_ITEMS = 5
EXCERPT_CHARS = 100


@sources_cli.command("test")
@click.argument("url")
@click.option("--limit", default=SHOWN_ITEMS, show_default=True, help="How many items to show.")
def test_source(url, limit):
    """Fetch a feed URL through the safe client and show its items, or why it was refused."""
    try:
        result = fetch(url, accept=FEED_ACCEPT)
        feed = parse_feed(result.body, base_url=result.url, content_type=result.headers.get("content-type"))
    except (FetchError, FeedError) as error:
        raise click.ClickException(str(error)) from None
    if result.url != url:
        click.echo(f"Redirected to {result.url}")
    show_items(feed.title or result.url, feed.items, limit)


@sources_cli.command("parse")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--limit", default=SHOWN_ITEMS, show_default=True, help="How many items to show.")
def parse_source_file(path, limit):
    """Parse a saved feed file the same way and show its items, or why it cannot be read."""
    with path.open("rb") as handle:
        body = handle.read(MAX_FEED_BYTES + 1)  # one byte more is enough to know it is too large
    try:
        feed = parse_feed(body, source_name=path.name)
    except FeedError as error:
        raise click.ClickException(str(error)) from None
    show_items(feed.title or path.name, feed.items, limit)


@sources_cli.command("search")
@click.argument("kind", type=click.Choice(sorted(CONNECTORS)))
@click.argument("term")
@click.option("--base-url", help="Server to ask instead of the public one (for Mastodon: the instance).")
@click.option("--limit", default=SHOWN_ITEMS, show_default=True, help="How many items to show.")
def search_source(kind, term, base_url, limit):
    """Search a term with one connector (hackernews, bluesky, mastodon, reddit) and show the items."""
    try:
        items = search(kind, term, base_url)
    except (FetchError, FeedError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    show_items(f"{CONNECTORS[kind].label}: {term}", items, limit)


def show_items(title, items, limit):
    """Print how many items were found and the first ones: date, title (or excerpt), link."""
    click.echo(f"{title}: {len(items)} item{'s' if len(items) != 1 else ''}")
    for item in items[:limit]:
        when = item.published.strftime("%Y-%m-%d %H:%M UTC") if item.published else "(no date)"
        click.echo(f"- {when}  {headline(item)}")
        if item.url:
            click.echo(f"  {item.url}")


def headline(item):
    """Return the item's title, or the start of its text when it has none (social posts)."""
    text = item.title or item.text.replace("\n", " ") or "(no title)"
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS - 1] + "…"
