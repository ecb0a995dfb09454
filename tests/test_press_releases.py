"""Press releases: CRUD, sanitised Markdown, the board card, the client's approval in the portal, isolation."""

from saas import db
from tenants.boards.models import BoardCard
from tenants.press.models import PressRelease
from tests.test_guests import in_agency, signed_in, world  # noqa: F401

XSS = "Hello **{{first_name}}**\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2)) <img src=x onerror=alert(3)>"


def release_form(world, **values):
    form = {"client_id": world.ids["client_id"], "title": "Lancement du yaourt", "body": "Un *nouveau* yaourt.",
            "images": "https://cdn.example.com/yaourt.jpg", "attachments": "", "embargo_at": "2026-12-01T09:30",
            "language": "fr"}
    form.update(values)
    return form


def create(app, world, **values):
    owner = signed_in(app, world.owner)
    response = owner.post(f"/a/{world.slug}/press/releases/", data=release_form(world, **values))
    assert response.status_code == 302, response.get_data(as_text=True)
    return owner, int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_a_release_is_created_with_its_card_and_shown_in_the_agency_zone(app, world):
    owner, release_id = create(app, world)
    with in_agency(app, world):
        release = db.session.get(PressRelease, release_id)
        card = db.session.get(BoardCard, release.card_id)
        assert card.title == "Lancement du yaourt" and card.pole == "rp" and card.client_visible
        assert f"/press/releases/{release_id}" in card.description  # the card links back
        assert release.embargo_at.hour == 8  # 09:30 in Paris (winter) is 08:30 UTC
    page = owner.get(f"/a/{world.slug}/press/releases/{release_id}").get_data(as_text=True)
    assert "EMBARGO until" in page and "Europe/Paris" in page and "<em>nouveau</em>" in page
    listing = owner.get(f"/a/{world.slug}/press/releases/").get_data(as_text=True)
    assert "Lancement du yaourt" in listing and "Draft" in listing


def test_markdown_is_sanitised_and_xss_refused(app, world):
    owner, release_id = create(app, world, body=XSS)
    page = owner.get(f"/a/{world.slug}/press/releases/{release_id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page, page[page.index("<script>alert(1)") - 300:][:400]
    assert 'href="javascript' not in page and "<img" not in page
    preview = owner.post(f"/a/{world.slug}/press/releases/preview", data=release_form(world, body=XSS))
    assert preview.status_code == 200 and "<script>alert" not in preview.get_data(as_text=True)


def test_bad_input_is_422_with_what_was_typed(app, world):
    owner = signed_in(app, world.owner)
    response = owner.post(f"/a/{world.slug}/press/releases/",
                          data=release_form(world, title="", embargo_at="demain", images="ftp://x"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Un *nouveau* yaourt." in body and "embargo" in body.lower()


def test_edit_then_sent_release_refuses_edits(app, world):
    owner, release_id = create(app, world)
    assert owner.get(f"/a/{world.slug}/press/releases/{release_id}/edit").status_code == 200
    saved = owner.post(f"/a/{world.slug}/press/releases/{release_id}", data=release_form(world, title="Nouveau titre"))
    assert saved.status_code == 302
    with in_agency(app, world):
        release = db.session.get(PressRelease, release_id)
        assert db.session.get(BoardCard, release.card_id).title == "Nouveau titre"
        release.state = "sent"
        db.commit()
    assert owner.post(f"/a/{world.slug}/press/releases/{release_id}", data=release_form(world)).status_code == 409


def approval(app, world, owner, release_id, action="request"):
    """Ask (or withdraw) the client's approval on the release's card; return the card's id and the answer."""
    with in_agency(app, world):
        card_id = db.session.get(PressRelease, release_id).card_id
    answer = owner.post(f"/a/{world.slug}/guests/cards/{card_id}/approval", data={"action": action},
                        headers={"HX-Request": "true"})
    return card_id, answer


def state(app, world, release_id):
    with in_agency(app, world):
        return db.session.get(PressRelease, release_id).state


def test_the_guest_approves_the_release_in_the_portal_as_it_will_be_sent(app, world):
    owner, release_id = create(app, world, body="Texte **important**.")
    card_id, asked = approval(app, world, owner, release_id)
    assert asked.status_code == 200
    assert "Awaiting approval" in owner.get(f"/a/{world.slug}/press/releases/").get_data(as_text=True)
    guest = signed_in(app, world.guest)
    portal = guest.get(f"/a/{world.slug}/portal/cards/{card_id}").get_data(as_text=True)
    assert 'data-testid="portal-release"' in portal and "<strong>important</strong>" in portal
    assert "EMBARGO until" in portal
    assert guest.post(f"/a/{world.slug}/portal/cards/{card_id}/approve").status_code == 302
    with in_agency(app, world):
        assert db.session.get(PressRelease, release_id).state == "approved"
    # guests never reach the staff pages of releases
    assert guest.get(f"/a/{world.slug}/press/releases/{release_id}").status_code == 404
    assert guest.get(f"/a/{world.slug}/press/releases/").status_code == 404


def test_changes_requested_bring_the_release_back_to_draft(app, world):
    owner, release_id = create(app, world)
    card_id, _asked = approval(app, world, owner, release_id)
    guest = signed_in(app, world.guest)
    assert guest.post(f"/a/{world.slug}/portal/cards/{card_id}/changes", data={"body": "Le titre"}).status_code == 302
    assert state(app, world, release_id) == "draft"


def test_the_state_follows_the_card_when_approval_is_asked_and_withdrawn_without_a_page_read(app, world):
    owner, release_id = create(app, world)
    approval(app, world, owner, release_id)
    assert state(app, world, release_id) == "awaiting"  # written when asked, not when a page is read
    approval(app, world, owner, release_id, "withdraw")
    assert state(app, world, release_id) == "draft"


def test_other_agency_release_is_404(app, world, make_agency):
    _owner, release_id = create(app, world)
    other = make_agency("Agence Gamma")
    intruder = signed_in(app, other.owner_email)
    for path in (f"/a/{other.slug}/press/releases/{release_id}", f"/a/{other.slug}/press/releases/{release_id}/edit"):
        assert intruder.get(path).status_code == 404
    assert intruder.post(f"/a/{other.slug}/press/releases/{release_id}", data=release_form(world)).status_code == 404
