"""A client's public newsroom: off until turned on, only sent releases out of embargo, an Atom feed, no leak."""
from datetime import timedelta

import feedparser
from sqlalchemy import select

from saas import db, tenancy
from saas.auth.models import Agency
from saas.db import utcnow
from tenants.clients.models import Client
from tenants.press.models import PressNewsroom, PressRelease, PressSend
from tests.test_guests import in_agency, signed_in, world  # noqa: F401


def release(app, world, title, state="sent", embargo=None, body="Bonjour {{first_name}}, un *nouveau* yaourt.",
            client_id=None, sent_ago=timedelta(hours=2)):
    """A release of agency A's client, sent `sent_ago` (a send row) unless it is a draft."""
    with in_agency(app, world):
        item = PressRelease(client_id=client_id or world.ids["client_id"], title=title, body=body, images=[],
                            attachments=["https://cdn.example.com/dossier.pdf"], embargo_at=embargo, language="fr",
                            state=state)
        db.session.add(item)
        db.session.flush()
        if state == "sent":
            db.session.add(PressSend(release_id=item.id, list_name="Presse", sender_name="Alice",
                                     sender_email="alice@example.com", state="done", created_at=utcnow() - sent_ago))
        db.commit()
        return item.id


def turn_on(app, world, owner, slug="yaourts-alpha", client_id=None, intro="Les yaourts de la ferme."):
    client_id = client_id or world.ids["client_id"]
    return owner.post(f"/a/{world.slug}/press/newsroom/{client_id}", data={"enabled": "1", "slug": slug, "intro": intro})


def test_the_newsroom_is_off_until_turned_on_then_shows_only_what_is_out(app, world):
    owner = signed_in(app, world.owner)
    anyone = app.test_client()
    sent = release(app, world, "Lancement du yaourt")
    draft = release(app, world, "Brouillon secret", state="draft")
    approved = release(app, world, "Approuvé, pas envoyé", state="approved")
    embargoed = release(app, world, "Sous embargo", embargo=utcnow() + timedelta(days=1))
    embargo_over = release(app, world, "Embargo levé", embargo=utcnow() - timedelta(minutes=5))
    assert anyone.get(f"/newsroom/{world.slug}/yaourts-alpha").status_code == 404

    settings = owner.get(f"/a/{world.slug}/press/newsroom")
    assert settings.status_code == 200 and "Publish this client" in settings.get_data(as_text=True)
    assert turn_on(app, world, owner).status_code == 302
    page = anyone.get(f"/newsroom/{world.slug}/yaourts-alpha")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Lancement du yaourt" in html and "Embargo levé" in html and "Les yaourts de la ferme." in html
    for hidden in ("Brouillon secret", "Approuvé, pas envoyé", "Sous embargo"):
        assert hidden not in html
    shown = anyone.get(f"/newsroom/{world.slug}/yaourts-alpha/{sent}").get_data(as_text=True)
    assert "<em>nouveau</em>" in shown and "Bonjour, un" in shown and "first_name" not in shown
    assert "https://cdn.example.com/dossier.pdf" in shown
    for hidden_id in (draft, approved, embargoed):
        assert anyone.get(f"/newsroom/{world.slug}/yaourts-alpha/{hidden_id}").status_code == 404
    assert anyone.get(f"/newsroom/{world.slug}/yaourts-alpha/{embargo_over}").status_code == 200

    # turned off: gone
    owner.post(f"/a/{world.slug}/press/newsroom/{world.ids['client_id']}", data={"slug": "yaourts-alpha"})
    assert anyone.get(f"/newsroom/{world.slug}/yaourts-alpha").status_code == 404
    assert anyone.get(f"/newsroom/{world.slug}/yaourts-alpha/{sent}").status_code == 404


def test_the_feed_is_atom_with_each_release_newest_first_and_escaped(app, world):
    owner = signed_in(app, world.owner)
    release(app, world, "Premier communiqué", sent_ago=timedelta(days=3))
    release(app, world, "Second <script>alert(1)</script>", body="Texte **gras** <img src=x onerror=alert(2)>",
            sent_ago=timedelta(hours=1))
    release(app, world, "Sous embargo", embargo=utcnow() + timedelta(days=1))
    turn_on(app, world, owner)
    response = app.test_client().get(f"/newsroom/{world.slug}/yaourts-alpha/feed.xml")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    assert b"<script>" not in response.data and b"<img" not in response.data
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    titles = [entry.title for entry in feed.entries]  # the world's own sent release is there too
    assert "Sous embargo" not in titles and "Premier communiqué" in titles
    second = next(i for i, title in enumerate(titles) if title.startswith("Second"))
    assert second < titles.index("Premier communiqué")  # newest first
    content = feed.entries[second].content[0].value
    assert "<strong>gras</strong>" in content and "<img" not in content  # raw HTML is text, never markup
    link = feed.entries[second].link
    assert link.startswith("http") and f"/newsroom/{world.slug}/yaourts-alpha/" in link
    page = app.test_client().get(f"/newsroom/{world.slug}/yaourts-alpha").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert 'type="application/atom+xml"' in page


def test_bad_settings_are_422_with_what_was_typed_and_guests_get_404(app, world):
    owner = signed_in(app, world.owner)
    bad = turn_on(app, world, owner, slug="Pas Bon!")
    assert bad.status_code == 422 and "lower-case letters" in bad.get_data(as_text=True)
    assert 'value="Pas Bon!"' in bad.get_data(as_text=True)
    too_long = turn_on(app, world, owner, intro="x" * 1001)
    assert too_long.status_code == 422
    assert turn_on(app, world, owner).status_code == 302
    taken = turn_on(app, world, owner, client_id=world.ids["a2_id"])
    assert taken.status_code == 422 and "already has this address" in taken.get_data(as_text=True)
    guest = signed_in(app, world.guest)
    assert guest.get(f"/a/{world.slug}/press/newsroom").status_code == 404
    assert guest.post(f"/a/{world.slug}/press/newsroom/{world.ids['client_id']}",
                      data={"enabled": "1", "slug": "pirate"}).status_code == 404
    # another agency's client id: 404, nothing created
    assert owner.post(f"/a/{world.slug}/press/newsroom/{world.b_ids['client_id']}",
                      data={"enabled": "1", "slug": "pirate"}).status_code == 404
    with app.app_context(), tenancy.agency_scope(world.b_agency_id):
        assert db.session.scalars(select(PressNewsroom)).all() == []


def test_no_newsroom_shows_another_agency_s_release_nor_survives_archiving_or_deletion(app, world):
    owner = signed_in(app, world.owner)
    anyone = app.test_client()
    turn_on(app, world, owner)
    with app.app_context(), tenancy.agency_scope(world.b_agency_id):
        b_release = PressRelease(client_id=world.b_ids["client_id"], title="Beta secret", body="", images=[],
                                 attachments=[], language="fr", state="sent")
        db.session.add(b_release)
        db.session.flush()
        db.session.add(PressSend(release_id=b_release.id, list_name="x", sender_name="B", sender_email="b@b.test",
                                 state="done"))
        db.session.add(PressNewsroom(client_id=world.b_ids["client_id"], slug="beta-news", enabled=True, intro=""))
        db.commit()
        b_release_id = b_release.id
        b_slug = db.session.get(Agency, world.b_agency_id).slug
    # B's release under A's newsroom, B's newsroom under A's address: 404; B's own newsroom is B's
    assert anyone.get(f"/newsroom/{world.slug}/yaourts-alpha/{b_release_id}").status_code == 404
    assert anyone.get(f"/newsroom/{world.slug}/beta-news").status_code == 404
    assert "Beta secret" in anyone.get(f"/newsroom/{b_slug}/beta-news").get_data(as_text=True)
    assert "Beta secret" not in anyone.get(f"/newsroom/{world.slug}/yaourts-alpha").get_data(as_text=True)
    assert anyone.get("/newsroom/no-such-agency/yaourts-alpha").status_code == 404

    with in_agency(app, world):
        db.session.get(Client, world.ids["client_id"]).archived_at = utcnow()
        db.commit()
    assert anyone.get(f"/newsroom/{world.slug}/yaourts-alpha").status_code == 404
    with in_agency(app, world):
        db.session.get(Client, world.ids["client_id"]).archived_at = None
        db.commit()
    assert anyone.get(f"/newsroom/{world.slug}/yaourts-alpha").status_code == 200
    with app.app_context():
        db.session.get(Agency, world.agency_id).purge_after = utcnow() + timedelta(days=30)
        db.commit()
    assert anyone.get(f"/newsroom/{world.slug}/yaourts-alpha").status_code == 404


def test_releases_are_ordered_by_when_they_came_out_not_when_they_were_written(app, world):
    owner = signed_in(app, world.owner)
    # Written first, sent 5 days ago under an embargo lifted an hour ago: it came out last.
    late = release(app, world, "Embargo levé ce matin", sent_ago=timedelta(days=5),
                   embargo=utcnow() - timedelta(hours=1))
    release(app, world, "Envoyé hier", sent_ago=timedelta(days=1))
    turn_on(app, world, owner)
    with in_agency(app, world):
        from tenants.press import newsroom

        shown = [row for row in newsroom.published_releases(world.ids["client_id"])
                 if row[0].title != "Alpha launch"]  # the world's own, sent just now
        assert [row[0].title for row in shown] == ["Embargo levé ce matin", "Envoyé hier"]
        assert shown[0][0].id == late and shown[0][1] > utcnow() - timedelta(hours=2)
        assert newsroom.published_release(world.ids["client_id"], late)[1] == shown[0][1]
