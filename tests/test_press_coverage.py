"""Press coverage: proposals from a sent release's mentions, decisions, addresses added by hand, figures,
a client's coverage page, press reviews (page, PDF) and the portal's shared reviews."""
import hashlib
import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from saas import db, tenancy
from saas.db import utcnow
from tenants.monitoring.models import Mention
from tenants.press import coverage, releases, sending
from tenants.press.jobs import watch_coverage
from tenants.press.models import MediaList, PressCoverage, PressRelease, PressReview, PressSend
from tests.conftest import run_worker
from tests.test_guests import in_agency, signed_in, world  # noqa: F401

HX = {"HX-Request": "true"}
TITLE = "Alpha Client lance le vélo cargo Électra"


def mention(client_id, url, title, published_at, kind="rss", author=None, excerpt=""):
    row = Mention(client_id=client_id, source_kind=kind, source_name="Le Quotidien", url=url, title=title,
                  excerpt=excerpt, author=author, published_at=published_at,
                  item_key=hashlib.sha256(url.encode()).hexdigest()[:40])
    db.session.add(row)
    return row


def sent_release(app, world, title=TITLE, sent_days_ago=20, client_key="client_id"):
    """A release of client A1 sent `sent_days_ago` days ago to the agency's media list."""
    with in_agency(app, world):
        from saas.auth.models import User

        actor = db.session.scalar(select(User).where(User.email == world.owner))
        release = releases.create_release({"client_id": world.ids[client_key], "title": title, "body": "Texte",
                                           "images": [], "attachments": [], "embargo_at": None, "language": "fr"},
                                          actor)
        send = sending.start_send(release, db.session.get(MediaList, world.ids["list_id"]), actor)
        send.created_at = utcnow() - timedelta(days=sent_days_ago)
        db.commit()
        return release.id


@pytest.fixture
def proposals(app, world):
    """A release sent 20 days ago and mentions in and out of its 14-day window, of A1, A2 and agency B."""
    release_id = sent_release(app, world)
    now = utcnow()
    client, other = world.ids["client_id"], world.ids["a2_id"]
    with in_agency(app, world):
        mention(client, "https://quotidien.example/velo-cargo", "Le vélo cargo Électra arrive en ville",
                now - timedelta(days=15), author="Alpha Journaliste")
        mention(client, "https://blog.example/electra", "Essai", now - timedelta(days=12),
                excerpt="Nous avons roulé avec les VÉLOS cargos d’Alpha.")
        mention(client, "https://quotidien.example/un-mot", "Un vélo chez Alpha", now - timedelta(days=14))
        mention(client, "https://quotidien.example/avant", "Vélo cargo Électra: la rumeur", now - timedelta(days=21))
        mention(client, "https://quotidien.example/apres", "Vélo cargo Électra: un an après", now - timedelta(days=2))
        mention(client, "https://bsky.example/post", "Mon vélo cargo Électra", now - timedelta(days=15), kind="bluesky")
        mention(other, "https://quotidien.example/autre", "Le vélo cargo Électra de Second", now - timedelta(days=15))
        db.commit()
    with app.app_context(), tenancy.agency_scope(world.b_agency_id):
        mention(world.b_ids["client_id"], "https://quotidien.example/beta", "Beta: vélo cargo Électra",
                now - timedelta(days=15))
        db.commit()
    return release_id


def coverage_rows(app, world, release_id):
    with in_agency(app, world):
        return {row.url: (row.status, row.contact_id, row.sentiment) for row in db.session.scalars(
            select(PressCoverage).where(PressCoverage.release_id == release_id))}


def test_key_terms_are_the_title_significant_words_folded_without_the_brand():
    assert coverage.derived_terms(TITLE, "Alpha Client") == ["velo", "cargo", "electra"]
    assert coverage.derived_terms("Kraftel announces the new Orbit 3 satellites", "Kraftel") == ["orbit", "satellite"]
    assert coverage.typed_terms('"vélo cargo" Électra') == ["velo cargo", "electra"]
    assert coverage.needed(["a"]) == 1 and coverage.needed(["a", "b", "c"]) == 2


def test_the_search_proposes_in_window_mentions_holding_the_terms_and_runs_twice_without_duplicates(
        app, world, proposals):
    owner = signed_in(app, world.owner)
    searched = owner.post(f"/a/{world.slug}/press/releases/{proposals}/coverage/search")
    assert searched.status_code == 302
    run_worker(app, "default")
    rows = coverage_rows(app, world, proposals)
    assert set(rows) == {"https://quotidien.example/velo-cargo", "https://blog.example/electra"}
    assert all(status == "proposed" for status, _contact, _sentiment in rows.values())
    # the author is a known contact (folded name): linked
    assert rows["https://quotidien.example/velo-cargo"][1] == world.ids["contact_id"]
    # the periodic job queues it again: nothing doubles, and agency B's mention never came in
    with app.app_context():
        watch_coverage()
    run_worker(app, "default")
    owner.post(f"/a/{world.slug}/press/releases/{proposals}/coverage/search")
    run_worker(app, "default")
    assert coverage_rows(app, world, proposals) == rows
    with app.app_context(), tenancy.all_agencies():
        assert db.session.scalar(select(func.count()).select_from(PressCoverage).where(
            PressCoverage.url == "https://quotidien.example/beta")) == 0


def test_a_release_not_sent_proposes_nothing_and_its_search_is_refused(app, world):
    owner = signed_in(app, world.owner)
    with in_agency(app, world):
        from saas.auth.models import User

        actor = db.session.scalar(select(User).where(User.email == world.owner))
        release = releases.create_release({"client_id": world.ids["client_id"], "title": TITLE, "body": "",
                                           "images": [], "attachments": [], "embargo_at": None, "language": "fr"},
                                          actor)
        db.commit()
        assert coverage.propose(release) == 0
        release_id = release.id
    assert owner.post(f"/a/{world.slug}/press/releases/{release_id}/coverage/search").status_code == 409


def test_explicit_key_terms_replace_the_title_words(app, world, proposals):
    owner = signed_in(app, world.owner)
    saved = owner.post(f"/a/{world.slug}/press/releases/{proposals}/key-terms", data={"key_terms": '"un mot" zzz'})
    assert saved.status_code == 302
    with in_agency(app, world):
        release = db.session.get(PressRelease, proposals)
        assert release.key_terms == ["un mot", "zzz"]
        release.key_terms = ["chez"]
        db.commit()
        assert coverage.propose(db.session.get(PressRelease, proposals)) == 1  # "Un vélo chez Alpha"
        db.commit()
    too_long = owner.post(f"/a/{world.slug}/press/releases/{proposals}/key-terms", data={"key_terms": "x" * 600})
    assert too_long.status_code == 422


def test_accept_and_reject_with_htmx_and_the_card_counts_the_accepted(app, world, proposals):
    with in_agency(app, world):
        coverage.propose(db.session.get(PressRelease, proposals))
        db.commit()
        ids = {row.url: row.id for row in db.session.scalars(select(PressCoverage).where(
            PressCoverage.release_id == proposals))}
        card_id = db.session.get(PressRelease, proposals).card_id
    owner = signed_in(app, world.owner)
    page = owner.get(f"/a/{world.slug}/press/releases/{proposals}").get_data(as_text=True)
    assert page.count('data-testid="coverage-item"') == 2 and "2 to review" in page
    accepted = owner.post(f"/a/{world.slug}/press/coverage/{ids['https://quotidien.example/velo-cargo']}/decision",
                          data={"action": "accept"}, headers=HX)
    assert accepted.status_code == 200 and 'data-status="accepted"' in accepted.get_data(as_text=True)
    assert "1 accepted · 1 to review" in accepted.get_data(as_text=True)  # the counts, swapped out of band
    assert "Coverage accepted." in accepted.headers["HX-Trigger"]
    rejected = owner.post(f"/a/{world.slug}/press/coverage/{ids['https://blog.example/electra']}/decision",
                          data={"action": "reject"})
    assert rejected.status_code == 302
    bad = owner.post(f"/a/{world.slug}/press/coverage/{ids['https://blog.example/electra']}/decision",
                     data={"action": "delete"})
    assert bad.status_code == 400
    rows = coverage_rows(app, world, proposals)
    assert rows["https://quotidien.example/velo-cargo"][0] == "accepted"
    assert rows["https://blog.example/electra"][0] == "rejected"
    # a rejected proposal is not proposed again
    with in_agency(app, world):
        assert coverage.propose(db.session.get(PressRelease, proposals)) == 0
        db.commit()
    # both poles see it on the release's card
    member = signed_in(app, world.member)
    card = member.get(f"/a/{world.slug}/boards/cards/{card_id}").get_data(as_text=True)
    assert 'data-testid="card-coverage"' in card and "1 piece of coverage" in card


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/article", "http://localhost/article", "http://169.254.169.254/latest/meta-data",
    "http://10.0.0.5/a", "http://0x7f.1/a", "http://[::ffff:127.0.0.1]/a", "http://user:pw@example.fr/a",
    "javascript:alert(1)", "ftp://example.fr/a", "http://[fd00::1]/a", "http://100.64.0.1/a",
])
def test_an_address_into_a_private_network_is_refused(app, world, url):
    release_id = sent_release(app, world, sent_days_ago=1)
    owner = signed_in(app, world.owner)
    response = owner.post(f"/a/{world.slug}/press/releases/{release_id}/coverage", data={"url": url})
    assert response.status_code == 422
    assert 'data-testid="coverage-add-form"' in response.get_data(as_text=True)
    assert coverage_rows(app, world, release_id) == {}


def test_coverage_added_by_address_is_accepted_and_escaped(app, world):
    release_id = sent_release(app, world, sent_days_ago=1)
    owner = signed_in(app, world.owner)
    form = {"url": "https://www.lequotidien.example/economie/velo", "headline": "<script>alert(1)</script> Électra",
            "author": "alpha journaliste", "published_on": "2026-03-01", "sentiment": "positive", "reach": "45 000",
            "media_value": "1200,50"}
    assert owner.post(f"/a/{world.slug}/press/releases/{release_id}/coverage", data=form).status_code == 302
    again = owner.post(f"/a/{world.slug}/press/releases/{release_id}/coverage", data=form)
    assert again.status_code == 302
    with in_agency(app, world):
        rows = db.session.scalars(select(PressCoverage).where(PressCoverage.release_id == release_id)).all()
        assert len(rows) == 1
        row = rows[0]
        assert (row.status, row.origin, row.reach, str(row.media_value)) == ("accepted", "manual", 45000, "1200.50")
        assert row.contact_id == world.ids["contact_id"]
        assert row.published_at.astimezone(tenancy_zone()).hour == 0  # the start of the day in Paris
    page = owner.get(f"/a/{world.slug}/press/releases/{release_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; Électra" in page
    assert "lequotidien.example" in page  # no outlet typed: the site's name


def tenancy_zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Paris")


@pytest.mark.parametrize("reach,value", [("-5", ""), ("1e99", ""), ("abc", ""), ("10000000000001", ""),
                                         ("", "-1"), ("", "1000000001"), ("", "12,345"), ("", "NaN"),
                                         ("", "Infinity"), ("", "1,2.3"), ("²", "")])
def test_bad_figures_answer_422_with_a_message(app, world, reach, value):
    owner = signed_in(app, world.owner)
    coverage_id = world.ids["coverage_id"]
    for headers in (HX, {}):
        response = owner.post(f"/a/{world.slug}/press/coverage/{coverage_id}/figures",
                              data={"reach": reach, "media_value": value}, headers=headers)
        assert response.status_code == 422
        assert "Enter the reach" in response.get_data(as_text=True) or "Enter the media value" in \
            response.get_data(as_text=True)
    with in_agency(app, world):
        assert db.session.get(PressCoverage, coverage_id).reach == 12000


def test_figures_are_saved_and_shown_on_the_client_page_with_filters(app, world):
    owner = signed_in(app, world.owner)
    coverage_id = world.ids["coverage_id"]
    saved = owner.post(f"/a/{world.slug}/press/coverage/{coverage_id}/figures",
                       data={"reach": "250000", "media_value": "3500.5", "from": "client"}, headers=HX)
    assert saved.status_code == 200
    with in_agency(app, world):
        row = db.session.get(PressCoverage, coverage_id)
        assert row.reach == 250000 and float(row.media_value) == 3500.5
    url = f"/a/{world.slug}/press/clients/{world.ids['client_id']}/coverage"
    page = owner.get(url).get_data(as_text=True)
    assert "Alpha coverage headline" in page and "1 piece of coverage" in page and "250,000" in page
    assert owner.get(url + "?from=2001-01-01&to=2001-01-31").get_data(as_text=True).count("coverage-item") == 0
    assert owner.get(url + f"?release={world.ids['release_id']}").status_code == 200
    assert owner.get(url + f"?release={world.b_ids['release_id']}").status_code == 400
    assert owner.get(url + "?from=2026-02-01&to=2026-01-01").status_code == 400
    french = owner.get(url, headers={"Accept-Language": "fr"})
    assert french.status_code == 200


def test_a_press_review_as_page_and_pdf_with_the_agency_name(app, world):
    owner = signed_in(app, world.owner)
    today = utcnow().date()
    made = owner.post(f"/a/{world.slug}/press/reviews/", data={
        "client_id": world.ids["client_id"], "title": "Revue de mars",
        "first_day": (today - timedelta(days=3)).isoformat(), "last_day": (today + timedelta(days=1)).isoformat()})
    assert made.status_code == 302
    review_id = int(made.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    page = owner.get(f"/a/{world.slug}/press/reviews/{review_id}").get_data(as_text=True)
    assert page.count('data-testid="review-item"') == 1 and "Alpha coverage headline" in page
    pdf = owner.get(f"/a/{world.slug}/press/reviews/{review_id}/review.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Agence Alpha".upper() in text.upper() and "Alpha Client" in text and "Alpha coverage headline" in text
    bad = owner.post(f"/a/{world.slug}/press/reviews/", data={"client_id": world.b_ids["client_id"], "title": "",
                                                              "first_day": "2026-03-10", "last_day": "2026-03-01"})
    assert bad.status_code == 422
    # unticking every piece empties it
    owner.post(f"/a/{world.slug}/press/reviews/{review_id}/items", data={})
    assert owner.get(f"/a/{world.slug}/press/reviews/{review_id}").get_data(as_text=True).count(
        'data-testid="review-item"') == 0


def test_guests_see_only_their_clients_shared_reviews(app, world):
    guest = signed_in(app, world.guest)
    shared = world.ids["review_id"]
    home = guest.get(f"/a/{world.slug}/portal/clients/{world.ids['client_id']}").get_data(as_text=True)
    assert 'data-testid="portal-press-reviews"' in home and "Alpha review" in home
    review = guest.get(f"/a/{world.slug}/portal/press-reviews/{shared}")
    assert review.status_code == 200 and "Alpha coverage headline" in review.get_data(as_text=True)
    assert guest.get(f"/a/{world.slug}/portal/press-reviews/{shared}/review.pdf").status_code == 200
    # a review of the other client, shared too, and one not shared: 404
    with in_agency(app, world):
        today = utcnow().date()
        other = PressReview(client_id=world.ids["a2_id"], title="Second review", first_day=today, last_day=today,
                            shared_with_client=True)
        hidden = PressReview(client_id=world.ids["client_id"], title="Draft review", first_day=today, last_day=today)
        db.session.add_all([other, hidden])
        db.commit()
        other_id, hidden_id = other.id, hidden.id
    for review_id in (other_id, hidden_id, world.b_ids["review_id"]):
        assert guest.get(f"/a/{world.slug}/portal/press-reviews/{review_id}").status_code == 404
        assert guest.get(f"/a/{world.slug}/portal/press-reviews/{review_id}/review.pdf").status_code == 404
    # a rejected piece leaves the shared review
    owner = signed_in(app, world.owner)
    owner.post(f"/a/{world.slug}/press/coverage/{world.ids['coverage_id']}/decision", data={"action": "reject"})
    assert "Alpha coverage headline" not in guest.get(
        f"/a/{world.slug}/portal/press-reviews/{shared}").get_data(as_text=True)
    # the staff pages of coverage stay closed to guests
    for url in (f"/press/clients/{world.ids['client_id']}/coverage", f"/press/reviews/{shared}",
                f"/press/reviews/{shared}/review.pdf"):
        assert guest.get(f"/a/{world.slug}{url}").status_code == 404


def test_erasing_a_contact_keeps_their_coverage_unlinked(app, world):
    with in_agency(app, world):
        row = db.session.get(PressCoverage, world.ids["coverage_id"])
        row.contact_id = world.ids["contact_id"]
        db.commit()
    owner = signed_in(app, world.owner)
    assert owner.post(f"/a/{world.slug}/press/contacts/{world.ids['contact_id']}/delete").status_code == 302
    with in_agency(app, world):
        row = db.session.get(PressCoverage, world.ids["coverage_id"])
        assert row is not None and row.contact_id is None


def test_the_sent_release_window_starts_at_the_send_and_runs_after_a_later_embargo(app, world):
    release_id = sent_release(app, world, sent_days_ago=3)
    with in_agency(app, world):
        release = db.session.get(PressRelease, release_id)
        sent_at = db.session.scalar(select(PressSend.created_at).where(PressSend.release_id == release_id))
        release.embargo_at = sent_at + timedelta(days=2)
        start, end = coverage.window(release)
        assert start == sent_at and end == sent_at + timedelta(days=16)


def test_a_contacts_page_lists_the_releases_received_and_the_coverage_written(app, world):
    with in_agency(app, world):
        row = db.session.get(PressCoverage, world.ids["coverage_id"])
        row.contact_id, row.headline = world.ids["contact_id"], "<i>Un article</i> signé"
        db.commit()
    owner = signed_in(app, world.owner)
    page = owner.get(f"/a/{world.slug}/press/contacts/{world.ids['contact_id']}").get_data(as_text=True)
    history = page[page.index('data-testid="contact-history"'):]
    assert "Alpha launch" in history and "Failed" in history  # the populated send failed for this recipient
    assert "&lt;i&gt;Un article&lt;/i&gt; signé" in history and "<i>Un article" not in history
