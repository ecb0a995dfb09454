"""Sources v2 (issue 17): JSON Feed 1.1, a feed missing its final ">", HTML in feed titles, and the fields
the connectors used to drop (Bluesky quotes, link cards and alt text, Mastodon cards, Reddit links, Hacker
News story URLs and dates). Payloads are shaped like the examples in each service's documentation."""
import json
from datetime import datetime, timezone

from tenants.monitoring.language.query import parse_query
from tenants.monitoring.pipeline.connectors import parse_search
from tenants.monitoring.pipeline.feeds import parse_feed
from tests.local_server import allow_local, local_server  # noqa: F401
from tests.test_feeds import RSS_PRESS_ROOM, run_sources

# https://www.jsonfeed.org/version/1.1/ (the example feed, with an item using authors, content_html, language)
JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Salle de presse <b>Maison Lumière</b>",
    "home_page_url": "https://presse.maison-lumiere.fr/",
    "feed_url": "https://presse.maison-lumiere.fr/feed.json",
    "language": "fr-FR",
    "items": [
        {"id": "2", "content_text": "Rappel volontaire de la lampe Aurore.", "url": "https://presse.maison-lumiere.fr/2",
         "title": "Rappel de la lampe Aurore", "date_published": "2024-05-14T09:30:00+02:00",
         "authors": [{"name": "Service presse"}]},
        {"id": "1", "content_html": "<p>Bienvenue <script>alert(1)</script>sur notre <b>salle de presse</b></p>",
         "url": "/1", "date_modified": "2024-05-01T08:00:00Z", "author": {"name": "Ancien format 1.0"}},
        "not an item",
    ],
}


def test_json_feed_1_1_is_read():
    feed = parse_feed(json.dumps(JSON_FEED).encode(), content_type="application/feed+json",
                      base_url="https://presse.maison-lumiere.fr/feed.json")
    assert feed.title == "Salle de presse Maison Lumière"
    recall, welcome = feed.items
    assert (recall.external_id, recall.title, recall.author, recall.language) == (
        "2", "Rappel de la lampe Aurore", "Service presse", "fr")
    assert recall.published == datetime(2024, 5, 14, 7, 30, tzinfo=timezone.utc)
    assert welcome.url == "https://presse.maison-lumiere.fr/1" and welcome.text == "Bienvenue sur notre salle de presse"
    assert welcome.author == "Ancien format 1.0" and welcome.published == datetime(2024, 5, 1, 8, tzinfo=timezone.utc)


def test_json_feed_is_read_through_the_fetch_path(app, local_server, allow_local):  # noqa: F811
    local_server.reply("/feed.json", json.dumps(JSON_FEED).encode(), headers={"Content-Type": "application/feed+json"})
    result = run_sources(app, "test", local_server.url_for("/feed.json"))
    assert result.exit_code == 0, result.output
    assert "Salle de presse Maison Lumière: 2 items" in result.output


def test_a_feed_missing_its_final_bracket_keeps_its_items():
    body = RSS_PRESS_ROOM.rstrip()
    assert body.endswith(b">")
    feed = parse_feed(body[:-1] + b"\n")
    assert len(feed.items) == len(parse_feed(RSS_PRESS_ROOM).items) == 2


def test_feed_titles_with_html_are_plain_text():
    body = RSS_PRESS_ROOM.replace(b"<title>Salle de presse", b"<title>&lt;b&gt;Salle&lt;/b&gt;&lt;script&gt;x()"
                                  b"&lt;/script&gt; de presse", 1)
    assert parse_feed(body).title.startswith("Salle de presse")


# https://docs.bsky.app/docs/advanced-guides/posts (quote posts, link cards, images with alt, link facets)
BLUESKY_ANSWER = {"posts": [{
    "uri": "at://did:plc:u5cwb2mwiv2bfq53cjufe6yn/app.bsky.feed.post/3k43tv4rft22g",
    "cid": "bafyreig2fjxi3rptqdgylg7e5hmjl6mcke7rn2b6cugzlqq3i4zu6rq52q",
    "author": {"did": "did:plc:u5cwb2mwiv2bfq53cjufe6yn", "handle": "atproto.com"},
    "record": {"$type": "app.bsky.feed.post", "text": "Voir lemonde.fr/economie/art...", "createdAt": "2023-08-07T05:49:39.417839Z",
               "langs": ["fr"], "facets": [{"index": {"byteStart": 5, "byteEnd": 33}, "features": [
                   {"$type": "app.bsky.richtext.facet#link",
                    "uri": "https://www.lemonde.fr/economie/article/2024/05/14/maison-lumiere-rappel.html"}]}]},
    "embed": {"$type": "app.bsky.embed.recordWithMedia#view",
              "record": {"record": {"$type": "app.bsky.embed.record#viewRecord",
                                    "uri": "at://did:plc:abc/app.bsky.feed.post/3k44deefqdk2g",
                                    "author": {"did": "did:plc:abc", "handle": "bob.bsky.social"},
                                    "value": {"$type": "app.bsky.feed.post", "text": "Maison Lumière rappelle Aurore",
                                              "createdAt": "2023-08-07T05:40:00Z"},
                                    "embeds": [{"$type": "app.bsky.embed.external#view", "external": {
                                        "uri": "https://presse.maison-lumiere.fr/rappel", "title": "Communiqué",
                                        "description": "Le communiqué officiel"}}]}},
              "media": {"$type": "app.bsky.embed.images#view", "images": [
                  {"thumb": "https://cdn.bsky.app/t.jpg", "fullsize": "https://cdn.bsky.app/f.jpg",
                   "alt": "Une lampe Aurore de Maison Lumière"}]}},
    "indexedAt": "2023-08-07T05:49:40.000Z"}]}


def test_bluesky_keeps_quotes_cards_alt_text_and_full_links():
    (post,) = parse_search("bluesky", json.dumps(BLUESKY_ANSWER).encode())
    assert "https://www.lemonde.fr/economie/article/2024/05/14/maison-lumiere-rappel.html" in post.text
    assert "Maison Lumière rappelle Aurore" in post.text  # the quoted post
    assert "Communiqué\nLe communiqué officiel" in post.text  # its link card
    assert "Une lampe Aurore de Maison Lumière" in post.text  # image alt text
    assert parse_query('"Maison Lumière"').matches(post.text)


# https://docs.joinmastodon.org/entities/Status/ and /entities/PreviewCard/ (a brand named only in the card)
MASTODON_ANSWER = [{
    "id": "103270115826048975", "created_at": "2019-12-08T03:48:33.901Z", "spoiler_text": "", "language": "fr",
    "uri": "https://mastodon.social/users/Gargron/statuses/103270115826048975",
    "url": "https://mastodon.social/@Gargron/103270115826048975", "content": "<p>À lire 👇</p>",
    "account": {"id": "1", "username": "Gargron", "acct": "Gargron"},
    "card": {"url": "https://www.lemonde.fr/a.html", "title": "Maison Lumière rappelle sa lampe",
             "description": "Le fabricant rappelle 20 000 lampes Aurore.", "type": "link", "author_name": "",
             "provider_name": "Le Monde", "html": "", "width": 400, "height": 200, "image": None},
}, {"id": "2", "created_at": "2019-12-08T03:48:33.901Z", "uri": "https://mastodon.social/users/a/statuses/2",
    "url": "https://mastodon.social/@a/2", "content": "<p>Sans carte</p>", "account": {"acct": "a"}}]


def test_mastodon_link_card_counts_for_matching():
    card, plain = parse_search("mastodon", json.dumps(MASTODON_ANSWER).encode())
    assert card.text == "À lire 👇\nMaison Lumière rappelle sa lampe\nLe fabricant rappelle 20 000 lampes Aurore."
    assert parse_query('"Maison Lumière"').matches(card.text) and plain.text == "Sans carte"


# https://www.reddit.com/dev/api/#GET_search (a link post found by search, and a text post)
REDDIT_ANSWER = {"kind": "Listing", "data": {"after": None, "children": [
    {"kind": "t3", "data": {"name": "t3_1abcde", "subreddit": "france", "title": "Rappel de lampes",
                            "selftext": "", "is_self": False, "author": "lampe_fan", "created_utc": 1715680000.0,
                            "permalink": "/r/france/comments/1abcde/rappel_de_lampes/",
                            "url": "https://www.lemonde.fr/a.html?ref=search_posts"}},
    {"kind": "t3", "data": {"name": "t3_2fghij", "subreddit": "france", "title": "Question", "selftext": "Avis ?",
                            "is_self": True, "author": "b", "created_utc": 1715680000.0,
                            "permalink": "/r/france/comments/2fghij/question/",
                            "url": "https://www.reddit.com/r/france/comments/2fghij/question/?ref=search_posts"}},
]}}


def test_reddit_keeps_the_linked_url_without_the_search_suffix():
    link_post, text_post = parse_search("reddit", json.dumps(REDDIT_ANSWER).encode())
    assert link_post.text == "https://www.lemonde.fr/a.html"
    assert text_post.text == "Avis ?"


# https://hn.algolia.com/api (a story hit; and one where created_at_i is missing)
HACKERNEWS_ANSWER = {"hits": [
    {"objectID": "1", "title": "Maison Lumière recalls Aurore", "url": "https://presse.maison-lumiere.fr/en/recall",
     "author": "pg", "created_at": "2024-05-14T07:00:00.000Z", "_tags": ["story"]},
    {"objectID": "2", "title": "Ask HN: lamps?", "story_text": "Which lamp?", "author": "x",
     "updated_at": "2024-05-15T08:00:00.000Z", "_tags": ["story"]},
]}


def test_hacker_news_keeps_the_story_url_and_falls_back_on_dates():
    story, ask = parse_search("hackernews", json.dumps(HACKERNEWS_ANSWER).encode())
    assert story.text == "https://presse.maison-lumiere.fr/en/recall"
    assert story.published == datetime(2024, 5, 14, 7, tzinfo=timezone.utc)
    assert ask.text == "Which lamp?" and ask.published == datetime(2024, 5, 15, 8, tzinfo=timezone.utc)
