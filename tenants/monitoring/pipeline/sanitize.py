"""Sanitise HTML from the web (nh3) before it is stored or shown, or reduce it to plain text."""
import html
import re

import nh3

SAFE_TAGS = {"a", "abbr", "b", "blockquote", "br", "cite", "code", "em", "h1", "h2", "h3", "h4",
             "h5", "h6", "i", "li", "ol", "p", "pre", "q", "s", "strong", "sub", "sup", "u", "ul"}
SAFE_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
# Tags that end a line of text; every other tag is dropped and its text kept.
BREAK_TAGS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
              "pre", "ul", "ol", "table", "section", "article", "header", "footer"}
_ANY_TAG = re.compile(r"<[^>]*>")


def clean_html(markup):
    """Return HTML keeping only harmless tags and links (no scripts, styles or handlers)."""
    return nh3.clean(markup or "", tags=SAFE_TAGS, attributes=SAFE_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, strip_comments=True,
                     link_rel="noopener noreferrer nofollow")


def html_to_text(markup):
    """Return the readable text of some HTML: no tags, no scripts, one line per block."""
    cleaned = nh3.clean(markup or "", tags=BREAK_TAGS, attributes={}, strip_comments=True)
    flattened = " ".join(cleaned.split())  # in HTML a line break in the source is just a space
    # nh3 escapes every "<" of the text, so what still looks like a tag is one of BREAK_TAGS.
    return squeeze_whitespace(html.unescape(_ANY_TAG.sub("\n", flattened)))


def squeeze_whitespace(text):
    """Collapse runs of spaces inside lines and drop empty lines."""
    lines = (" ".join(line.split()) for line in (text or "").splitlines())
    return "\n".join(line for line in lines if line)
