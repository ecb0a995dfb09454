"""The WTForms forms read what people type as the hand-written readers did: same values, same messages."""
import pytest
from werkzeug.datastructures import MultiDict

from saas.forms import read
from saas.params import BadParameter


@pytest.fixture
def request_ctx(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def messages(errors):
    return {name: str(message) for name, message in errors.items()}


def test_the_quick_card_form_reads_the_title_only(request_ctx):
    from tenants.boards.forms import clean_card_form

    values, errors = clean_card_form(MultiDict({"title": "  Reply  ", "pole": "nope", "due_date": "x"}), quick=True)
    assert values == {"title": "Reply"} and errors == {}
    assert messages(clean_card_form(MultiDict({"title": " "}), quick=True)[1]) == {"title": "Title is required."}


def test_the_card_form_keeps_its_defaults_and_messages(request_ctx):
    from tenants.boards.forms import clean_card_form

    values, errors = clean_card_form(MultiDict({"title": "Reply", "description": " a\r\nb ", "client_visible": "1"}))
    assert errors == {}
    assert values == {"title": "Reply", "description": "a\nb", "pole": "both", "client_visible": True,
                      "source_url": None, "source_excerpt": None, "due_at": None, "due_on": None}
    _values, errors = clean_card_form(MultiDict({"title": "Reply", "pole": "", "due_time": "14:30",
                                                 "source_url": "ftp://x", "source_excerpt": "x" * 2001}))
    assert messages(errors) == {
        "pole": "Choose a pole: PR, CM or both.",
        "due_date": "Enter a date like 2026-03-31 and, if you wish, a time like 14:30.",
        "source_url": "Enter a web address like https://example.com/page.",
        "source_excerpt": "Keep the excerpt under 2,000 characters.",
    }
    assert "due_date" in clean_card_form(MultiDict({"title": "Reply", "due_date": "2026-03-31", "due_time": "25:00"}))[1]


def test_a_malformed_id_in_a_list_of_ids_is_a_bad_request(request_ctx):
    from tenants.guests.forms import clean_guest_invitation

    with pytest.raises(BadParameter):
        clean_guest_invitation(MultiDict([("email", "a@b.fr"), ("locale", "fr"), ("client_ids", "1x")]))
    values, errors = clean_guest_invitation(MultiDict([("email", " A@B.fr"), ("locale", "de"),
                                                       ("client_ids", "3"), ("client_ids", "3")]))
    assert values["client_ids"] == [3] and values["email"] == "a@b.fr"
    assert messages(errors) == {"locale": "Choose French or English."}
    assert "client_ids" in clean_guest_invitation(MultiDict({"email": "a@b.fr", "locale": "fr"}))[1]


def test_monitoring_forms(request_ctx):
    from tenants.monitoring.web import forms

    values, errors = forms.clean_connectors_form(MultiDict([("mastodon_instances", "https://Mastodon.social/, a.b"),
                                                            ("connectors", "gdelt")]))
    assert errors == {} and values["mastodon_instances"] == ["mastodon.social", "a.b"] and values["connectors"] == ["gdelt"]
    _values, errors = forms.clean_connectors_form(MultiDict({"mastodon_instances": "ok.social bad_host"}))
    assert messages(errors) == {"mastodon_instances": "“bad_host” is not a server name like mastodon.social."}
    assert messages(forms.clean_feed_form(MultiDict({"url": " www.x.fr/rss "}))[1]) == {
        "url": "Enter the address of an RSS or Atom feed, starting with https://"}
    values, error = forms.clean_preview_form(MultiDict({"query": " ", "sample": "x" * 6000}))
    assert str(error) == "Type a query to preview it." and len(values["sample"]) == 5000


def test_the_new_agency_form_derives_the_address_from_the_name(request_ctx):
    from saas.auth.forms import AgencyForm

    values, errors = read(AgencyForm, MultiDict({"agency_name": " Agence Été "}))
    assert errors == {} and values == {"agency_name": "Agence Été", "agency_slug": "agence-ete"}
    _values, errors = read(AgencyForm, MultiDict({"agency_name": "", "agency_slug": "-bad-"}))
    assert set(errors) == {"agency_name"}  # no name: only the name's message
    _values, errors = read(AgencyForm, MultiDict({"agency_name": "Agence", "agency_slug": "Admin"}))
    assert set(errors) == {"agency_slug"}


def test_the_role_form_refuses_what_the_page_does_not_offer(request_ctx):
    from saas.auth.members import RoleForm

    assert read(RoleForm, MultiDict({"role": "admin"})) == ({"role": "admin", "pole": None}, {})
    assert set(read(RoleForm, MultiDict({"role": "guest", "pole": "xx"}))[1]) == {"role", "pole"}


def test_one_web_address_rule_with_the_messages_of_each_form(request_ctx):
    from tenants.boards.forms import clean_link
    from tenants.clients.forms import clean_client_form
    from tenants.monitoring.web.forms import clean_feed_form

    assert str(clean_link(MultiDict({"url": "http://[::1"}))[1]) == "Enter a web address like https://example.com/page."
    assert str(clean_link(MultiDict({"url": ""}))[1]) == "Enter a web address."
    assert str(clean_client_form(MultiDict({"name": "Brand", "website": "brand"}))[1]["website"]) == \
        "Enter a web address like https://brand.fr."
    assert clean_client_form(MultiDict({"name": "Brand", "website": "brand.fr"}))[0]["website"] == "https://brand.fr"
    assert "website" in clean_client_form(MultiDict({"name": "Brand", "website": "brand.fr/" + "x" * 500}))[1]
    assert clean_feed_form(MultiDict({"url": "http://localhost/rss"}))[1] == {}  # a feed's host needs no dot
    assert str(clean_feed_form(MultiDict({"url": ""}))[1]["url"]) == \
        "Enter the address of an RSS or Atom feed, starting with https://"
