"""Parse RSS and Atom feeds, given as bytes, into normalised items (HTML reduced to text).

feedparser only ever receives bytes wrapped in a file object: given a str or bytes it would
try to open it as a URL or a local path. Before parsing, the bytes are screened: too large or
empty bodies are refused; then the document is decoded to UTF-8 exactly as feedparser would
(it honours any declared encoding, UTF-7 and UTF-16 included) and refused if it declares
XML entities or has a DOCTYPE internal subset (billion laughs, XXE), whatever feedparser's
own entity handling would have done. A feed quoting "<!ENTITY" inside CDATA is refused too:
a rare false positive we accept for a check that cannot be fooled by the document's layout.
"""
import calendar
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.entities import name2codepoint
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit
from xml.parsers import expat
from xml.parsers.expat import errors as expat_errors

import feedparser
from feedparser.encodings import convert_to_utf8

from saas.http_errors import ReadableError, register
from saas.i18n import N_
from tenants.monitoring.pipeline.sanitize import clean_html, html_to_text, squeeze_whitespace

__all__ = ["parse_feed", "ParsedFeed", "Item", "FeedError", "clean_html", "html_to_text",
           "discover_feed_links", "safe_link", "to_utc", "external_id", "language_code", "FEED_ACCEPT"]

# feedparser needs seconds per megabyte on hostile shapes: these caps keep a parse short.
MAX_FEED_BYTES = 5 * 1024 * 1024
LOOSE_MAX_BYTES = 512 * 1024
MAX_ELEMENTS = 100_000
MAX_DEPTH = 64
MAX_ATTRIBUTES = 64
MAX_ITEMS = 500
MAX_TITLE_CHARS = 500
MAX_TEXT_CHARS = 10_000
MAX_ID_CHARS = 255

FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
               "text/xml;q=0.9, */*;q=0.5")
FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/rdf+xml",
              "application/feed+json", "application/xml", "text/xml"}
_ENTITY_DECLARATION = re.compile(rb"<!\s*entity", re.IGNORECASE)
_INTERNAL_SUBSET = re.compile(rb"<!\s*doctype[^>\[]*\[", re.IGNORECASE)
_CUT_OFF_ERRORS = {expat_errors.codes[message] for message in (
    expat_errors.XML_ERROR_NO_ELEMENTS, expat_errors.XML_ERROR_UNCLOSED_TOKEN,
    expat_errors.XML_ERROR_UNCLOSED_CDATA_SECTION, expat_errors.XML_ERROR_PARTIAL_CHAR)}
_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
_NAMED_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_LOOKS_LIKE_HTML = re.compile(rb"<html|<!doctype html", re.IGNORECASE)


class FeedError(ReadableError):
    """A feed (or API answer) that cannot be read: a code the page puts into words; str() is in English."""

    code = "feed_not_feed"


register(
    feed_too_large=N_("The feed is larger than %(megabytes)d MB and was not read."),
    feed_empty=N_("The feed is empty."),
    feed_entities=N_("The feed declares its own XML entities, which Relais refuses for safety."),
    feed_shape=N_("The feed is built in an unusual way (too deep or too many elements) and was not read."),
    feed_cut_off=N_("The feed is cut off before its end."),
    feed_web_page=N_("This address is a web page, not a feed."),
    feed_web_page_link=N_("This address is a web page, not a feed. The page announces a feed at %(url)s"),
    feed_broken_large=N_("The feed is not well-formed XML and too large to be repaired."),
    feed_not_feed=N_("This is not an RSS or Atom feed."),
    feed_not_xml=N_("The feed is not well-formed XML and could not be read."),
    service_format=N_("The service answered in an unexpected format."),
    service_json=N_("The service answered with something that is not valid JSON."),
)


@dataclass(frozen=True)
class Item:
    """One normalised thing said on the web: a feed entry, a post, a comment."""

    external_id: str
    url: str | None
    title: str
    text: str
    author: str | None
    published: datetime | None
    source: str
    language: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """A feed's own title and link, and its items."""

    title: str
    link: str | None
    items: list = field(default_factory=list)


def parse_feed(body, *, base_url=None, content_type="application/xml", source_name=None,
               max_bytes=MAX_FEED_BYTES):
    """Parse RSS/Atom bytes into a ParsedFeed; raise FeedError with a reason if unreadable."""
    if not isinstance(body, (bytes, bytearray)):
        raise TypeError("parse_feed takes the feed's bytes, never a URL or a path")
    screen_size(body, max_bytes)
    if _is_json_feed(body, content_type):
        return parse_json_feed(body, base_url=base_url, source_name=source_name)
    headers = {"content-type": content_type or "application/xml"}
    if base_url:
        headers["content-location"] = base_url
    document = numeric_entities(to_utf8(body, headers))
    screen_entities(document)
    document = close_last_tag(document)
    if not check_structure(document):
        refuse_broken(document, base_url)
    # A file object, never bytes or str: feedparser would treat those as a URL or a path.
    # Its own sanitiser and URI resolver are slow on hostile input; nh3 sanitises after.
    result = feedparser.parse(io.BytesIO(document), response_headers=headers,
                              sanitize_html=False, resolve_relative_uris=False)
    check_parsed(result, document, base_url)
    title = plain_title(result.feed.get("title", ""))
    link = safe_link(result.feed.get("link"), base_url)
    source = source_name or title or urlsplit(base_url or "").hostname or "Feed"
    language = language_code(result.feed.get("language"))
    items = [entry_to_item(entry, source, base_url or link, language)
             for entry in result.entries[:MAX_ITEMS]]
    return ParsedFeed(title=title, link=link, items=items)


def plain_title(title):
    """Return a feed title as plain text: a title with <b> or <script> is shown on every mention."""
    title = title or ""
    return (html_to_text(title) if "<" in title or "&" in title else squeeze_whitespace(title))[:MAX_TITLE_CHARS]


_UNCLOSED_LAST_TAG = re.compile(rb"</[A-Za-z_][\w:.-]*\s*$")


def close_last_tag(document):
    """Add the final ">" a feed lost ("...</channel></rss"): the one cut that loses nothing else."""
    stripped = document.rstrip()
    return stripped + b">" if _UNCLOSED_LAST_TAG.search(stripped[-300:]) else document


def _is_json_feed(body, content_type):
    """Tell whether a body is a JSON Feed (by its type, or by its first character)."""
    kind = (content_type or "").split(";")[0].strip().lower()
    return kind in ("application/feed+json", "application/json") or bytes(body[:64]).lstrip().startswith(b"{")


def parse_json_feed(body, *, base_url=None, source_name=None):
    """Parse a JSON Feed (1.0 or 1.1, https://jsonfeed.org/version/1.1) into a ParsedFeed."""
    try:
        feed = json.loads(bytes(body).decode("utf-8-sig"))
    except (ValueError, RecursionError, UnicodeDecodeError):
        raise FeedError("feed_not_feed") from None
    if not isinstance(feed, dict) or not str(feed.get("version", "")).startswith("https://jsonfeed.org/version/1") \
            or not isinstance(feed.get("items"), list):
        raise FeedError("feed_not_feed")
    title = plain_title(_json_text(feed.get("title")))
    link = safe_link(_json_text(feed.get("home_page_url")), base_url)
    source = source_name or title or urlsplit(base_url or "").hostname or "Feed"
    language = language_code(_json_text(feed.get("language")))
    items = []
    for entry in feed["items"][:MAX_ITEMS]:
        if not isinstance(entry, dict):
            continue
        url = safe_link(_json_text(entry.get("url")) or _json_text(entry.get("external_url")), base_url or link)
        item_title = plain_title(_json_text(entry.get("title")))
        html_body = _json_text(entry.get("content_html"))
        text = (html_to_text(html_body) if html_body else squeeze_whitespace(
            _json_text(entry.get("content_text")) or _json_text(entry.get("summary"))))[:MAX_TEXT_CHARS]
        published = _json_date(entry.get("date_published")) or _json_date(entry.get("date_modified"))
        authors = entry.get("authors") if isinstance(entry.get("authors"), list) else [entry.get("author")]
        names = [_json_text(author.get("name")) for author in authors if isinstance(author, dict)]
        items.append(Item(
            external_id=external_id(_json_text(entry.get("id")) or url, item_title, text, published),
            url=url, title=item_title, text=text, author=", ".join(name for name in names if name)[:MAX_TITLE_CHARS] or None,
            published=published, source=source, language=language_code(_json_text(entry.get("language"))) or language,
        ))
    return ParsedFeed(title=title, link=link, items=items)


def _json_text(value):
    """Return a JSON value if it is a string (ids may be numbers), else ""."""
    if isinstance(value, bool):
        return ""
    return str(value).strip() if isinstance(value, (str, int)) else ""


def _json_date(value):
    """Turn an RFC 3339 date of a JSON Feed into an aware UTC datetime, or None."""
    try:
        moment = datetime.fromisoformat(_json_text(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def screen_size(body, max_bytes=MAX_FEED_BYTES):
    """Refuse a body too large or empty before any decoding or parsing."""
    if len(body) > max_bytes:
        raise FeedError("feed_too_large", megabytes=max_bytes // (1024 * 1024))
    if not bytes(body).strip():
        raise FeedError("feed_empty")


def to_utf8(body, headers):
    """Decode the bytes to UTF-8 the way feedparser itself will (BOM, HTTP charset, declaration)."""
    return convert_to_utf8(dict(headers), bytes(body), {})


def screen_entities(document):
    """Refuse a UTF-8 document that declares entities or has a DOCTYPE internal subset."""
    if _ENTITY_DECLARATION.search(document) or _INTERNAL_SUBSET.search(document):
        raise FeedError("feed_entities")


def numeric_entities(document):
    """Rewrite HTML named entities (&eacute;) as numeric ones, which XML parsers understand."""

    def replace(match):
        name = match.group(1).decode("ascii")
        if name in _XML_ENTITIES or name not in name2codepoint:
            return match.group(0)
        return b"&#%d;" % name2codepoint[name]

    return _NAMED_ENTITY.sub(replace, document)


def check_structure(document):
    """Walk the XML once with expat (in C) to refuse shapes that make feedparser crawl.

    Return whether the document is well-formed; raise FeedError if it is cut off or too
    large, deep or wide.
    """
    parser = expat.ParserCreate()
    depth = elements = 0

    def start(_name, attributes):
        nonlocal depth, elements
        depth, elements = depth + 1, elements + 1
        if depth > MAX_DEPTH or elements > MAX_ELEMENTS or len(attributes) > MAX_ATTRIBUTES:
            raise FeedError("feed_shape")

    def end(_name):
        nonlocal depth
        depth -= 1

    parser.StartElementHandler, parser.EndElementHandler = start, end
    try:
        parser.Parse(document, True)
    except expat.ExpatError as error:
        if error.code in _CUT_OFF_ERRORS:
            raise FeedError("feed_cut_off") from None
        return False
    return True


def refuse_broken(document, base_url=None):
    """Refuse a document that is not well-formed XML unless it is small enough to repair."""
    if _LOOKS_LIKE_HTML.search(document[:4096]):
        raise _web_page_error(document, base_url)
    if len(document) > LOOSE_MAX_BYTES:
        raise FeedError("feed_broken_large")


def check_parsed(result, document, base_url=None):
    """Raise FeedError when feedparser found no feed in the document."""
    if not result.get("version"):
        if _LOOKS_LIKE_HTML.search(document[:4096]):
            raise _web_page_error(document, base_url)
        raise FeedError("feed_not_feed")
    if result.get("bozo_exception") is not None and not result.entries and not result.feed.get("title"):
        raise FeedError("feed_not_xml")


def _web_page_error(body, base_url):
    """Say that a web page is not a feed, pointing at the feed it announces if any."""
    links = discover_feed_links(body, base_url)
    if links:
        return FeedError("feed_web_page_link", url=links[0])
    return FeedError("feed_web_page")


class _FeedLinkFinder(HTMLParser):
    """Collect the <link rel="alternate"> feed addresses a web page announces."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        """Keep the href of each link tag that announces a feed."""
        values = {name: (value or "") for name, value in attrs}
        if (tag == "link" and "alternate" in values.get("rel", "").lower().split()
                and values.get("type", "").lower() in FEED_TYPES and values.get("href")):
            self.hrefs.append(values["href"])


def discover_feed_links(body, base_url=None):
    """Return the absolute feed URLs a web page announces in its <head>."""
    finder = _FeedLinkFinder()
    finder.feed(bytes(body[:512 * 1024]).decode("utf-8", "replace"))
    links = (safe_link(href, base_url) for href in finder.hrefs)
    return [link for link in links if link]


def entry_to_item(entry, source, base_url=None, language=None):
    """Normalise one feedparser entry into an Item."""
    url = safe_link(entry.get("link"), base_url)
    title = _detail_text(entry, "title")[:MAX_TITLE_CHARS]
    contents = entry.get("content") or []
    body = contents[0] if contents else entry.get("summary_detail")
    text = _as_text(body)[:MAX_TEXT_CHARS] if body else ""
    published = to_utc(entry.get("published_parsed") or entry.get("updated_parsed"))
    return Item(
        external_id=external_id(entry.get("id") or url, title, text, published),
        url=url, title=title, text=text,
        author=squeeze_whitespace(entry.get("author", ""))[:MAX_TITLE_CHARS] or None,
        published=published, source=source, language=language,
    )


def _detail_text(entry, key):
    """Return an entry field as plain text, whether the feed gave it as text or HTML."""
    detail = entry.get(f"{key}_detail")
    return _as_text(detail) if detail else squeeze_whitespace(entry.get(key, ""))


def _as_text(detail):
    """Turn a feedparser text construct (value + type) into plain text."""
    value = detail.get("value", "") or ""
    if "html" in (detail.get("type") or ""):
        return html_to_text(value)
    return squeeze_whitespace(value)


def safe_link(link, base_url=None):
    """Return the link made absolute if it is http(s), else None (no javascript: or data:)."""
    if not link:
        return None
    try:
        absolute = urljoin(base_url or "", link.strip())
        scheme = urlsplit(absolute).scheme.lower()
    except ValueError:  # such as "http://[not-an-ip/"
        return None
    return absolute[:2048] if scheme in ("http", "https") else None


def to_utc(parsed_time):
    """Turn feedparser's UTC struct_time into an aware UTC datetime (None if absent or absurd)."""
    if not parsed_time:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed_time), tz=timezone.utc)
    except (OverflowError, ValueError, OSError, TypeError):
        return None


def external_id(candidate, title="", text="", published=None):
    """Return a stable id for an item: its own id if sensible, else a hash of its content."""
    candidate = (candidate or "").strip()
    if candidate and len(candidate) <= MAX_ID_CHARS:
        return candidate
    basis = candidate or f"{title}\n{text}\n{published.isoformat() if published else ''}"
    return "sha256:" + hashlib.sha256(basis.encode("utf-8", "replace")).hexdigest()


def language_code(language):
    """Return the primary language subtag ("fr" for "fr-FR"), or None."""
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code.isalpha() and 2 <= len(code) <= 3 else None
