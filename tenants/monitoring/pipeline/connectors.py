"""Keyword search connectors: each builds a service's search URL and parses its JSON into Items.

`search_url(kind, term, base_url)` and `parse_search(kind, body)` are what the pipeline
uses; `search(kind, term)` does both through the safe HTTP client. Base URLs are arguments
so that tests (or a mirror) can point a connector elsewhere; for Mastodon the base is the
instance ("mastodon.social" or a full URL). Links stored on items always point at the
public web pages people can open.
"""
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from saas.http import fetch
from tenants.monitoring.pipeline.feeds import FeedError, Item, external_id, language_code, safe_link
from tenants.monitoring.pipeline.sanitize import html_to_text, squeeze_whitespace

HACKERNEWS_API = "https://hn.algolia.com/api/v1"
BLUESKY_API = "https://public.api.bsky.app"
REDDIT_API = "https://www.reddit.com"
REDDIT_WEB = "https://www.reddit.com"
PAGE_SIZE = 100
MASTODON_PAGE_SIZE = 40  # the most a Mastodon timeline returns at once


@dataclass(frozen=True)
class Connector:
    """A search source: its label, default base URL, URL builder and response parser."""

    name: str
    label: str
    default_base: str | None
    build_url: Callable[[str, str], str]
    parse: Callable[[bytes], list]


def search_url(kind, term, base_url=None):
    """Return the URL that searches a term with the connector of this kind."""
    connector = CONNECTORS[kind]
    base = base_url or connector.default_base
    if not base:
        raise ValueError(f"{connector.label} needs the address of a server to search on.")
    if "://" not in base:
        base = f"https://{base}"  # instances are often given as a bare host name
    return connector.build_url(term, base)


def parse_search(kind, body):
    """Parse the JSON answer of a connector of this kind into Items."""
    return CONNECTORS[kind].parse(body)


def search(kind, term, base_url=None):
    """Search a term with one connector through the safe HTTP client and return its Items."""
    result = fetch(search_url(kind, term, base_url), accept="application/json")
    return parse_search(kind, result.body)


def hackernews_search_url(term, base_url=HACKERNEWS_API):
    """Return the Algolia Hacker News URL for the newest stories and comments on a term."""
    query = {"query": _term(term), "tags": "(story,comment)", "hitsPerPage": PAGE_SIZE}
    return f"{base_url.rstrip('/')}/search_by_date?{urlencode(query)}"


def parse_hackernews(body):
    """Turn an Algolia Hacker News answer (`hits`) into Items."""
    answer = _load_json(body)
    items = []
    for hit in _records(answer.get("hits") if isinstance(answer, dict) else None):
        object_id = _text(hit.get("objectID"))
        if not object_id:
            continue
        story_url = safe_link(_text(hit.get("url")) or _text(hit.get("story_url")))
        text = html_to_text(_text(hit.get("comment_text")) or _text(hit.get("story_text")))
        items.append(Item(
            external_id=f"hn:{object_id}",
            url=f"https://news.ycombinator.com/item?id={quote(object_id)}",
            title=squeeze_whitespace(_text(hit.get("story_title")) or _text(hit.get("title"))),
            text=_joined(text, story_url),
            author=_text(hit.get("author")) or None,
            # Algolia may leave out created_at_i: the ISO date, then the last update, else the fetch time.
            published=(_from_timestamp(hit.get("created_at_i")) or _from_iso(hit.get("created_at"))
                       or _from_iso(hit.get("updated_at"))),
            source="Hacker News",
        ))
    return items


def bluesky_search_url(term, base_url=BLUESKY_API):
    """Return the public Bluesky searchPosts URL for the latest posts on a term."""
    query = {"q": _term(term), "sort": "latest", "limit": PAGE_SIZE}
    return f"{base_url.rstrip('/')}/xrpc/app.bsky.feed.searchPosts?{urlencode(query)}"


def parse_bluesky(body):
    """Turn a Bluesky searchPosts answer (`posts`, each a post view) into Items."""
    answer = _load_json(body)
    items = []
    for post in _records(answer.get("posts") if isinstance(answer, dict) else None):
        uri, author, record = _text(post.get("uri")), _dict(post.get("author")), _dict(post.get("record"))
        if not uri:
            continue
        handle = _text(author.get("handle")) or _text(author.get("did"))
        languages = record.get("langs") if isinstance(record.get("langs"), list) else []
        items.append(Item(
            external_id=external_id(uri),
            url=_bluesky_post_url(uri, handle),
            title="",
            text=_joined(squeeze_whitespace(_text(record.get("text"))), *_bluesky_links(record),
                         *_bluesky_embed(_dict(post.get("embed")))),
            author=handle or None,
            published=_from_iso(record.get("createdAt")) or _from_iso(post.get("indexedAt")),
            source="Bluesky",
            language=language_code(_text(languages[0]) if languages else None),
        ))
    return items


def _bluesky_links(record):
    """Return the full targets of the links of a post (its text shows them shortened)."""
    links = []
    for facet in record.get("facets") if isinstance(record.get("facets"), list) else []:
        for feature in _dict(facet).get("features") if isinstance(_dict(facet).get("features"), list) else []:
            feature = _dict(feature)
            if feature.get("$type") == "app.bsky.richtext.facet#link" and (link := safe_link(_text(feature.get("uri")))):
                links.append(link)
    return links


def _bluesky_embed(embed, depth=0):
    """Return the texts an embed view shows: a quoted post, a link card, image descriptions."""
    kind, texts = _text(embed.get("$type")), []
    if kind.startswith("app.bsky.embed.images"):
        images = embed.get("images") if isinstance(embed.get("images"), list) else []
        texts += [_text(_dict(image).get("alt")) for image in images]
    elif kind.startswith("app.bsky.embed.external"):
        card = _dict(embed.get("external"))
        texts += [_text(card.get("title")), _text(card.get("description")), safe_link(_text(card.get("uri"))) or ""]
    elif kind.startswith("app.bsky.embed.recordWithMedia") and depth < 2:
        texts += _bluesky_embed({"$type": "app.bsky.embed.record#view", "record": _dict(
            _dict(embed.get("record")).get("record"))}, depth + 1)
        texts += _bluesky_embed(_dict(embed.get("media")), depth + 1)
    elif kind.startswith("app.bsky.embed.record") and depth < 2:
        quoted = _dict(embed.get("record"))
        value = _dict(quoted.get("value"))
        texts.append(_text(value.get("text")))
        for inner in quoted.get("embeds") if isinstance(quoted.get("embeds"), list) else []:
            texts += _bluesky_embed(_dict(inner), depth + 1)
    return [squeeze_whitespace(text) for text in texts if text]


def _joined(*parts):
    """Join the non-empty parts of an item's text, one per line."""
    return "\n".join(part for part in parts if part)


def _bluesky_post_url(uri, handle):
    """Return the bsky.app page of a post from its at:// URI (at://did/app.bsky.feed.post/rkey)."""
    parts = uri.removeprefix("at://").split("/")
    if len(parts) != 3 or parts[1] != "app.bsky.feed.post":
        return None
    return f"https://bsky.app/profile/{quote(handle or parts[0])}/post/{quote(parts[2])}"


def mastodon_tag_url(hashtag, instance_url):
    """Return the public hashtag timeline URL of a Mastodon instance."""
    tag = re.sub(r"\W", "", _term(hashtag))  # a hashtag is letters, digits and "_" only
    if not tag:
        raise ValueError("A hashtag needs at least one letter or digit.")
    return f"{instance_url.rstrip('/')}/api/v1/timelines/tag/{quote(tag, safe='')}?limit={MASTODON_PAGE_SIZE}"


def mastodon_search_url(term, instance_url):
    """Return the full-text search URL of a Mastodon instance (`/api/v2/search`, statuses only).

    Instances answer it only to an authenticated account (the agency's access token) and only where
    full-text search is switched on; the hashtag timeline keeps running beside it.
    """
    query = {"q": _term(term), "type": "statuses", "limit": MASTODON_PAGE_SIZE, "resolve": "false"}
    return f"{instance_url.rstrip('/')}/api/v2/search?{urlencode(query)}"


def parse_mastodon(body):
    """Turn a Mastodon timeline (a list of statuses) or search answer (`{"statuses": [...]}`) into Items."""
    answer = _load_json(body)
    if isinstance(answer, dict) and "statuses" in answer:
        answer = answer["statuses"]
    items = []
    for status in _records(answer):
        identity = _text(status.get("uri")) or _text(status.get("url"))
        if not identity:
            continue
        host = urlsplit(_text(status.get("url")) or identity).hostname
        account = _text(_dict(status.get("account")).get("acct"))
        if account and "@" not in account and host:
            account = f"{account}@{host}"  # local accounts come without their server
        warning = _text(status.get("spoiler_text"))
        card = _dict(status.get("card"))  # the link preview: a brand named only there counts too
        text = _joined(html_to_text(_text(status.get("content"))), squeeze_whitespace(_text(card.get("title"))),
                       squeeze_whitespace(_text(card.get("description"))))
        items.append(Item(
            external_id=external_id(identity),
            url=safe_link(_text(status.get("url")) or identity),
            title="",
            text=f"{warning}\n{text}" if warning else text,
            author=account or None,
            published=_from_iso(status.get("created_at")),
            source="Mastodon",
            language=language_code(_text(status.get("language"))),
        ))
    return items


def reddit_search_url(term, base_url=REDDIT_API):
    """Return the Reddit search URL for the newest posts on a term."""
    # raw_json=1: otherwise Reddit HTML-escapes &, < and > inside its JSON strings.
    query = {"q": _term(term), "sort": "new", "limit": PAGE_SIZE, "raw_json": 1}
    return f"{base_url.rstrip('/')}/search.json?{urlencode(query)}"


def parse_reddit(body):
    """Turn a Reddit listing (`data.children[].data`) into Items."""
    listing = _dict(_dict(_load_json(body)).get("data"))
    if "children" not in listing:
        raise FeedError("service_format")
    items = []
    for child in _records(listing.get("children")):
        post = _dict(child.get("data"))
        name, permalink = _text(post.get("name")), _text(post.get("permalink"))
        if not name:
            continue
        subreddit = _text(post.get("subreddit"))
        linked = None if post.get("is_self") is True else _without_search_ref(safe_link(_text(post.get("url"))))
        if linked and linked.startswith(REDDIT_WEB + permalink.split("?")[0]):
            linked = None  # a text post links to itself
        items.append(Item(
            external_id=f"reddit:{name}",
            url=safe_link(REDDIT_WEB + permalink) if permalink.startswith("/") else None,
            title=squeeze_whitespace(_text(post.get("title"))),
            text=_joined(squeeze_whitespace(_text(post.get("selftext"))), linked),
            author=_text(post.get("author")) or None,
            published=_from_timestamp(post.get("created_utc")),
            source=f"Reddit r/{subreddit}" if subreddit else "Reddit",
        ))
    return items


def _without_search_ref(url):
    """Drop the ref=search_posts parameter Reddit adds to links found by a search."""
    if not url:
        return None
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
             if not (key == "ref" and value == "search_posts")]
    return urlunsplit(parts._replace(query=urlencode(query)))


CONNECTORS = {
    "hackernews": Connector("hackernews", "Hacker News", HACKERNEWS_API, hackernews_search_url, parse_hackernews),
    "bluesky": Connector("bluesky", "Bluesky", BLUESKY_API, bluesky_search_url, parse_bluesky),
    "mastodon": Connector("mastodon", "Mastodon", None, mastodon_tag_url, parse_mastodon),
    "reddit": Connector("reddit", "Reddit", REDDIT_API, reddit_search_url, parse_reddit),
}


def _term(term):
    """Return the search term trimmed, refusing an empty one."""
    term = (term or "").strip()
    if not term:
        raise ValueError("A search term is needed.")
    return term


def _load_json(body):
    """Decode a JSON answer, or raise FeedError with a reason a user can read."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise FeedError("service_json") from None


def _records(value):
    """Return the dict entries of a JSON list, refusing an answer that is not a list."""
    if not isinstance(value, list):
        raise FeedError("service_format")
    return [entry for entry in value if isinstance(entry, dict)]


def _dict(value):
    """Return the value if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _text(value):
    """Return the value if it is a string (or a number, as ids sometimes are), else ""."""
    if isinstance(value, bool):
        return ""
    return str(value).strip() if isinstance(value, (str, int)) else ""


def _from_timestamp(value):
    """Turn a Unix timestamp into an aware UTC datetime (None if absent or absurd)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(value, tz=timezone.utc)
    except (OverflowError, ValueError, OSError):
        return None


def _from_iso(value):
    """Turn an ISO 8601 date (2024-05-01T09:30:00.000Z) into an aware UTC datetime, or None."""
    try:
        moment = datetime.fromisoformat(_text(value))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)

