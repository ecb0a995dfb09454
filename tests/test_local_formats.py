"""French details: numbers and dates in the reader's language, times in the agency's zone, elision before
names, fetch errors translated when shown, and due dates that stay dates."""
import csv
import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from saas import db, tenancy
from saas.auth.models import Agency
from saas.i18n import elide, local_moment, number, percent, sounds_like_vowel
from tenants.boards.models import BoardCard
from tenants.boards.notifications.jobs import reminder_due
from tenants.crisis.explain import part_sentence
from tenants.monitoring.pipeline.jobs import refresh
from tenants.monitoring.models import Mention, Source
from tests.factories import watched_client
from tests.conftest import login
from tests.test_boards import add_card, client_id, columns_of, owner, rows  # noqa: F401  (fixtures)
from tests.test_crisis_routes import agency, crisis  # noqa: F401  (fixtures)

EN = {"Accept-Language": "en"}
FR = {"Accept-Language": "fr"}
HX = {"HX-Request": "true", "Accept-Language": "fr"}
WINTER = datetime(2026, 1, 5, 6, 41, tzinfo=timezone.utc)  # 07:41 in Paris (UTC+1)
NNBSP = re.compile("[\u00a0\u202f]")


def plain(text):
    """The text with French no-break spaces as plain spaces."""
    return NNBSP.sub(" ", text)


# --- Numbers ---------------------------------------------------------------------------------------------------

def test_numbers_and_percentages_follow_the_readers_language(app):
    facts = {"facts": {"count": 113, "ratio": 11.0, "median": 10.3}}
    with app.test_request_context():
        with force_locale("fr"):
            assert plain(part_sentence("volume", facts)) == "113 mentions dans l’heure, soit 11,0× les 10,3 habituelles"
            assert plain(percent(0.103, 1)) == "10,3 %" and plain(number(12345.5, 1)) == "12 345,5"
            assert plain(part_sentence("negative", {"value": 0.42, "facts": {"base_share": 0.1}})).startswith("42 % de")
        with force_locale("en"):
            assert part_sentence("volume", facts) == "113 mentions in the hour, 11.0× the usual 10.3"
            assert percent(0.103, 1) == "10.3%" and number(12345.5, 1) == "12,345.5"


def test_french_crisis_pages_write_decimals_with_a_comma(app, client, agency, crisis):  # noqa: F811
    client_id_, rule_id = crisis
    login(client, agency.owner_email)
    with app.app_context(), tenancy.agency_scope(agency.id):
        from tenants.crisis.models import CrisisAlert

        alert_id = db.session.scalars(select(CrisisAlert.id).order_by(CrisisAlert.id.desc())).first()
    french = plain(client.get(f"/a/{agency.slug}/crisis/alerts/{alert_id}", headers=FR).get_data(as_text=True))
    assert re.search(r"soit \d+,\d× les", french) and not re.search(r"\d\.\d×", french)
    assert re.search(r"\d+ % de négatif( \([^)]*\))?, contre \d+ % d’habitude", french)
    english = client.get(f"/a/{agency.slug}/crisis/alerts/{alert_id}", headers=EN).get_data(as_text=True)
    assert re.search(r"\d+\.\d× the usual", english)
    page = plain(client.get(f"/a/{agency.slug}/crisis/clients/{client_id_}", headers=FR).get_data(as_text=True))
    assert re.search(r"<td>\d+,\d %</td>", page)  # the negative share of each keyword, French style


# --- Elision ---------------------------------------------------------------------------------------------------

def test_french_messages_elide_before_a_vowel_or_a_mute_h(app):
    with app.test_request_context(), force_locale("fr"):
        invited = _("%(inviter)s of %(agency)s invites you to the client portal of %(clients)s.",
                    inviter="Léa", agency="Agence Lumière", clients="Danone")
        assert invited.startswith("Léa, d’Agence Lumière, vous invite") and invited.endswith("client de Danone.")
        assert "en tant qu’invité," in _("You are invited as %(role)s with the address %(email)s.", role="invité",
                                         email="a@b.test")
        assert _("Crisis of %(name)s", name="Hermès") == "Crise d’Hermès"
        assert _("Crisis of %(name)s", name="Hachette") == "Crise de Hachette"  # an aspirated h
        assert _("Crisis of %(name)s", name="Yves Rocher") == "Crise d’Yves Rocher"
    assert [sounds_like_vowel(w) for w in ("Yves", "Yannick", "Orange", "onze", "hôtel", "Huawei", "Élan")] == [
        True, False, True, False, True, False, True]
    with app.test_request_context(), force_locale("en"):
        assert elide("the agency de Agence", ["Agence"]) == "the agency de Agence"  # French only


def test_elision_in_escaped_text_never_unescapes_a_value(app):
    from markupsafe import Markup, escape

    hostile = "Élan<script>alert(1)</script>"
    with app.test_request_context(), force_locale("fr"):
        text = Markup("Crise de ") + escape(hostile)  # what Jinja's autoescaped gettext hands over
        result = elide(text, [hostile])
    assert isinstance(result, Markup)
    assert str(result) == "Crise d’Élan&lt;script&gt;alert(1)&lt;/script&gt;"


def test_french_pages_elide_the_agency_name(app, client, make_agency):
    agency = make_agency("Agence Lumière")
    login(client, agency.owner_email)
    page = client.get(f"/a/{agency.slug}/members/", headers=FR).get_data(as_text=True)
    assert "Les personnes d’Agence Lumière, leur rôle et leur pôle." in page and "de Agence" not in page


# --- The agency's time zone ------------------------------------------------------------------------------------

@pytest.fixture
def mention(app, client, make_agency):
    """A mention published at 06:41 UTC, 07:41 in Paris; the owner signed in."""
    agency = make_agency()
    with app.app_context(), tenancy.agency_scope(agency.id):
        brand, keyword = watched_client()
        found = Mention(client_id=brand.id, keyword_id=keyword.id, source_kind="rss", source_name="Le Fil",
                        item_key="one", url="https://news.example/1", title="Danone rappelle", excerpt="Danone.",
                        published_at=WINTER, status="new")
        db.session.add(found)
        db.commit()
        ids = {"mention": found.id, "client": brand.id}
    login(client, agency.owner_email)
    return agency, ids


def test_a_card_made_from_a_mention_states_the_time_in_the_agencys_zone(app, client, mention):
    agency, ids = mention
    client.post(f"/a/{agency.slug}/mentions/{ids['mention']}/card", headers=FR)
    with app.app_context(), tenancy.agency_scope(agency.id):
        card = db.session.scalars(select(BoardCard)).one()
    assert "5 janv. 2026, 07:41" in card.description and "06:41" not in card.description
    inbox = client.get(f"/a/{agency.slug}/mentions/", headers=FR).get_data(as_text=True)
    assert "07:41" in inbox


def test_an_agency_in_another_zone_reads_its_own_times_everywhere(app, client, mention):
    agency, ids = mention
    form = client.get(f"/a/{agency.slug}/members/", headers=EN).get_data(as_text=True)
    assert '<option value="Europe/Paris" selected>' in form
    bad = client.post(f"/a/{agency.slug}/members/settings", data={"timezone": "Mars/Olympus"}, headers=FR)
    assert bad.status_code == 422 and "Choisissez un fuseau horaire" in bad.get_data(as_text=True)
    assert client.post(f"/a/{agency.slug}/members/settings", data={"timezone": "America/Montreal"}).status_code == 302
    with app.app_context():
        assert db.session.get(Agency, agency.id).timezone == "America/Montreal"
    assert "1:41 AM" in plain(client.get(f"/a/{agency.slug}/mentions/", headers=EN).get_data(as_text=True))
    client.post(f"/a/{agency.slug}/mentions/{ids['mention']}/card", headers=EN)
    with app.app_context(), tenancy.agency_scope(agency.id):
        assert "01:41" in db.session.scalars(select(BoardCard)).one().description
    export = client.get(f"/a/{agency.slug}/mentions/export.csv", headers=EN).get_data(as_text=True)
    header, row = list(csv.reader(io.StringIO(export.lstrip("\ufeff"))))[:2]
    assert header[0] == "Published (America/Montreal)" and row[0] == "2026-01-05 01:41"


def test_only_owners_and_admins_set_the_time_zone(app, client, mention, make_member):
    agency, _ids = mention
    make_member(agency, "cm@lumiere.test", pole="cm")
    member = app.test_client()
    login(member, "cm@lumiere.test")
    assert member.post(f"/a/{agency.slug}/members/settings", data={"timezone": "UTC"}).status_code == 403
    assert 'data-testid="agency-settings"' not in member.get(f"/a/{agency.slug}/members/").get_data(as_text=True)


# --- Fetch errors ----------------------------------------------------------------------------------------------

def test_a_dns_failure_is_stored_as_a_code_and_shown_in_the_readers_language(app, client, mention):
    agency, ids = mention
    client.post(f"/a/{agency.slug}/clients/{ids['client']}/feeds", data={"url": "https://relais-test.invalid/rss"})
    with app.app_context(), tenancy.all_agencies():
        source = db.session.scalars(select(Source)).one()
        refresh(source)  # a real lookup of a name that cannot exist
        db.commit()
        assert (source.last_error_code, source.last_error) == ("dns_failed", "The site name could not be found.")
    french = client.get(f"/a/{agency.slug}/clients/{ids['client']}/monitoring", headers=FR).get_data(as_text=True)
    assert "En échec : Le nom du site est introuvable." in french and "could not be found" not in french
    english = client.get(f"/a/{agency.slug}/clients/{ids['client']}/monitoring", headers=EN).get_data(as_text=True)
    assert "The site name could not be found." in english


def test_feed_errors_with_values_are_translated_with_them(app):
    from tenants.monitoring.pipeline.feeds import FeedError
    from saas.http_errors import BadStatus, error_text

    error = FeedError("feed_web_page_link", url="https://presse.example/rss")
    assert str(error) == "This address is a web page, not a feed. The page announces a feed at https://presse.example/rss"
    with app.test_request_context(), force_locale("fr"):
        assert error_text(error.code, error.params) == ("Cette adresse est une page web, pas un flux. La page annonce "
                                                        "un flux à l’adresse https://presse.example/rss")
        assert error_text(BadStatus(503).code) == "Le site rencontre un problème temporaire"
        assert error_text(None, None, "SMTP said no") == "SMTP said no"  # another kind of error, as it was stored
    assert str(BadStatus(503)) == "The site has a temporary problem (HTTP 503)."


# --- Due dates -------------------------------------------------------------------------------------------------

def test_a_date_only_due_date_stays_a_date(app, client, owner, client_id):  # noqa: F811
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    add_card(client, owner, client_id, columns_of(app, owner)["To do"].id, "Newsletter")
    card = rows(app, owner, BoardCard)[0]
    form = {"title": "Newsletter", "pole": "cm", "due_date": "2030-12-12", "due_time": "", "version": card.version}
    response = client.post(f"/a/{owner.slug}/boards/cards/{card.id}", data=form, headers=HX)
    assert response.status_code == 200
    saved = rows(app, owner, BoardCard)[0]
    assert saved.due_on == date(2030, 12, 12)
    assert saved.due_at.isoformat() == "2030-12-12T22:59:59+00:00"  # overdue once the day ends in Paris
    panel = client.get(f"/a/{owner.slug}/boards/cards/{card.id}", headers=FR).get_data(as_text=True)
    assert 'name="due_time" value=""' in panel and "18:00" not in panel and "23:59" not in panel
    assert "12 déc." in panel and "jeudi 12 décembre" in panel and "9 h 00 le matin même" in panel
    board = client.get(f"/a/{owner.slug}/boards/{client_id}", headers=FR).get_data(as_text=True)
    assert "12 déc.</span>" in board
    timed = {**form, "due_time": "14:30", "version": saved.version}
    client.post(f"/a/{owner.slug}/boards/cards/{card.id}", data=timed, headers=HX)
    saved = rows(app, owner, BoardCard)[0]
    assert saved.due_on is None and saved.due_at.isoformat() == "2030-12-12T13:30:00+00:00"
    panel = client.get(f"/a/{owner.slug}/boards/cards/{card.id}", headers=FR).get_data(as_text=True)
    assert 'name="due_time" value="14:30"' in panel and "12 déc., 14:30" in panel


def test_a_day_is_reminded_at_nine_in_the_agencys_zone_and_follows_a_change_of_zone(app, client, owner, client_id):  # noqa: F811
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    add_card(client, owner, client_id, columns_of(app, owner)["To do"].id, "Newsletter")
    card = rows(app, owner, BoardCard)[0]
    client.post(f"/a/{owner.slug}/boards/cards/{card.id}", headers=HX,
                data={"title": "Newsletter", "pole": "cm", "due_date": "2030-12-12", "version": card.version})
    with app.app_context(), tenancy.agency_scope(owner.id):
        saved = db.session.get(BoardCard, card.id)
        nine = local_moment(date(2030, 12, 12), datetime.min.time().replace(hour=9))
        assert nine.isoformat() == "2030-12-12T08:00:00+00:00"
        assert not reminder_due(saved, nine - timedelta(minutes=1)) and reminder_due(saved, nine)
    client.post(f"/a/{owner.slug}/members/settings", data={"timezone": "Asia/Tokyo"})
    saved = rows(app, owner, BoardCard)[0]
    assert saved.due_on == date(2030, 12, 12) and saved.due_at.isoformat() == "2030-12-12T14:59:59+00:00"
    with app.app_context(), tenancy.agency_scope(owner.id):
        assert reminder_due(db.session.get(BoardCard, card.id), datetime(2030, 12, 12, 0, 0, tzinfo=timezone.utc))


def test_our_pattern_fast_path_writes_what_babel_writes():
    """saas/i18n.py formats custom patterns (due dates: "EEEE d MMMM, HH:mm") without Babel's per-field lookups."""
    import random
    from datetime import datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    from babel import Locale
    from babel import dates as babel_dates

    from saas.i18n import _pattern_text

    rng, zone = random.Random(13), ZoneInfo("Europe/Paris")
    for code in ("fr", "en", "fr_CA", "en_GB"):
        locale = Locale.parse(code)
        for _n in range(60):
            moment = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=rng.randint(0, 600_000))
            for pattern in ("d MMM", "d MMM, HH:mm", "EEEE d MMMM", "EEEE d MMMM, HH:mm", "EEE d MMM y", "dd/MM/yyyy"):
                assert _pattern_text(moment.astimezone(zone), pattern, locale) == babel_dates.format_datetime(
                    moment, pattern, tzinfo=zone, locale=locale)
                if "H" not in pattern:
                    assert _pattern_text(moment.date(), pattern, locale) == babel_dates.format_date(
                        moment.date(), pattern, locale=locale)
