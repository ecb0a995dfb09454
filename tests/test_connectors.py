"""Search connectors: URLs built from a term, JSON answers shaped like the real APIs, hostile answers."""
import json
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from saas.http import BadStatus, BlockedAddress
from tenants.monitoring.pipeline import connectors
from tenants.monitoring.pipeline.connectors import parse_search, search, search_url
from tenants.monitoring.pipeline.feeds import FeedError
from tenants.monitoring.pipeline.cli import sources_cli
from tests.local_server import allow_local, local_server  # noqa: F401

HACKERNEWS_ANSWER = {
    "hits": [
        {"_tags": ["comment", "author_jdoe", "story_40312345"], "author": "jdoe",
         "comment_text": "Maison Lumi&#x27;ere handled it well: <a href=\"https:&#x2F;&#x2F;example.com\">source</a>"
                         "<p>Second paragraph<script>alert(1)</script>",
         "created_at": "2024-05-14T07:41:12Z", "created_at_i": 1715672472, "objectID": "40312399",
         "parent_id": 40312345, "story_id": 40312345, "story_title": "Maison Lumière recalls its Aurore lamp",
         "story_url": "https://presse.maison-lumiere.fr/rappel", "updated_at": "2024-05-14T07:41:12Z"},
        {"_tags": ["story", "author_pg", "story_40312345"], "author": "pg", "created_at": "2024-05-14T07:00:00Z",
         "created_at_i": 1715670000, "num_comments": 12, "objectID": "40312345", "points": 57,
         "story_id": 40312345, "title": "Maison Lumière recalls its Aurore lamp",
         "url": "https://presse.maison-lumiere.fr/rappel", "updated_at": "2024-05-14T08:00:00Z"},
    ],
    "nbHits": 2, "page": 0, "nbPages": 1, "hitsPerPage": 100, "exhaustiveNbHits": True,
    "query": "maison lumière", "params": "query=maison+lumi%C3%A8re&tags=%28story%2Ccomment%29",
    "processingTimeMS": 3,
}
BLUESKY_ANSWER = {
    "cursor": "25", "hitsTotal": 1,
    "posts": [{
        "uri": "at://did:plc:abc123xyz/app.bsky.feed.post/3kszq2x5abc2k", "cid": "bafyreib2rxk3rybk3aobmv5cjuql",
        "author": {"did": "did:plc:abc123xyz", "handle": "chloe.bsky.social", "displayName": "Chloé",
                   "labels": [], "createdAt": "2023-04-01T10:00:00.000Z"},
        "record": {"$type": "app.bsky.feed.post", "createdAt": "2024-05-14T09:12:44.123Z", "langs": ["fr"],
                   "text": "La lampe Aurore de Maison Lumière est rappelée !\n\nVous en aviez une ? 😱"},
        "replyCount": 0, "repostCount": 3, "likeCount": 10, "quoteCount": 0,
        "indexedAt": "2024-05-14T09:12:45.001Z", "labels": [],
    }],
}
MASTODON_ANSWER = [
    {"id": "112439876543210987", "created_at": "2024-05-14T10:02:03.000Z", "in_reply_to_id": None,
     "sensitive": False, "spoiler_text": "", "visibility": "public", "language": "fr",
     "uri": "https://mastodon.social/users/camille/statuses/112439876543210987",
     "url": "https://mastodon.social/@camille/112439876543210987", "replies_count": 0, "reblogs_count": 1,
     "favourites_count": 2, "reblog": None,
     "content": "<p>Le rappel de la lampe Aurore <a href=\"https://mastodon.social/tags/MaisonLumiere\" "
                "class=\"mention hashtag\" rel=\"tag\">#<span>MaisonLumiere</span></a> inquiète</p>"
                "<p><img src=x onerror=alert(1)>Affaire à suivre</p>",
     "account": {"id": "1", "username": "camille", "acct": "camille", "display_name": "Camille",
                 "url": "https://mastodon.social/@camille"},
     "media_attachments": [], "mentions": [], "tags": [{"name": "maisonlumiere"}], "card": None, "poll": None},
    {"id": "112439870000000001", "created_at": "2024-05-14T09:58:00.000Z", "spoiler_text": "Crise produit",
     "visibility": "public", "language": "en", "uri": "https://piaille.fr/users/jean/statuses/1122",
     "url": "https://piaille.fr/@jean/1122", "content": "<p>Recall of a lamp by <strong>Maison Lumière</strong></p>",
     "account": {"id": "77", "username": "jean", "acct": "jean@piaille.fr"}, "reblog": None},
]
REDDIT_ANSWER = {
    "kind": "Listing",
    "data": {"after": "t3_1crxyz", "dist": 1, "modhash": "", "geo_filter": "", "before": None, "children": [
        {"kind": "t3", "data": {
            "subreddit": "france", "selftext": "Quelqu'un a reçu le mail de rappel de Maison Lumière ?\n\n"
                                               "J'ai la lampe Aurore & son chargeur.",
            "author_fullname": "t2_abc", "title": "Rappel lampe Aurore (Maison Lumière)",
            "subreddit_name_prefixed": "r/france", "name": "t3_1crxyz", "ups": 42, "created_utc": 1715680000.0,
            "author": "lampe_fan", "permalink": "/r/france/comments/1crxyz/rappel_lampe_aurore_maison_lumiere/",
            "url": "https://www.reddit.com/r/france/comments/1crxyz/rappel_lampe_aurore_maison_lumiere/",
            "num_comments": 17, "over_18": False}},
    ]},
}
ANSWERS = {"hackernews": HACKERNEWS_ANSWER, "bluesky": BLUESKY_ANSWER, "mastodon": MASTODON_ANSWER,
           "reddit": REDDIT_ANSWER}


def query_of(url):
    """Return the query string of a URL as a dict of single values."""
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def test_search_urls_are_built_from_the_term():
    hn = search_url("hackernews", "Maison Lumière")
    assert hn.startswith("https://hn.algolia.com/api/v1/search_by_date?")
    assert query_of(hn) == {"query": "Maison Lumière", "tags": "(story,comment)", "hitsPerPage": "100"}
    bsky = search_url("bluesky", '"lampe Aurore"')
    assert bsky.startswith("https://public.api.bsky.app/xrpc/app.bsky.feed.searchPosts?")
    assert query_of(bsky) == {"q": '"lampe Aurore"', "sort": "latest", "limit": "100"}
    reddit = search_url("reddit", "Maison Lumière")
    assert reddit.startswith("https://www.reddit.com/search.json?")
    assert query_of(reddit) == {"q": "Maison Lumière", "sort": "new", "limit": "100", "raw_json": "1"}


def test_mastodon_urls_use_the_instance_and_a_clean_hashtag():
    assert search_url("mastodon", "#Maison Lumière", "mastodon.social") == \
        "https://mastodon.social/api/v1/timelines/tag/MaisonLumi%C3%A8re?limit=40"
    assert search_url("mastodon", "l'Oréal", "https://piaille.fr/") == \
        "https://piaille.fr/api/v1/timelines/tag/lOr%C3%A9al?limit=40"
    with pytest.raises(ValueError):
        search_url("mastodon", "lumiere")  # no instance to ask
    with pytest.raises(ValueError):
        search_url("hackernews", "   ")


def test_base_urls_can_be_pointed_elsewhere():
    assert search_url("hackernews", "x", "http://127.0.0.1:9999/api/v1/").startswith(
        "http://127.0.0.1:9999/api/v1/search_by_date?")
    assert search_url("reddit", "x", "http://127.0.0.1:9999").startswith("http://127.0.0.1:9999/search.json?")


def test_hacker_news_hits_become_items():
    comment, story = parse_search("hackernews", json.dumps(HACKERNEWS_ANSWER).encode())
    assert comment.external_id == "hn:40312399"
    assert comment.url == "https://news.ycombinator.com/item?id=40312399"
    assert comment.title == "Maison Lumière recalls its Aurore lamp"
    # The story's URL follows the text: a brand named only in the link still counts (issue 17).
    assert comment.text == "Maison Lumi'ere handled it well: source\nSecond paragraph\nhttps://presse.maison-lumiere.fr/rappel"
    assert (comment.author, comment.source) == ("jdoe", "Hacker News")
    assert comment.published == datetime(2024, 5, 14, 7, 41, 12, tzinfo=timezone.utc)
    assert (story.title, story.text, story.url) == (
        "Maison Lumière recalls its Aurore lamp", "https://presse.maison-lumiere.fr/rappel",
        "https://news.ycombinator.com/item?id=40312345")


def test_bluesky_posts_become_items_with_their_web_link():
    (post,) = parse_search("bluesky", json.dumps(BLUESKY_ANSWER).encode())
    assert post.external_id == "at://did:plc:abc123xyz/app.bsky.feed.post/3kszq2x5abc2k"
    assert post.url == "https://bsky.app/profile/chloe.bsky.social/post/3kszq2x5abc2k"
    assert post.text == "La lampe Aurore de Maison Lumière est rappelée !\nVous en aviez une ? 😱"
    assert (post.author, post.language, post.source, post.title) == ("chloe.bsky.social", "fr", "Bluesky", "")
    assert post.published == datetime(2024, 5, 14, 9, 12, 44, 123000, tzinfo=timezone.utc)


def test_mastodon_statuses_become_items_with_sanitised_text():
    local, remote = parse_search("mastodon", json.dumps(MASTODON_ANSWER).encode())
    assert local.external_id == "https://mastodon.social/users/camille/statuses/112439876543210987"
    assert local.url == "https://mastodon.social/@camille/112439876543210987"
    assert local.text == "Le rappel de la lampe Aurore #MaisonLumiere inquiète\nAffaire à suivre"
    assert (local.author, local.language) == ("camille@mastodon.social", "fr")
    assert local.published == datetime(2024, 5, 14, 10, 2, 3, tzinfo=timezone.utc)
    assert remote.author == "jean@piaille.fr"
    assert remote.text == "Crise produit\nRecall of a lamp by Maison Lumière"


def test_reddit_posts_become_items():
    (post,) = parse_search("reddit", json.dumps(REDDIT_ANSWER).encode())
    assert post.external_id == "reddit:t3_1crxyz"
    assert post.url == "https://www.reddit.com/r/france/comments/1crxyz/rappel_lampe_aurore_maison_lumiere/"
    assert post.title == "Rappel lampe Aurore (Maison Lumière)"
    assert post.text == "Quelqu'un a reçu le mail de rappel de Maison Lumière ?\nJ'ai la lampe Aurore & son chargeur."
    assert (post.author, post.source) == ("lampe_fan", "Reddit r/france")
    assert post.published == datetime.fromtimestamp(1715680000, tz=timezone.utc)


@pytest.mark.parametrize("kind, path, base", [
    ("hackernews", "/api/v1/search_by_date", "{url}/api/v1"),
    ("bluesky", "/xrpc/app.bsky.feed.searchPosts", "{url}"),
    ("mastodon", "/api/v1/timelines/tag/MaisonLumière", "{url}"),
    ("reddit", "/search.json", "{url}"),
])
def test_each_connector_searches_through_the_safe_client(local_server, allow_local, kind, path, base):
    local_server.reply(path.replace("è", "%C3%A8"), json.dumps(ANSWERS[kind]).encode(),
                       headers={"Content-Type": "application/json; charset=utf-8"})
    items = search(kind, "Maison Lumière", base.format(url=local_server.url))
    assert [item.external_id for item in items] == [item.external_id for item in
                                                    parse_search(kind, json.dumps(ANSWERS[kind]).encode())]
    assert items
    sent = local_server.requests[0]
    assert sent.headers["accept"] == "application/json"
    assert sent.headers["user-agent"].startswith("Relais/")


def test_connectors_refuse_private_addresses_like_any_fetch(local_server, monkeypatch):
    monkeypatch.delenv("FETCH_ALLOW_HOSTS", raising=False)
    with pytest.raises(BlockedAddress) as refused:
        search("mastodon", "lumiere", local_server.url)
    assert "private or internal network" in str(refused.value)
    assert local_server.requests == []


def test_a_rate_limited_search_is_a_bad_status(local_server, allow_local):
    local_server.reply("/search.json", b'{"message": "Too Many Requests", "error": 429}', status=429,
                       headers={"Retry-After": "60"})
    with pytest.raises(BadStatus) as limited:
        search("reddit", "lumiere", local_server.url)
    assert (limited.value.status, limited.value.retry_after) == (429, 60)


@pytest.mark.parametrize("kind, body, reason", [
    ("hackernews", b"<html>Bad gateway</html>", "not valid JSON"),
    ("bluesky", b'{"posts": [', "not valid JSON"),
    ("reddit", b"\xff\xfe\x00garbage", "not valid JSON"),
    ("mastodon", b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    ("hackernews", b'{"message": "invalid query"}', "unexpected format"),
    ("bluesky", b'{"posts": {"uri": "at://x"}}', "unexpected format"),
    ("mastodon", b'{"error": "This method requires an authenticated user"}', "unexpected format"),
    ("reddit", b'[{"kind": "Listing"}]', "unexpected format"),
    ("reddit", b'{"kind": "Listing", "data": {"children": "none"}}', "unexpected format"),
])
def test_hostile_or_unexpected_answers_become_a_readable_error(kind, body, reason):
    with pytest.raises(FeedError) as refused:
        parse_search(kind, body)
    assert reason in str(refused.value)


def test_odd_entries_are_skipped_not_fatal():
    hits = {"hits": [None, "x", {"objectID": None}, {"objectID": True}, {"objectID": 7, "created_at_i": "soon",
                                                                            "author": ["not", "a", "name"]}]}
    (only,) = parse_search("hackernews", json.dumps(hits).encode())
    assert (only.external_id, only.published, only.author) == ("hn:7", None, None)
    statuses = [{"uri": "https://m.example/s/1", "url": "javascript:alert(1)", "content": ["<p>x</p>"],
                 "created_at": "yesterday", "account": "nobody"}]
    (status,) = parse_search("mastodon", json.dumps(statuses).encode())
    assert (status.url, status.text, status.published, status.author) == (None, "", None, None)
    posts = {"posts": [{"uri": "at://did:plc:x/app.bsky.feed.like/1", "record": {"langs": [3]}}]}
    (post,) = parse_search("bluesky", json.dumps(posts).encode())
    assert (post.url, post.language) == (None, None)


def test_cli_search_shows_the_items(app, local_server, allow_local):
    local_server.reply("/xrpc/app.bsky.feed.searchPosts", json.dumps(BLUESKY_ANSWER).encode())
    app.cli.add_command(sources_cli)
    result = app.test_cli_runner().invoke(args=["sources", "search", "bluesky", "lampe Aurore",
                                                "--base-url", local_server.url])
    assert result.exit_code == 0, result.output
    assert "Bluesky: lampe Aurore: 1 item" in result.output
    assert "- 2024-05-14 09:12 UTC  La lampe Aurore de Maison Lumière est rappelée ! Vous en aviez une ? 😱" \
        in result.output
    assert "  https://bsky.app/profile/chloe.bsky.social/post/3kszq2x5abc2k" in result.output


def test_every_connector_is_registered():
    assert set(connectors.CONNECTORS) == {"hackernews", "bluesky", "mastodon", "reddit"}
